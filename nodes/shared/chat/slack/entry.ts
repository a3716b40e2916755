/** Slack as the nodes offer it: two credential types (bot token, OAuth2), Block Kit, the adapter. */
import type { FetchFunction } from '@slack/web-api';
import type { IHttpRequestMethods, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { parseBlocksParameter } from './limits';
import { slackRenderer } from './render';
import { bodyText, httpAnswerOf, networkCodeOf, type HttpAnswer } from '../n8nHttp';
import { credentialThrottleKey, type ChatContext, type PlatformEntry } from '../PlatformEntry';
import { SLACK_BOT_TYPE, SLACK_CONNECTED_APP_TYPE, slackCredentialType } from './credentials';
import { slackMentions } from './mentions';
import { SLACK_QUESTION_SOURCES } from './questions';
import { normalizeApiUrl, SlackPlatform } from './SlackPlatform';

export { SLACK_BOT_TYPE, SLACK_CONNECTED_APP_TYPE };

/** A Web API call that hangs is given up after this long (and counted as possibly delivered). */
const SLACK_TIMEOUT_MS = 30_000;

export const slackEntry = {
	name: 'slack' as const,
	displayName: 'Slack',
	credentials: [
		{
			name: SLACK_BOT_TYPE,
			required: true,
			displayOptions: { show: { platform: ['slack'], authentication: ['accessToken'] } },
		},
		{
			name: SLACK_CONNECTED_APP_TYPE,
			required: true,
			displayOptions: { show: { platform: ['slack'], authentication: ['oAuth2'] } },
		},
	],
	credentialType: slackCredentialType,
	nativeProperty: {
		displayName: 'Blocks (Slack)',
		name: 'blocks',
		type: 'json',
		default: '',
		description:
			'Optional Block Kit JSON: an array of blocks, or {"blocks": [...]} as Block Kit Builder exports it',
		displayOptions: { show: { messageSource: ['custom'], platform: ['slack'] } },
	},
	parseNative: parseBlocksParameter,
	renderer: slackRenderer,
	async create(context: ChatContext, type: string) {
		// Only the API URL: the token stays with n8n, which signs each request (n8nSlackFetch).
		const { apiUrl, signingSecret } = await context.getCredentials<{
			apiUrl?: string;
			signingSecret?: string;
		}>(type);
		return new SlackPlatform({
			fetch: n8nSlackFetch(context, type),
			apiUrl,
			signingSecret,
			throttleKey: credentialThrottleKey(context, type) ?? `${type}:${normalizeApiUrl(apiUrl)}`,
		});
	},
	questionSources: SLACK_QUESTION_SOURCES,
	mentions: slackMentions,
} satisfies PlatformEntry;

/**
 * The Slack client's fetch, through n8n's `httpRequestWithAuthentication`: the bot credential's
 * `authenticate` or n8n's OAuth2 code adds the token (and refreshes an OAuth2 token on a 401).
 * Every HTTP status but 401 comes back as an answer, so the SDK maps 429s and 5xx itself.
 */
function n8nSlackFetch(context: ChatContext, type: string): FetchFunction {
	return async (url, init = {}) => {
		const request: IHttpRequestOptions = {
			method: (init.method ?? 'POST') as IHttpRequestMethods,
			url: String(url),
			headers: { ...init.headers },
			body: init.body as IHttpRequestOptions['body'],
			returnFullResponse: true,
			json: false,
			encoding: 'text',
			// n8n refreshes an OAuth2 token only when the 401 is thrown.
			ignoreHttpStatusErrors: { ignore: true, except: [401] },
			disableFollowRedirect: true,
			timeout: SLACK_TIMEOUT_MS,
		};
		let answer: HttpAnswer;
		try {
			const response = (await context.helpers.httpRequestWithAuthentication.call(
				context,
				type,
				request,
				{
					// Slack's OAuth answer says token_type "bot": still sent as a Bearer header.
					oauth2: { tokenType: 'Bearer' },
				},
			)) as IN8nHttpFullResponse;
			answer = {
				status: response.statusCode,
				headers: response.headers as HttpAnswer['headers'],
				body: response.body,
			};
		} catch (error) {
			const inside = httpAnswerOf(error);
			if (inside) answer = inside;
			else if (networkCodeOf(error)) throw noAnswer(error);
			// No network failure: n8n could not sign the request (OAuth2 not connected, refresh refused).
			else
				answer = { status: 200, headers: { 'content-type': 'application/json' }, body: NOT_AUTHED };
		}
		return toResponse(answer);
	};
}

function toResponse({ status, headers, body }: HttpAnswer): Response {
	const text = bodyText(body);
	const fetchHeaders = new Headers();
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined)
			fetchHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
	}
	const raw = typeof text === 'string' ? text : text === undefined ? '' : JSON.stringify(text);
	return new Response(status === 204 || status === 304 ? null : raw, {
		status,
		headers: fetchHeaders,
	});
}

/** Slack's own answer to a request without a usable token: the reauthorize code and fix. */
const NOT_AUTHED = JSON.stringify({ ok: false, error: 'not_authed' });

/** Only the network code travels on (the SDK tells refused connections apart by it): never request details. */
function noAnswer(error: unknown): Error {
	const code = networkCodeOf(error);
	return Object.assign(new Error(`Slack request got no answer (${code})`), { code });
}
