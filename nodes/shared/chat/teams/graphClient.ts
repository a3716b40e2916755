/**
 * A Microsoft Graph client whose last middleware hands every request to an injected transport.
 * In the nodes the transport is n8n's `httpRequestWithAuthentication`, so n8n adds the OAuth2
 * token and refreshes it; this file never sees a token. No SDK retry handler: rate limits go
 * through our own bounded policy (see TeamsPlatform).
 */
import {
	Client,
	GraphClientError,
	type Context,
	type Middleware,
} from '@microsoft/microsoft-graph-client';

import { ChatPlatformError } from '../errors';
import { TEAMS_SOURCE } from './fixes';

export const GRAPH_DEFAULT_BASE_URL = 'https://graph.microsoft.com';
export const GRAPH_VERSION = 'v1.0';

export interface GraphHttpRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: string;
}

export interface GraphHttpResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** Raw text, or the JSON already parsed (as n8n's helpers return it). */
	body: unknown;
}

export type GraphTransport = (request: GraphHttpRequest) => Promise<GraphHttpResponse>;

/**
 * Thrown when the transport itself fails (network, or a token refresh n8n could not do). A
 * GraphClientError, because the SDK passes those through instead of wrapping them.
 */
export class GraphTransportError extends GraphClientError {
	constructor(
		readonly refreshFailed: boolean,
		/** The request never left (connection refused, no DNS), so it cannot have taken effect. */
		readonly neverSent = false,
	) {
		super(
			refreshFailed ? 'the OAuth2 token refresh failed' : 'Microsoft Graph could not be reached',
		);
		this.name = 'GraphTransportError';
		// GraphClientError's constructor resets the prototype to its own.
		Object.setPrototypeOf(this, new.target.prototype);
	}
}

class TransportMiddleware implements Middleware {
	constructor(private readonly transport: GraphTransport) {}

	async execute(context: Context): Promise<void> {
		const options = context.options ?? {};
		const request = context.request;
		let answer: GraphHttpResponse;
		try {
			answer = await this.transport({
				method: (options.method ?? 'GET').toUpperCase(),
				url: typeof request === 'string' ? request : request.url,
				headers: { ...(options.headers as Record<string, string> | undefined) },
				...(typeof options.body === 'string' ? { body: options.body } : {}),
			});
		} catch (error) {
			// Only a verdict leaves this catch: the transport's error may carry request details.
			throw new GraphTransportError(
				/invalid_grant|refresh|reconnect/i.test(describe(error)),
				neverSent(error),
			);
		}
		const empty =
			answer.status === 204 ||
			answer.body === undefined ||
			answer.body === null ||
			answer.body === '';
		context.response = new Response(
			empty ? null : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
			{
				status: answer.status,
				headers: flattenHeaders(answer.headers, empty),
			},
		);
	}
}

export function createGraphClient(baseUrl: string | undefined, transport: GraphTransport): Client {
	return Client.initWithMiddleware({
		baseUrl: graphBaseUrl(baseUrl),
		defaultVersion: GRAPH_VERSION,
		middleware: new TransportMiddleware(transport),
	});
}

export function graphBaseUrl(baseUrl: string | undefined): string {
	return ((baseUrl ?? '').trim() || GRAPH_DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * `@odata.nextLink` as a path under the credential's Graph API base URL (the SDK parses only
 * https links). n8n would sign a request to any host, so a link elsewhere is refused, unfollowed.
 */
export function relativeNextLink(nextLink: string, baseUrl: string): string {
	const prefix = `${graphBaseUrl(baseUrl)}/${GRAPH_VERSION}`;
	const base = new URL(`${prefix}/`);
	let link: URL | undefined;
	try {
		link = new URL(nextLink, base);
	} catch {
		link = undefined;
	}
	// Parsed, so "..", "%2e%2e", userinfo and a look-alike host cannot pass as the base.
	if (link?.origin === base.origin && link.pathname.startsWith(base.pathname)) {
		return `/${link.pathname.slice(base.pathname.length)}${link.search}`;
	}
	throw new ChatPlatformError(TEAMS_SOURCE, {
		code: 'foreign_next_link',
		message: `Microsoft Graph returned a next-page link outside ${prefix} (to ${link?.origin ?? 'an unparsable address'}); it was not followed and no token was sent`,
	});
}

function flattenHeaders(
	headers: GraphHttpResponse['headers'],
	empty: boolean,
): Record<string, string> {
	const flat: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (value === undefined) continue;
		// The body may arrive parsed, so its original length and encoding no longer apply.
		if (/^(content-length|content-encoding|transfer-encoding)$/i.test(name)) continue;
		flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	if (!empty && !Object.keys(flat).some((name) => name.toLowerCase() === 'content-type')) {
		flat['content-type'] = 'application/json';
	}
	return flat;
}

const NEVER_SENT = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

function neverSent(error: unknown): boolean {
	for (
		let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
		e && depth < 4;
		depth++
	) {
		if (typeof e.code === 'string' && NEVER_SENT.includes(e.code)) return true;
		e = e.cause as typeof e;
	}
	return false;
}

function describe(error: unknown): string {
	const e = error as { message?: unknown; description?: unknown; cause?: { message?: unknown } };
	return [e?.message, e?.description, e?.cause?.message]
		.filter((part) => typeof part === 'string')
		.join(' ');
}
