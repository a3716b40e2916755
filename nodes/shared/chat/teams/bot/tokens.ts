/**
 * Client-credentials tokens for the bot from Entra: one for the Bot Connector, one for Microsoft
 * Graph. Shared by every execution in this process that uses the same app registration and
 * secret (the cache key is a hash, never the secret), refreshed a few minutes before they expire,
 * and fetched once at a time: concurrent callers wait for the same fetch.
 */
import { createHash } from 'node:crypto';

import { ChatPlatformError } from '../../errors';
import { TEAMS_BOT_SOURCE } from './fixes';
import { BotNoAnswerError, jsonBody, retryAfterOf, type BotHttp } from './http';

export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';
export const GRAPH_APP_SCOPE = 'https://graph.microsoft.com/.default';

/** A token is replaced this long before it expires (Entra's last an hour or more). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

interface Held {
	token?: string;
	/** When the token is replaced: a few minutes before it expires (half its life if shorter). */
	refreshAt: number;
	fetching?: Promise<string>;
}

export interface BotTokenSource {
	appId: string;
	clientSecret: string;
	tokenUrl: string;
}

const held = new Map<string, Held>();

export class BotTokens {
	private readonly key: string;

	constructor(
		private readonly source: BotTokenSource,
		private readonly http: BotHttp,
		private readonly now: () => number = Date.now,
	) {
		this.key = createHash('sha256')
			.update(`${source.tokenUrl}\n${source.appId.trim()}\n${source.clientSecret}`)
			.digest('hex');
	}

	/** A token for `scope` with at least a few minutes left. */
	async get(scope: string): Promise<string> {
		const entry = this.entry(scope);
		if (entry.token && entry.refreshAt > this.now() && !entry.fetching) return entry.token;
		entry.fetching ??= this.fetch(scope).finally(() => {
			entry.fetching = undefined;
		});
		return await entry.fetching;
	}

	/** A call refused this token (401): the next `get` fetches another, unless someone already did. */
	invalidate(scope: string, token: string): void {
		const entry = this.entry(scope);
		if (entry.token === token) {
			entry.token = undefined;
			entry.refreshAt = 0;
		}
	}

	private entry(scope: string): Held {
		const id = `${this.key}|${scope}`;
		let entry = held.get(id);
		if (!entry) {
			entry = { refreshAt: 0 };
			held.set(id, entry);
		}
		return entry;
	}

	private async fetch(scope: string): Promise<string> {
		const form = new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: this.source.appId.trim(),
			client_secret: this.source.clientSecret,
			scope,
		});
		const asked = this.now();
		let answer;
		try {
			answer = await this.http({
				method: 'POST',
				url: this.source.tokenUrl,
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: form.toString(),
			});
		} catch (error) {
			const code = error instanceof BotNoAnswerError ? error.networkCode : undefined;
			throw new ChatPlatformError(TEAMS_BOT_SOURCE, {
				code: 'unreachable',
				message: `Could not reach Microsoft Entra for the bot's token${code ? ` (${code})` : ''}`,
				context: { channel: 'Login Base URL' },
			});
		}
		const body = jsonBody(answer);
		const token = body?.access_token;
		if (answer.status === 200 && typeof token === 'string' && token) {
			const seconds = Number(body?.expires_in);
			const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
			const entry = this.entry(scope);
			entry.token = token;
			entry.refreshAt = asked + lifetimeMs - Math.min(REFRESH_BEFORE_EXPIRY_MS, lifetimeMs / 2);
			return token;
		}
		throw tokenRefused(answer.status, body, retryAfterOf(answer));
	}
}

/**
 * Only Entra's error name and AADSTS number reach the message: its description can quote the
 * request, and a message must never carry the secret.
 */
function tokenRefused(
	status: number,
	body: Record<string, unknown> | undefined,
	retryAfter: number | undefined,
): ChatPlatformError {
	const error = typeof body?.error === 'string' ? body.error.replace(/[^a-z_]/gi, '') : '';
	const description = typeof body?.error_description === 'string' ? body.error_description : '';
	const aadsts = /AADSTS\d+/.exec(description)?.[0];
	const detail = [error, aadsts].filter(Boolean).join(' ');
	const message = `Microsoft Entra refused the bot's token request: HTTP ${status}${detail ? ` ${detail}` : ''}`;
	const code =
		status === 429
			? 'rate_limited'
			: status >= 500
				? 'service_unavailable'
				: status === 400 || status === 401
					? 'reauthorize'
					: 'unknown';
	return new ChatPlatformError(TEAMS_BOT_SOURCE, {
		code,
		message,
		httpStatus: status,
		retryAfterSeconds:
			code === 'rate_limited' || code === 'service_unavailable' ? (retryAfter ?? 2) : undefined,
	});
}
