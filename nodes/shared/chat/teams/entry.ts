/**
 * Microsoft Teams as the nodes offer it: the Perks app's bot (Authentication "Teams Bot") or a
 * service account's OAuth2 sign-in (any other choice), Adaptive Cards, the two adapters.
 */
import type {
	IHookFunctions,
	IHttpRequestMethods,
	IN8nHttpFullResponse,
	ITriggerFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { bodyText, httpAnswerOf } from '../n8nHttp';
import { credentialThrottleKey, type ChatContext, type PlatformEntry } from '../PlatformEntry';
import type { GraphHttpResponse, GraphTransport } from './graphClient';
import { createTeamsBotPlatform, TEAMS_BOT_CREDENTIAL_TYPE } from './bot/n8n';
import { parseCardsParameter } from './message';
import { TeamsPlatform } from './TeamsPlatform';

export const TEAMS_CREDENTIAL_TYPE = 'perksMicrosoftTeamsOAuth2Api';
export { TEAMS_BOT_CREDENTIAL_TYPE };
/** The "Authentication" choice that sends as the Teams app's bot. */
export const TEAMS_BOT_AUTHENTICATION = 'teamsBot';

/** A Graph call that hangs is given up after this long (and counted as possibly delivered). */
const GRAPH_TIMEOUT_MS = 30_000;

export const teamsEntry: PlatformEntry = {
	name: 'teams',
	displayName: 'Microsoft Teams',
	credentials: [
		{
			name: TEAMS_CREDENTIAL_TYPE,
			required: true,
			// Every choice but the bot's, so workflows saved before the bot existed keep their credential.
			displayOptions: {
				show: { platform: ['teams'] },
				hide: { authentication: [TEAMS_BOT_AUTHENTICATION] },
			},
		},
		{
			name: TEAMS_BOT_CREDENTIAL_TYPE,
			required: true,
			displayOptions: { show: { platform: ['teams'], authentication: [TEAMS_BOT_AUTHENTICATION] } },
		},
	],
	credentialType: (authentication) =>
		authentication === TEAMS_BOT_AUTHENTICATION ? TEAMS_BOT_CREDENTIAL_TYPE : TEAMS_CREDENTIAL_TYPE,
	nativeProperty: {
		displayName: 'Adaptive Card (Teams)',
		name: 'card',
		type: 'json',
		default: '',
		description:
			'Optional Adaptive Card JSON ({"type": "AdaptiveCard", …}, as the Adaptive Cards Designer exports it), or a list of cards',
		displayOptions: { show: { messageSource: ['custom'], platform: ['teams'] } },
	},
	parseNative: parseCardsParameter,
	async create(context, type) {
		if (type === TEAMS_BOT_CREDENTIAL_TYPE) return await createTeamsBotPlatform(context, type);
		const credential = await context.getCredentials<{ graphApiBaseUrl?: string }>(type);
		return new TeamsPlatform({
			transport: n8nGraphTransport(context, type),
			graphApiBaseUrl: credential.graphApiBaseUrl,
			throttleKey: credentialThrottleKey(context, type),
		});
	},
};

/**
 * Graph HTTP through n8n's `httpRequestWithAuthentication`: n8n signs each request, and on a 401
 * refreshes the OAuth2 token, saves it and retries once. HTTP errors come back as answers (the
 * adapter reads Graph's error code and Retry-After); only a call with no answer throws.
 */
export function n8nGraphTransport(
	context: ChatContext | IWebhookFunctions | IHookFunctions | ITriggerFunctions,
	type: string,
): GraphTransport {
	return async ({ method, url, headers, body }) => {
		try {
			const response = (await context.helpers.httpRequestWithAuthentication.call(context, type, {
				method: method as IHttpRequestMethods,
				url,
				headers,
				body,
				returnFullResponse: true,
				timeout: GRAPH_TIMEOUT_MS,
				// The token goes to the Graph base URL only, never to where a redirect points.
				disableFollowRedirect: true,
			})) as IN8nHttpFullResponse;
			return {
				status: response.statusCode,
				headers: response.headers as GraphHttpResponse['headers'],
				body: bodyText(response.body),
			};
		} catch (error) {
			// Not ignoreHttpStatusErrors: n8n refreshes the token only when a 401 is thrown.
			const answer = httpAnswerOf(error);
			if (answer) return answer;
			throw error;
		}
	};
}
