/**
 * The Perks API client: bearer-authenticated JSON over an injected transport (n8n's request
 * helper in the nodes, plain fetch nowhere), contract errors turned into PerksApiError, 429
 * waited out and retried a bounded number of times, and cursor pagination.
 */
import { sleep } from 'n8n-workflow';
import type { z } from 'zod';

import {
	accountResponseSchema,
	apiErrorBodySchema,
	createdWebhookSchema,
	employeeResponseSchema,
	employeeSchema,
	MAX_PAGE_SIZE,
	pageSchema,
	perkSchema,
	walletResponseSchema,
	webhookListSchema,
	type Employee,
	type Perk,
	type PerksEventType,
	type Wallet,
} from './contract';
import { PerksApiError } from './errors';

export interface PerksHttpRequest {
	method: 'GET' | 'POST' | 'DELETE';
	path: string;
	qs?: Record<string, string | number>;
	body?: unknown;
}

export interface PerksHttpResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/** Sends one request; authentication is the transport's job (n8n applies the credential). */
export type PerksTransport = (request: PerksHttpRequest) => Promise<PerksHttpResponse>;

export interface RetryPolicy {
	/** Retries after the first attempt. */
	retries: number;
	/** A longer Retry-After is not waited: the call fails at once, so a workflow never stalls for minutes. */
	maxWaitSeconds: number;
}

/** Enough for a brief burst; the worst case waits retries × maxWaitSeconds. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, maxWaitSeconds: 30 };

export interface PerksClientOptions {
	retry?: RetryPolicy;
	sleep?: (ms: number) => Promise<void>;
}

export class PerksClient {
	private readonly retry: RetryPolicy;
	private readonly sleep: (ms: number) => Promise<void>;

	constructor(
		private readonly transport: PerksTransport,
		options: PerksClientOptions = {},
	) {
		this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
		this.sleep = options.sleep ?? sleep;
	}

	async getAccount() {
		return (await this.call({ method: 'GET', path: '/v1/account' }, accountResponseSchema)).account;
	}

	async lookupEmployee(email: string): Promise<Employee> {
		const qs = { email: email.trim() };
		const path = '/v1/employees/lookup';
		return (await this.call({ method: 'GET', path, qs }, employeeResponseSchema)).employee;
	}

	async getWallet(employeeId: string): Promise<Wallet> {
		const path = `/v1/wallets/${encodeURIComponent(employeeId)}`;
		return (await this.call({ method: 'GET', path }, walletResponseSchema)).wallet;
	}

	listEmployees(pageSize = MAX_PAGE_SIZE): AsyncGenerator<Employee[]> {
		return this.paginate('/v1/employees', employeeSchema, pageSize);
	}

	listPerks(pageSize = MAX_PAGE_SIZE): AsyncGenerator<Perk[]> {
		return this.paginate('/v1/catalog/perks', perkSchema, pageSize);
	}

	async listWebhooks() {
		return (await this.call({ method: 'GET', path: '/v1/webhooks' }, webhookListSchema)).data;
	}

	async createWebhook(url: string, events: PerksEventType[] | ['*']) {
		const request = { method: 'POST', path: '/v1/webhooks', body: { url, events } } as const;
		return await this.call(request, createdWebhookSchema);
	}

	/** Deleting a webhook that is already gone counts as done. */
	async deleteWebhook(id: string): Promise<void> {
		try {
			await this.send({ method: 'DELETE', path: `/v1/webhooks/${encodeURIComponent(id)}` });
		} catch (error) {
			if (error instanceof PerksApiError && error.code === 'webhook_not_found') return;
			throw error;
		}
	}

	private async *paginate<T extends z.ZodTypeAny>(
		path: string,
		item: T,
		pageSize: number,
	): AsyncGenerator<Array<z.infer<T>>> {
		const limit = Math.min(Math.max(Math.trunc(pageSize), 1), MAX_PAGE_SIZE);
		const schema = pageSchema(item);
		let cursor: string | null = null;
		const seen = new Set<string>();
		do {
			const qs: Record<string, string | number> = { limit };
			if (cursor) qs.cursor = cursor;
			const page: z.infer<typeof schema> = await this.call({ method: 'GET', path, qs }, schema);
			yield page.data;
			cursor = page.next_cursor;
			// A server that hands back a cursor it already gave would loop forever.
			if (cursor && seen.has(cursor)) {
				throw new PerksApiError('invalid_response', `The perks API repeated the page cursor of ${path}.`);
			}
			if (cursor) seen.add(cursor);
		} while (cursor);
	}

	private async call<T extends z.ZodTypeAny>(request: PerksHttpRequest, schema: T): Promise<z.infer<T>> {
		const body = await this.send(request);
		const parsed = schema.safeParse(body);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			throw new PerksApiError(
				'invalid_response',
				`Unexpected answer from ${request.method} ${request.path}: ${issue.path.join('.') || '(body)'} ${issue.message}`,
			);
		}
		return parsed.data;
	}

	private async send(request: PerksHttpRequest): Promise<unknown> {
		for (let attempt = 0; ; attempt++) {
			let response: PerksHttpResponse;
			try {
				response = await this.transport(request);
			} catch (error) {
				throw new PerksApiError(
					'unreachable',
					`Could not reach the perks API for ${request.method} ${request.path}: ${describeNetworkError(error)}`,
				);
			}
			const { statusCode } = response;
			if (statusCode >= 200 && statusCode < 300) return response.body;

			const error = toPerksError(request, response);
			const wait = error.retryAfterSeconds;
			const retriable = statusCode === 429 && wait !== undefined && wait <= this.retry.maxWaitSeconds;
			if (!retriable || attempt >= this.retry.retries) throw error;
			await this.sleep(wait * 1000);
		}
	}
}

function toPerksError(request: PerksHttpRequest, response: PerksHttpResponse): PerksApiError {
	const parsed = apiErrorBodySchema.safeParse(parseMaybeJson(response.body));
	const code = parsed.success ? parsed.data.error.code : '';
	const detail = parsed.success ? parsed.data.error.message : `HTTP ${response.statusCode}`;
	const retryAfter = response.statusCode === 429 ? parseRetryAfter(response.headers['retry-after']) : undefined;
	return new PerksApiError(
		code,
		`Perks API ${request.method} ${request.path} failed (${response.statusCode}${code ? ` ${code}` : ''}): ${detail}`,
		response.statusCode,
		retryAfter,
	);
}

function parseMaybeJson(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return body;
	}
}

/** Retry-After in seconds; a missing or unreadable header means "wait one second". */
export function parseRetryAfter(value: string | string[] | undefined): number {
	const raw = Array.isArray(value) ? value[0] : value;
	const seconds = raw === undefined ? NaN : Number(raw);
	return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : 1;
}

/** Only the error's code and message: request configs (with headers) must never reach a user. */
function describeNetworkError(error: unknown): string {
	if (error && typeof error === 'object') {
		const { code, message } = error as { code?: unknown; message?: unknown };
		if (typeof code === 'string') return code;
		if (typeof message === 'string') return message.split('\n')[0];
	}
	return 'network error';
}
