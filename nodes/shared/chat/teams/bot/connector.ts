/**
 * The Bot Connector REST API (v3) at a `serviceUrl`, with the bot's token. A 401 fetches a new
 * token and tries once more (a token revoked or expired early); every other failure becomes a
 * ChatPlatformError with a neutral code. Only statuses and the Connector's error codes reach a
 * message, never a token.
 */
import {
	type ChatErrorCode,
	ChatPlatformError,
	type ErrorContext,
	type ErrorSource,
} from '../../errors';
import { BotNoAnswerError, jsonBody, retryAfterOf, type BotHttp } from './http';
import { BOT_CONNECTOR_SCOPE, type BotTokens } from './tokens';

/** Without a Retry-After, a 429 or 503 still waits this long. */
const DEFAULT_RETRY_AFTER = 2;

export type Json = Record<string, unknown>;

export class BotConnector {
	constructor(
		private readonly source: ErrorSource,
		private readonly http: BotHttp,
		private readonly tokens: BotTokens,
		/** With a trailing slash. */
		readonly serviceUrl: string,
	) {}

	/** POST `path` (under `v3/`) with `body`; `idempotent` says whether a lost answer is harmless. */
	async post(
		what: string,
		path: string,
		body: Json,
		context: ErrorContext,
		idempotent: boolean,
	): Promise<Json> {
		return await this.call('POST', what, path, body, context, idempotent);
	}

	/** PUT `path` (under `v3/`): an update, harmless to repeat. */
	async put(what: string, path: string, body: Json, context: ErrorContext): Promise<Json> {
		return await this.call('PUT', what, path, body, context, true);
	}

	private async call(
		method: 'POST' | 'PUT',
		what: string,
		path: string,
		body: Json,
		context: ErrorContext,
		idempotent: boolean,
	): Promise<Json> {
		for (let attempt = 0; ; attempt++) {
			const token = await this.tokens.get(BOT_CONNECTOR_SCOPE);
			let answer;
			try {
				answer = await this.http({
					method,
					url: `${this.serviceUrl}v3/${path}`,
					headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
					body: JSON.stringify(body),
				});
			} catch (error) {
				const neverSent = error instanceof BotNoAnswerError && error.neverSent;
				throw new ChatPlatformError(this.source, {
					code: idempotent || neverSent ? 'unreachable' : 'delivery_unknown',
					message: `Bot Connector ${what} got no answer${error instanceof BotNoAnswerError && error.networkCode ? ` (${error.networkCode})` : ''}`,
					context,
					ambiguous: !idempotent && !neverSent,
				});
			}
			if (answer.status === 401 && attempt === 0) {
				this.tokens.invalidate(BOT_CONNECTOR_SCOPE, token);
				continue;
			}
			if (answer.status >= 200 && answer.status < 300) return jsonBody(answer) ?? {};
			throw this.failure(
				what,
				answer.status,
				jsonBody(answer),
				retryAfterOf(answer),
				context,
				idempotent,
			);
		}
	}

	private failure(
		what: string,
		status: number,
		body: Json | undefined,
		retryAfter: number | undefined,
		context: ErrorContext,
		idempotent: boolean,
	): ChatPlatformError {
		const error = (body?.error ?? {}) as { code?: unknown; message?: unknown };
		const connectorCode = typeof error.code === 'string' ? error.code.replace(/[^\w.-]/g, '') : '';
		const roster = /BotNotInConversationRoster|not installed|roster/i.test(
			`${connectorCode} ${typeof error.message === 'string' ? error.message : ''}`,
		);
		const message = `Bot Connector ${what} failed: HTTP ${status}${connectorCode ? ` ${connectorCode}` : ''}${roster && connectorCode !== 'BotNotInConversationRoster' ? ' (the bot is not in the conversation)' : ''}`;
		const fail = (code: ChatErrorCode, wait?: number, ambiguous = false) =>
			new ChatPlatformError(this.source, {
				code,
				message,
				context,
				httpStatus: status,
				retryAfterSeconds: wait,
				ambiguous,
			});
		if (status === 429) return fail('rate_limited', retryAfter ?? DEFAULT_RETRY_AFTER);
		if (status >= 500 && !idempotent) return fail('delivery_unknown', undefined, true);
		if (status === 503 || status === 504)
			return fail('service_unavailable', retryAfter ?? DEFAULT_RETRY_AFTER);
		if (status >= 500) return fail('service_unavailable');
		if (status === 401) return fail('reauthorize');
		if (status === 403)
			return fail(
				roster ? (context.channel ? 'app_not_in_team' : 'app_not_installed') : 'forbidden',
			);
		if (status === 404)
			return fail(
				context.channel ? 'channel_not_found' : context.user ? 'recipient_not_found' : 'unknown',
			);
		if (status === 413) return fail('message_too_long');
		if (status === 400) return fail('bad_request');
		return fail('unknown');
	}
}
