/**
 * The bot credential's fields and where they send tokens. A base URL may be changed for a
 * national cloud or a test server, but a token or the secret only ever travels over https, or
 * over plain http to this machine (loopback), never to a look-alike.
 */
import { ChatPlatformError } from '../../errors';
import { TEAMS_BOT_SOURCE } from './fixes';

export const BOT_LOGIN_DEFAULT = 'https://login.microsoftonline.com';
export const BOT_GRAPH_DEFAULT = 'https://graph.microsoft.com';
/** Teams' global Bot Connector, where proactive messages start (Microsoft's proactive-messaging docs). */
export const BOT_SERVICE_URL_DEFAULT = 'https://smba.trafficmanager.net/teams/';

export interface TeamsBotCredential {
	appId: string;
	clientSecret: string;
	tenantId: string;
	loginBaseUrl?: string;
	graphApiBaseUrl?: string;
	serviceUrl?: string;
}

export interface BotEndpoints {
	tokenUrl: string;
	/** Without a trailing slash. */
	graphBaseUrl: string;
	/** With a trailing slash, as activities carry it. */
	serviceUrl: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The URL trimmed of spaces and trailing slashes, when it is https or loopback http; else an error naming the field. */
export function safeBaseUrl(value: string | undefined, fallback: string, field: string): string {
	const text = ((value ?? '').trim() || fallback).replace(/\/+$/, '');
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	const safe =
		url &&
		!url.username &&
		!url.password &&
		(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)));
	if (!safe)
		throw new ChatPlatformError(TEAMS_BOT_SOURCE, {
			code: 'insecure_url',
			message: `The credential's "${field}" is not an https address, so no token is sent there`,
			context: { channel: field },
		});
	return text;
}

export function botEndpoints(credential: TeamsBotCredential): BotEndpoints {
	const login = safeBaseUrl(credential.loginBaseUrl, BOT_LOGIN_DEFAULT, 'Login Base URL');
	const tenant = credential.tenantId.trim();
	return {
		tokenUrl: `${login}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`,
		graphBaseUrl: safeBaseUrl(credential.graphApiBaseUrl, BOT_GRAPH_DEFAULT, 'Graph API Base URL'),
		serviceUrl: `${safeBaseUrl(credential.serviceUrl, BOT_SERVICE_URL_DEFAULT, 'Bot Connector Service URL')}/`,
	};
}
