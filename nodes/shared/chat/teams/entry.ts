/** Microsoft Teams as the nodes offer it: one OAuth2 credential, Adaptive Cards, the Graph adapter. */
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
import { parseCardsParameter, teamsRenderer } from './message';
import { TeamsPlatform } from './TeamsPlatform';

export const TEAMS_CREDENTIAL_TYPE = 'perksMicrosoftTeamsOAuth2Api';

/** A Graph call that hangs is given up after this long (and counted as possibly delivered). */
const GRAPH_TIMEOUT_MS = 30_000;

export const teamsEntry: PlatformEntry = {
	name: 'teams',
	displayName: 'Microsoft Teams',
	credentials: [
		{
			name: TEAMS_CREDENTIAL_TYPE,
			required: true,
			displayOptions: { show: { platform: ['teams'] } },
		},
	],
	credentialType: () => TEAMS_CREDENTIAL_TYPE,
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
	renderer: teamsRenderer,
	channelsInTeams: true,
	async create(context, type) {
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
