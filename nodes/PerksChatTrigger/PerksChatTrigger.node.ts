import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { RecentKeys } from '../shared/idempotency/recentKeys';
import { rawBodyOf } from '../shared/node/rawBody';
import { optionSubtitle } from '../shared/node/subtitle';
import { SLACK_BOT_TYPE } from '../shared/chat/slack/entry';
import { TEAMS_CREDENTIAL_TYPE } from '../shared/chat/teams/entry';
import { handleChatRequest, type ChatOutcome, type ChatSource } from './receive';
import { teamsSecurityToken } from './securityTokenTest';
import {
	chatTrigger,
	handOverTestItems,
	TEAMS_CHAT_SOURCE,
	teamsChatWebhook,
	teamsChatWebhookMethods,
} from './teamsChat';

/** Request ids seen lately, across every Perks Chat Trigger in this process (replays, retries). */
const seenRequests = new RecentKeys(100_000, 10 * 60 * 1000);

const TEAMS_OUTGOING_CREDENTIAL = 'perksTeamsOutgoingWebhookApi';
const SLACK_SOURCES: ChatSource[] = ['slackCommand', 'slackEvents'];

const SOURCES = [
	{
		name: 'Slack Slash Command',
		value: 'slackCommand',
		description: "/perks balance: set the command's Request URL to this node's production URL",
	},
	{
		name: 'Slack Bot Messages',
		value: 'slackEvents',
		description: 'A DM to the app or an @mention (Events API): set the Request URL to this URL',
	},
	{
		name: 'Teams Outgoing Webhook',
		value: 'teamsOutgoingWebhook',
		description: '"@Perks balance" in a Teams channel: set the callback URL to this URL',
	},
	{
		name: 'Teams Chat (1:1 with the Service Account)',
		value: TEAMS_CHAT_SOURCE,
		description:
			'A message to the service account in a 1:1 chat: subscribed through Microsoft Graph on publish',
	},
];

export class PerksChatTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Chat Trigger',
		name: 'perksChatTrigger',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as 1; n8n evaluates an expression per request only for version 1 (see PerksTrigger).
		version: [1, 2],
		defaultVersion: 2,
		subtitle: optionSubtitle('source', SOURCES),
		description:
			'Starts the workflow when someone asks the perks bot a question in Slack or Microsoft Teams',
		defaults: { name: 'Perks Chat Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: SLACK_BOT_TYPE,
				required: true,
				displayOptions: { show: { source: SLACK_SOURCES } },
			},
			{
				name: TEAMS_OUTGOING_CREDENTIAL,
				required: true,
				displayOptions: { show: { source: ['teamsOutgoingWebhook'] } },
				testedBy: 'teamsSecurityToken',
			},
			{
				name: TEAMS_CREDENTIAL_TYPE,
				required: true,
				displayOptions: { show: { source: [TEAMS_CHAT_SOURCE] } },
			},
		],
		// Slack requests are acknowledged by the node itself at once (3 s deadline); a Teams outgoing
		// webhook's answer is the HTTP response, so n8n sends the last node's item (Perks Chat Reply's).
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'lastNode',
				responseData: 'firstEntryJson',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				noDataExpression: true,
				options: SOURCES,
				default: 'slackCommand',
			},
			{
				displayName:
					"Slack verifies this URL with the credential's Signing Secret: paste it from the app's Basic Information page.",
				name: 'slackNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { source: SLACK_SOURCES } },
			},
			{
				displayName:
					'Teams waits at most 5 seconds for the answer: end the workflow with Perks Chat Reply, whose item is the answer.',
				name: 'teamsNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { source: ['teamsOutgoingWebhook'] } },
			},
			{
				displayName:
					"Publishing subscribes to the service account's chats through Microsoft Graph (renewed while published, deleted on unpublish). Graph must reach this URL over HTTPS.",
				name: 'teamsChatNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { source: [TEAMS_CHAT_SOURCE] } },
			},
		],
	};

	// Slack and Teams outgoing webhooks have no API to register URLs (the admin pastes it); Teams Chat has Graph's.
	webhookMethods = { default: teamsChatWebhookMethods };

	// No Teams API knows the token: the credential's test checks its format, offline.
	methods = { credentialTest: { teamsSecurityToken } };

	/** Keeps the Teams Chat subscription renewed while published (see teamsChat.ts). */
	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await chatTrigger.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const result = await receive.call(this);
		handOverTestItems(this, result);
		return result;
	}
}

