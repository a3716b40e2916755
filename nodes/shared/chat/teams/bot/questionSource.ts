/**
 * The "Teams Bot" question source: the bot's messaging endpoint. Each request's JWT is verified
 * (inbound.ts) before anything else; a question is acknowledged at once and the workflow's Perks
 * Chat Reply answers through the Bot Connector, privately in a 1:1 chat and in the thread for an
 * @mention, at the serviceUrl the verified token named.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { RecentKeys } from '../../../idempotency/recentKeys';
import { rawBodyOf } from '../../../node/rawBody';
import { ChatPlatformError } from '../../errors';
import type { AnswerRoute, AnswerSender, QuestionSource } from '../../QuestionSource';
import { botEndpoints, safeBaseUrl, type TeamsBotCredential } from './endpoints';
import { TEAMS_BOT_SOURCE } from './fixes';
import { n8nBotHttp } from './http';
import { handleBotRequest } from './inbound';
import { TEAMS_BOT_SOURCE as SOURCE_VALUE } from './inboundActivity';
import { replyTargetOf, sendBotReply } from './inboundReply';
import { TEAMS_BOT_CREDENTIAL_TYPE } from './n8n';
import { BOT_OPENID_METADATA_URL } from './signingKeys';
import { TeamsBotPlatform } from './TeamsBotPlatform';
import { BotTokens } from './tokens';

/** Activity ids seen lately, across every Teams Bot trigger in this process (replays). */
const seenActivities = new RecentKeys(100_000, 10 * 60 * 1000);
const KEYS_TIMEOUT_MS = 10_000;

type BotCredentialFields = TeamsBotCredential & { openIdMetadataUrl?: string };

async function botWebhook(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const response = context.getResponseObject();
	const credential = await context.getCredentials<BotCredentialFields>(TEAMS_BOT_CREDENTIAL_TYPE);
	let metadataUrl: string;
	try {
		metadataUrl = safeBaseUrl(
			credential.openIdMetadataUrl,
			BOT_OPENID_METADATA_URL,
			'Bot Framework OpenID Metadata URL',
		);
	} catch (error) {
		const fix = error instanceof ChatPlatformError ? error.fix : undefined;
		response.status(500).json({ error: 'insecure_url', fix });
		return { noWebhookResponse: true };
	}
	const authorization = context.getHeaderData().authorization;
	const outcome = await handleBotRequest({
		rawBody: (await rawBodyOf(context)) ?? Buffer.alloc(0),
		authorization: Array.isArray(authorization) ? authorization[0] : authorization,
		credential: {
			appId: credential.appId ?? '',
			clientSecret: credential.clientSecret ?? '',
			tenantId: credential.tenantId ?? '',
			openIdMetadataUrl: metadataUrl,
		},
		fetchJson: async (url) =>
			await context.helpers.httpRequest({
				method: 'GET',
				url,
				json: true,
				timeout: KEYS_TIMEOUT_MS,
			}),
		scope: `${context.getMode()}:${context.getWorkflow().id ?? ''}:${context.getNode().id}`,
		seen: seenActivities,
	});
	if (outcome.action === 'respond') {
		if (outcome.status >= 500)
			context.logger.error('Perks Chat Trigger (Teams Bot) refused a request', {
				code: outcome.body.error,
				fix: outcome.body.fix,
			});
		response.status(outcome.status).json(outcome.body);
		return { noWebhookResponse: true };
	}
	// The Bot Connector wants a quick 2xx; the answer follows through it.
	response.status(202).end();
	return { noWebhookResponse: true, workflowData: [[{ json: outcome.question as IDataObject }]] };
}

const botAnswer: AnswerRoute = {
	check: (item) =>
		typeof item.serviceUrl === 'string' && typeof item.channelId === 'string'
			? undefined
			: 'A Teams bot question item needs "serviceUrl" and "channelId"',
	async prepare(context, platform, _question, item) {
		if (!(platform instanceof TeamsBotPlatform))
			throw new ChatPlatformError(TEAMS_BOT_SOURCE, {
				code: 'bot_credential_required',
				message: 'A question to the Teams bot can only be answered with the Teams bot credential',
			});
		const credential = await context.getCredentials<BotCredentialFields>(TEAMS_BOT_CREDENTIAL_TYPE);
		return await answerSender(context, credential, item);
	},
};

/** Checked before anything is read: an item whose reply address was changed costs no perks call. */
async function answerSender(
	context: Parameters<AnswerRoute['prepare']>[0],
	credential: BotCredentialFields,
	item: IDataObject,
): Promise<AnswerSender> {
	const target = replyTargetOf(item, credential.clientSecret ?? '');
	const http = n8nBotHttp(context);
	const tokens = new BotTokens(
		{
			appId: credential.appId ?? '',
			clientSecret: credential.clientSecret ?? '',
			tokenUrl: botEndpoints(credential).tokenUrl,
		},
		http,
	);
	const clientSecret = credential.clientSecret ?? '';
	return async (text, inPlace) => {
		await sendBotReply(http, tokens, target, text, inPlace && { inPlace, clientSecret });
		return undefined;
	};
}

export const teamsBotQuestions = {
	value: SOURCE_VALUE,
	name: 'Teams Bot (the Perks App)',
	description:
		"A 1:1 message to the Perks app's bot or an @mention of it in a channel or group chat: set the Azure Bot's messaging endpoint to this URL",
	credential: TEAMS_BOT_CREDENTIAL_TYPE,
	notice: {
		name: 'teamsBotNotice',
		text: "Set the Azure Bot's messaging endpoint to this node's production URL (HTTPS). Each request's Bot Framework token is verified; end the workflow with Perks Chat Reply (Authentication: Teams Bot), which answers through the Bot Connector.",
	},
	receive: { kind: 'webhook', webhook: botWebhook },
	answer: botAnswer,
} satisfies QuestionSource;
