/**
 * What every real-n8n run of the shipped templates sets up the same way: the templates read from
 * workflows/ (every file, classified by its trigger, so a new template needs no list edited here),
 * the credentials they reference (by the ids in the template files) pointing at the loopback
 * emulators, and an owner account for the editor. Used by the e2e tests and by the sandbox.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import type { BotConnectorEmulator } from '../../emulators/botConnector';
import { teamsSecurityToken } from '../../emulators/chatRequests';
import type { GraphEmulator } from '../../emulators/graphApi';
import type { OpenAiEmulator } from '../../emulators/openAi';
import type { PerksEmulator } from '../../emulators/perksApi';
import type { SlackEmulator } from '../../emulators/slackApi';
import { PACKAGE_ROOT } from '../packageRoot';
import { waitFor, type CredentialJson, type N8nInstance, type WorkflowJson } from '.';

/** The Slack credential's signing secret, and the Teams outgoing webhook's security token (base64). */
export const SLACK_SIGNING_SECRET = 'e2e-signing-secret';
export const TEAMS_OUTGOING_TOKEN = teamsSecurityToken('e2e-teams-outgoing-webhook-token');

/** The chat sources a signed request fires (the Teams 1:1 chat, `teamsChat`, is fired by a Graph change notification). */
export type ChatSource = 'slackCommand' | 'slackEvents' | 'teamsOutgoingWebhook';

/** How a template starts, which decides how a test or the sandbox fires it. */
export type TemplateTrigger =
	| { kind: 'perksEvent'; events: string[] }
	/** `ai`: the OpenAI model node answering through an AI Agent (the OpenAI emulator stands in for it). */
	| { kind: 'chat'; source: ChatSource | 'teamsChat' | 'teamsBot'; ai?: string }
	/**
	 * Not fired from outside (Error Trigger, Schedule Trigger, an AI model no emulator speaks…): `why` says what it
	 * needs; `runNow` names a trigger the editor's "Execute workflow" can start at once.
	 */
	| { kind: 'manual'; why: string; runNow?: string };

export interface Template {
	file: string;
	workflow: WorkflowJson;
	trigger: TemplateTrigger;
}

const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'workflows');
const PERKS = 'n8n-nodes-perks.';