/** The request as each source defines it: verified, then answered or turned into a question. */
async function receive(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const rawBody = await rawBodyOf(this);
	const source = this.getNodeParameter('source', 'slackCommand') as ChatSource;
	if (source === TEAMS_CHAT_SOURCE) return await teamsChatWebhook(this);
	const outcome = await verifiedOutcome(this, source, (secret) =>
		handleChatRequest({
			source,
			rawBody,
			headers: this.getHeaderData() as Record<string, string | string[] | undefined>,
			secret,
			scope: `${this.getMode()}:${this.getWorkflow().id ?? ''}:${this.getNode().id}`,
			seen: seenRequests,
		}),
	);
	const response = this.getResponseObject();
	if (outcome.action === 'respond') {
		if (outcome.status >= 500) logMisconfiguration(this, outcome.body);
		response.status(outcome.status).json(outcome.body);
		return { noWebhookResponse: true };
	}
	const workflowData = [[{ json: outcome.question }]];
	if (outcome.ack === undefined) return { workflowData };
	if (typeof outcome.ack === 'string') response.status(200).send(outcome.ack);
	else response.status(200).json(outcome.ack);
	return { noWebhookResponse: true, workflowData };
}

/**
 * Each credential read makes n8n start an expression isolate, which delays Slack's 3 s
 * acknowledgement under load; so a secret read in the last minute is tried first. Only a
 * request it does not verify pays for a fresh read, so a changed secret counts at once; a
 * replaced one is still accepted for at most a minute.
 */
const recentSecrets = new Map<string, { secret: string; readAt: number }>();
const SECRET_REUSE_MS = 60_000;

async function verifiedOutcome(
	context: IWebhookFunctions,
	source: ChatSource,
	handle: (secret: string) => ChatOutcome,
): Promise<ChatOutcome> {
	const type = source === 'teamsOutgoingWebhook' ? TEAMS_OUTGOING_CREDENTIAL : SLACK_BOT_TYPE;
	const id = context.getNode().credentials?.[type]?.id;
	const key = id ? `${type}:${id}` : undefined;
	const recent = key ? recentSecrets.get(key) : undefined;
	if (recent && Date.now() - recent.readAt < SECRET_REUSE_MS) {
		// A signature failure has no side effect (nothing is claimed), so trying again is safe.
		const outcome = handle(recent.secret);
		if (!(outcome.action === 'respond' && outcome.secretRefused)) return outcome;
	}
	const secret = await readSecret(context, source);
	if (key) recentSecrets.set(key, { secret, readAt: Date.now() });
	return handle(secret);
}

/** When each trigger last logged that its credential cannot verify anything: once a minute is enough. */
const misconfigurationLogged = new Map<string, number>();

/** The code and fix only: never the secret. */
function logMisconfiguration(context: IWebhookFunctions, body: IDataObject | string): void {
	if (typeof body !== 'object') return;
	const key = `${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
	const last = misconfigurationLogged.get(key) ?? 0;
	if (Date.now() - last < SECRET_REUSE_MS) return;
	misconfigurationLogged.set(key, Date.now());
	context.logger.error(`Perks Chat Trigger: ${String(body.message)}`, {
		code: body.error,
		fix: body.fix,
	});
}

async function readSecret(context: IWebhookFunctions, source: ChatSource): Promise<string> {
	if (source === 'teamsOutgoingWebhook') {
		const credential = await context.getCredentials<{ securityToken?: string }>(
			TEAMS_OUTGOING_CREDENTIAL,
		);
		return credential.securityToken?.trim() ?? '';
	}
	const credential = await context.getCredentials<{ signingSecret?: string }>(SLACK_BOT_TYPE);
	return credential.signingSecret?.trim() ?? '';
}
