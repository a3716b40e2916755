/**
 * HTTP for the bot: tokens are added here (never by n8n's credential machinery, which knows one
 * token per credential while the bot needs two: Bot Connector and Graph). Every HTTP status comes
 * back as an answer; only a call with no answer throws, and then only its network code travels.
 */
import type { IHttpRequestMethods, IN8nHttpFullResponse } from 'n8n-workflow';

import { bodyText, httpAnswerOf, networkCodeOf, type HttpAnswer } from '../../n8nHttp';
import type { ChatContext } from '../../PlatformEntry';

export interface BotHttpRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: string;
}

export type BotHttp = (request: BotHttpRequest) => Promise<HttpAnswer>;

/** A bot call that hangs is given up after this long (and counted as possibly delivered). */
const BOT_TIMEOUT_MS = 30_000;

/** The request never left (no connection), so it cannot have taken effect. */
const NEVER_SENT = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

export class BotNoAnswerError extends Error {
	readonly neverSent: boolean;

	constructor(readonly networkCode: string | undefined) {
		super(`no answer${networkCode ? ` (${networkCode})` : ''}`);
		this.name = 'BotNoAnswerError';
		this.neverSent = NEVER_SENT.includes(networkCode ?? '');
	}
}

type HttpHelpers = Pick<ChatContext['helpers'], 'httpRequest'>;

/** BotHttp through n8n's plain `httpRequest` (proxy settings apply; no credential is attached). */
export function n8nBotHttp(context: { helpers: HttpHelpers }): BotHttp {
	return async ({ method, url, headers, body }) => {
		try {
			const response = (await context.helpers.httpRequest({
				method: method as IHttpRequestMethods,
				url,
				headers,
				body,
				json: false,
				encoding: 'text',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// A token goes to the URL named, never to where a redirect points.
				disableFollowRedirect: true,
				timeout: BOT_TIMEOUT_MS,
			})) as IN8nHttpFullResponse;
			return {
				status: response.statusCode,
				headers: response.headers as HttpAnswer['headers'],
				body: bodyText(response.body),
			};
		} catch (error) {
			const answer = httpAnswerOf(error);
			if (answer) return answer;
			throw new BotNoAnswerError(networkCodeOf(error));
		}
	};
}

/** The answer's JSON body, whether the helper parsed it or not; undefined when it is not JSON. */
export function jsonBody(answer: HttpAnswer): Record<string, unknown> | undefined {
	let value = answer.body;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value) as unknown;
		} catch {
			return undefined;
		}
	}
	return typeof value === 'object' && value !== null && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
}

/** Retry-After in seconds, when the answer carries a usable one. */
export function retryAfterOf(answer: HttpAnswer): number | undefined {
	const raw = Object.entries(answer.headers ?? {}).find(
		([name]) => name.toLowerCase() === 'retry-after',
	)?.[1];
	const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
	return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
