/** Graph calls through n8n, signed with the Teams OAuth2 credential. */
import type {
	IHookFunctions,
	IHttpRequestMethods,
	IN8nHttpFullResponse,
	ITriggerFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { bodyText, httpAnswerOf } from '../n8nHttp';
import type { ChatContext } from '../PlatformEntry';
import type { GraphHttpResponse, GraphTransport } from './graphClient';

export const TEAMS_CREDENTIAL_TYPE = 'perksMicrosoftTeamsOAuth2Api';

/** A Graph call that hangs is given up after this long (and counted as possibly delivered). */
const GRAPH_TIMEOUT_MS = 30_000;

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
