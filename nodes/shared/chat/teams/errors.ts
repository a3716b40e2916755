/**
 * Microsoft Graph failures → ChatPlatformError with a stable code (fixes in ./fixes.ts).
 * Only status codes and Graph's error codes reach a message: never a token or request details.
 */
import { GraphError } from '@microsoft/microsoft-graph-client';

import { type ChatErrorCode, ChatPlatformError, type ErrorContext } from '../errors';
import { TEAMS_SOURCE } from './fixes';
import { GraphTransportError } from './graphClient';

export interface GraphFailure {
	status: number;
	/** Graph's own error code, e.g. `Forbidden`, `Request_ResourceNotFound`. */
	graphCode: string;
	retryAfterSeconds?: number;
	neededScope?: string;
}

/** Graph's Retry-After is in seconds; when it is missing we still wait a little. */
const DEFAULT_RETRY_AFTER = 2;

export function graphFailure(error: unknown): GraphFailure | undefined {
	if (!(error instanceof GraphError)) return undefined;
	const retryAfter = Number(error.headers?.get('retry-after'));
	const scope = /requires one of '([^']+)'/.exec(error.message ?? '')?.[1];
	return {
		status: error.statusCode,
		graphCode: error.code ?? '',
		retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
		neededScope: scope,
	};
}

/**
 * The neutral code for a failure. `idempotent` calls may be retried after a 503/504; a message
 * post may not: a 5xx, a timeout or a reset there is `ambiguous` (it may have gone through), so
 * the next attempt looks for the message before posting again.
 */
export function toTeamsError(
	what: string,
	error: unknown,
	context: ErrorContext,
	idempotent: boolean,
): ChatPlatformError {
	if (error instanceof ChatPlatformError) return error;
	if (error instanceof GraphTransportError) {
		const code = error.refreshFailed ? 'reauthorize' : 'unreachable';
		const ambiguous = !idempotent && !error.refreshFailed && !error.neverSent;
		return new ChatPlatformError(TEAMS_SOURCE, {
			code,
			message: `Microsoft Graph ${what} failed: ${error.message}`,
			context,
			ambiguous,
		});
	}
	const failure = graphFailure(error);
	if (!failure || failure.status <= 0) {
		return new ChatPlatformError(TEAMS_SOURCE, {
			code: 'unreachable',
			message: `Could not reach Microsoft Graph for ${what}`,
			context,
			ambiguous: !idempotent,
		});
	}
	const { status, graphCode } = failure;
	const message = `Microsoft Graph ${what} failed: HTTP ${status}${graphCode ? ` ${graphCode}` : ''}`;
	const fail = (code: ChatErrorCode, retryAfter?: number, ambiguous = false) =>
		new ChatPlatformError(TEAMS_SOURCE, {
			code,
			message,
			context: { ...context, neededScope: failure.neededScope },
			retryAfterSeconds: retryAfter,
			httpStatus: status,
			ambiguous,
		});
	if (status >= 500 && !idempotent) return fail('delivery_unknown', undefined, true);
	switch (true) {
		case status === 401:
			return fail('reauthorize');
		case status === 403:
			return fail(
				failure.neededScope || graphCode === 'Authorization_RequestDenied'
					? 'missing_permission'
					: 'forbidden',
			);
		case status === 404:
			return fail(
				context.channel ? 'channel_not_found' : context.user ? 'recipient_not_found' : 'unknown',
			);
		case status === 413:
			return fail('message_too_long');
		case status === 429:
			return fail('rate_limited', failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER);
		case status === 503 || status === 504:
			return fail('service_unavailable', failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER);
		case status >= 500:
			return fail('service_unavailable');
		case status === 400:
			return fail('bad_request');
		default:
			return fail('unknown');
	}
}