export function loadTemplate(file: string, id: string): WorkflowJson {
	return { ...JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')), id };
}

/** Every template in workflows/ (optionally only files matching), ids `<idPrefix>01`, `<idPrefix>02`, … */
export function loadTemplates(idPrefix: string, only: RegExp = /\.json$/): Template[] {
	return readdirSync(TEMPLATES_DIR)
		.filter((file) => file.endsWith('.json') && only.test(file))
		.sort()
		.map((file, index) => {
			const workflow = loadTemplate(file, `${idPrefix}${String(index + 1).padStart(2, '0')}`);
			return { file, workflow, trigger: triggerOf(workflow) };
		});
}

function triggerOf(workflow: WorkflowJson): TemplateTrigger {
	const ai = workflow.nodes.filter((n) => n.type.includes('langchain'));
	// Only an OpenAI credential can point at an emulator (its Base URL); any other AI credential needs a real key.
	const unemulated = ai.find((n) =>
		Object.keys(n.credentials ?? {}).some((type) => type !== 'openAiApi'),
	);
	if (unemulated)
		return {
			kind: 'manual',
			why: `an AI model (${unemulated.name}): set its credential in the editor`,
		};
	const model = ai.find((n) => n.credentials?.openAiApi)?.name;
	const trigger = workflow.nodes.find(
		(n) => n.type === `${PERKS}perksTrigger` || n.type === `${PERKS}perksChatTrigger`,
	);
	if (trigger?.type === `${PERKS}perksTrigger`)
		return { kind: 'perksEvent', events: trigger.parameters.events as string[] };
	if (trigger) {
		const source = (trigger.parameters.source ?? 'slackCommand') as
			| ChatSource
			| 'teamsChat'
			| 'teamsBot';
		return { kind: 'chat', source, ...(model && { ai: model }) };
	}
	const other = workflow.nodes.find((n) => /trigger/i.test(n.type));
	if (other?.type === 'n8n-nodes-base.errorTrigger') {
		return {
			kind: 'manual',
			why: "an Error Trigger (it must be published): pick it as another workflow's Error Workflow (Settings), then make that one fail",
		};
	}
	if (other?.type === 'n8n-nodes-base.scheduleTrigger') {
		return {
			kind: 'manual',
			why: 'a Schedule Trigger: "Execute workflow" in the editor runs it now',
			runNow: other.name,
		};
	}
	return {
		kind: 'manual',
		why: `its trigger (${other?.type ?? 'none'}): open it in the editor and run it there`,
	};
}

/** Publication is asynchronous: waits until n8n serves each workflow's webhook (no more 404). */
export async function waitUntilServed(n8n: N8nInstance, workflows: WorkflowJson[]): Promise<void> {
	for (const workflow of workflows) {
		const url = n8n.webhookUrl(webhookIdOf(workflow));
		await waitFor(async () => (await fetch(url, { method: 'POST' })).status !== 404, {
			what: `${workflow.name} to be published`,
			timeoutMs: 60_000,
			instance: n8n,
		});
	}
}

/** The trigger's webhook id: the last part of the URL n8n serves it at. */
export function webhookIdOf(workflow: WorkflowJson): string {
	const id = workflow.nodes.find((node) => node.webhookId)?.webhookId;
	if (!id) throw new Error(`${workflow.name} has no webhook node`);
	return id;
}

/**
 * A chat template as workflow `workflowId`, at its own URL, with its own Teams outgoing webhook
 * credential `credentialId` (e.g. one holding a malformed security token).
 */
export function withOwnTeamsCredential(
	workflow: WorkflowJson,
	ids: { workflowId: string; credentialId: string },
	securityToken: string,
): { workflow: WorkflowJson; credential: CredentialJson } {
	const credential = {
		id: ids.credentialId,
		name: `Teams outgoing webhook (${ids.credentialId})`,
		type: 'perksTeamsOutgoingWebhookApi',
		data: { securityToken },
	};
	const nodes = workflow.nodes.map((node): INode => {
		if (!node.credentials?.perksTeamsOutgoingWebhookApi) return node;
		return {
			...node,
			webhookId: `${node.webhookId ?? 'chat'}-${ids.credentialId}`,
			credentials: {
				...node.credentials,
				perksTeamsOutgoingWebhookApi: { id: credential.id, name: credential.name },
			},
		};
	});
	return { workflow: { ...workflow, id: ids.workflowId, nodes }, credential };
}

/** A template's empty "Team" picker (the admin picks one) set to this team, as an admin would. */
export function pickTeam(
	workflow: WorkflowJson,
	team: { id: string; displayName: string },
): WorkflowJson {
	const nodes = workflow.nodes.map((node): INode => {
		const picker = node.parameters.team as { __rl?: boolean; value?: unknown } | undefined;
		if (!picker?.__rl || picker.value) return node;
		const picked = { __rl: true, mode: 'list', value: team.id, cachedResultName: team.displayName };
		return { ...node, parameters: { ...node.parameters, team: picked } };
	});
	return { ...workflow, nodes };
}

/** A second copy of a template as workflow `id`, its webhooks at their own URLs. */
export function copyOf(workflow: WorkflowJson, id: string): WorkflowJson {
	const nodes = workflow.nodes.map((node) =>
		node.webhookId ? { ...node, webhookId: `${node.webhookId}-${id}` } : node,
	);
	return { ...workflow, id, nodes };
}

/** The bot credential the e2e tests and the sandbox give n8n (Perks Teams Bot API). */
export const TEAMS_BOT_CREDENTIAL = { id: 'perksTeamsBotCredential', name: 'Perks Teams Bot API' };

/**
 * A Teams template switched to the Perks app as its sticky note tells an admin: every node sending
 * with the service account gets Authentication "Teams Bot (Teams App)" and the bot credential.
 */
export function switchToTeamsBot(
	workflow: WorkflowJson,
	credential: { id: string; name: string } = TEAMS_BOT_CREDENTIAL,
): WorkflowJson {
	const nodes = workflow.nodes.map((node): INode => {
		const { perksMicrosoftTeamsOAuth2Api: serviceAccount, ...others } = node.credentials ?? {};
		if (!serviceAccount) return node;
		return {
			...node,
			parameters: { ...node.parameters, authentication: 'teamsBot' },
			credentials: { ...others, perksTeamsBotApi: credential },
		};
	});
	return { ...workflow, nodes };
}

export interface Services {
	perks: PerksEmulator;
	slack?: SlackEmulator;
	graph?: GraphEmulator;
	openAi?: OpenAiEmulator;
	bot?: BotConnectorEmulator;
}

/**
 * One credential per (type, id) the workflows reference, with the emulators' URLs and secrets.
 * A type whose service is not given, or that we cannot fill (a non-OpenAI model's key), is left out:
 * the admin picks it in the editor.
 */
export function catalogCredentials(
	services: Services,
	workflows: WorkflowJson[],
): CredentialJson[] {
	const seen = new Map<string, CredentialJson>();
	for (const node of workflows.flatMap((w) => w.nodes)) {
		for (const [type, ref] of Object.entries(node.credentials ?? {})) {
			const data = ref.id && !seen.has(ref.id) ? credentialData(type, services) : undefined;
			if (data) seen.set(ref.id!, { id: ref.id!, name: ref.name, type, data });
		}
	}
	return [...seen.values()];
}

/** The two credentials the Slack templates reference (the ids in their files); other tiers use them as they are. */
export function templateCredentials(perks: PerksEmulator, slack: SlackEmulator): CredentialJson[] {
	return [
		{
			id: 'perksApiCredential',
			name: 'Perks API',
			type: 'perksApi',
			data: credentialData('perksApi', { perks })!,
		},
		{
			id: 'perksSlackBotCredential',
			name: 'Perks Slack Bot API',
			type: 'perksSlackApi',
			data: credentialData('perksSlackApi', { perks, slack })!,
		},
	];
}

/** The Teams credential's token pair, as n8n holds it after "Connect" (the emulator accepts and refreshes it). */
const teamsTokens = new WeakMap<GraphEmulator, { accessToken: string; refreshToken: string }>();

function credentialData(
	type: string,
	{ perks, slack, graph, openAi, bot }: Services,
): Record<string, unknown> | undefined {
	switch (type) {
		case 'perksApi':
			return { baseUrl: perks.baseUrl, apiKey: perks.apiKey };
		case 'perksSlackApi':
			return (
				slack && {
					accessToken: slack.token,
					apiUrl: slack.apiUrl,
					signingSecret: SLACK_SIGNING_SECRET,
				}
			);
		case 'openAiApi':
			// The Base URL an admin sets for an OpenAI-compatible server.
			return openAi && { apiKey: openAi.apiKey, url: openAi.baseUrl };
		case 'perksTeamsBotApi':
			return bot && { ...bot.credential(), openIdMetadataUrl: bot.openIdMetadataUrl };
		case 'perksTeamsOutgoingWebhookApi':
			return { securityToken: TEAMS_OUTGOING_TOKEN };
		case 'perksMicrosoftTeamsOAuth2Api': {
			if (!graph) return undefined;
			let tokens = teamsTokens.get(graph);
			if (!tokens) teamsTokens.set(graph, (tokens = graph.issueTokens()));
			return {
				clientId: graph.clientId,
				clientSecret: graph.clientSecret,
				authUrl: `${graph.loginBaseUrl}/contoso.test/oauth2/v2.0/authorize`,
				accessTokenUrl: `${graph.loginBaseUrl}/contoso.test/oauth2/v2.0/token`,
				graphApiBaseUrl: graph.graphBaseUrl,
				oauthTokenData: {
					token_type: 'Bearer',
					access_token: tokens.accessToken,
					refresh_token: tokens.refreshToken,
				},
			};
		}
		default:
			return undefined;
	}
}

export interface Owner {
	email: string;
	firstName: string;
	lastName: string;
	password: string;
}

/** The instance owner the e2e tests sign up. */
export const E2E_OWNER: Owner = {
	email: 'owner@perks.local',
	firstName: 'E2e',
	lastName: 'Owner',
	password: 'E2e-Owner-Pass-1',
};

/** The workflow as n8n's REST API returns it to a signed-in user (static data included). */
export async function workflowFromApi(
	n8n: N8nInstance,
	session: { cookie: string; browserId: string },
	workflowId: string,
): Promise<{ data: { staticData?: unknown } }> {
	const response = await fetch(`${n8n.baseUrl}/rest/workflows/${workflowId}`, {
		headers: { cookie: session.cookie, 'browser-id': session.browserId },
	});
	if (response.status !== 200)
		throw new Error(`GET /rest/workflows/${workflowId} answered ${response.status}`);
	return (await response.json()) as { data: { staticData?: unknown } };
}

/** `POST /rest/owner/setup`; returns the session cookie (`n8n-auth=…`) n8n sets. */
export async function setUpOwner(
	n8n: N8nInstance,
	owner: Owner,
	browserId: string,
): Promise<string> {
	const response = await fetch(`${n8n.baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify(owner),
	});
	if (response.status !== 200)
		throw new Error(`n8n owner set-up answered ${response.status}: ${await response.text()}`);
	return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

/** The owner signed in to the editor's REST API, doing what the editor's buttons do. */
export class EditorSession {
	private constructor(
		private readonly n8n: N8nInstance,
		private readonly cookie: string,
		private readonly browserId: string,
	) {}

	static async ofNewOwner(
		n8n: N8nInstance,
		owner: Owner,
		browserId: string,
	): Promise<EditorSession> {
		return new EditorSession(n8n, await setUpOwner(n8n, owner, browserId), browserId);
	}

	/** "Publish": the stored version; n8n answers an activation error (a trigger that fails to start) with 4xx. */
	async publish(workflowId: string): Promise<void> {
		const { data } = (await this.call('GET', `/rest/workflows/${workflowId}`)) as {
			data: { versionId: string };
		};
		await this.call('POST', `/rest/workflows/${workflowId}/activate`, {
			versionId: data.versionId,
		});
	}

	/** "Execute workflow" from this trigger, as the editor runs it (a Schedule Trigger fires at once); the execution id. */
	async run(workflowId: string, trigger: string): Promise<string> {
		const answer = (await this.call('POST', `/rest/workflows/${workflowId}/run`, {
			triggerToStartFrom: { name: trigger },
		})) as {
			data: { executionId: string };
		};
		return answer.data.executionId;
	}

	/** A credential dialog's "Test" button, with the values typed in it. */
	async testCredential(credential: CredentialJson): Promise<{ status: string; message: string }> {
		const answer = (await this.call('POST', '/rest/credentials/test', {
			credentials: credential,
		})) as {
			data: { status: string; message: string };
		};
		return answer.data;
	}

	private async call(method: string, urlPath: string, body?: unknown): Promise<unknown> {
		const response = await fetch(`${this.n8n.baseUrl}${urlPath}`, {
			method,
			headers: {
				cookie: this.cookie,
				'browser-id': this.browserId,
				'content-type': 'application/json',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok)
			throw new Error(`n8n ${method} ${urlPath} answered ${response.status}: ${text}`);
		return JSON.parse(text);
	}
}
