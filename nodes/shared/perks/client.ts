/**
 * The Perks API client: bearer-authenticated JSON over an injected transport (n8n's request
 * helper in the nodes, plain fetch nowhere), contract errors turned into PerksApiError, 429
 * waited out and retried a bounded number of times, and cursor pagination.
 */
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
import { RETRY_POLICIES, retryOnRateLimit, type RetryPolicy, type Sleep } from '../retry';

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

export interface PerksClientOptions {
	retry?: RetryPolicy;
	sleep?: Sleep;
}

/** 10,000 pages of up to 500: far beyond any directory, short of paging forever. */
export const MAX_PAGES = 10_000;

export class PerksClient {
	constructor(
		private readonly transport: PerksTransport,
		private readonly options: PerksClientOptions = {},
	) {}

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
		let pages = 0;
		do {
			if (++pages > MAX_PAGES) {
				throw new PerksApiError(
					'invalid_response',
					`The perks API went past ${MAX_PAGES} pages of ${path}.`,
				);
			}
			const qs: Record<string, string | number> = { limit };
			if (cursor) qs.cursor = cursor;
			const page: z.infer<typeof schema> = await this.call({ method: 'GET', path, qs }, schema);
			yield page.data;
			cursor = page.next_cursor;
			// A server that hands back a cursor it already gave would loop forever.
			if (cursor && seen.has(cursor)) {
				throw new PerksApiError(
					'invalid_response',
					`The perks API repeated the page cursor of ${path}.`,
				);
			}
			if (cursor) seen.add(cursor);
		} while (cursor);
	}

	private async call<T extends z.ZodTypeAny>(
		request: PerksHttpRequest,
		schema: T,
	): Promise<z.infer<T>> {
		const body = await this.send(request);
		const parsed = schema.safeParse(body);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			throw new PerksApiError(
				'invalid_response',
				`Unexpected answer from ${request.method} ${request.path}: ${issue.path.join('.') || '(body)'} ${issue.message}${recordOf(body, issue.path)}`,
			);
		}
		return parsed.data;
	}

	private async send(request: PerksHttpRequest): Promise<unknown> {
		return await retryOnRateLimit(
			async () => await this.sendOnce(request),
			(error) => (error instanceof PerksApiError ? error.retryAfterSeconds : undefined),
			this.options.retry ?? RETRY_POLICIES.briefBurst,
			this.options.sleep,
		);
	}

	private async sendOnce(request: PerksHttpRequest): Promise<unknown> {
		let response: PerksHttpResponse;
		try {
			response = await this.transport(request);
		} catch (error) {
			throw new PerksApiError(
				'unreachable',
				`Could not reach the perks API for ${request.method} ${request.path}: ${describeNetworkError(error)}`,
			);
		}
		if (response.statusCode >= 200 && response.statusCode < 300) return response.body;
		throw toPerksError(request, response);
	}
}

function toPerksError(request: PerksHttpRequest, response: PerksHttpResponse): PerksApiError {
	const parsed = apiErrorBodySchema.safeParse(parseMaybeJson(response.body));
	const code = parsed.success ? parsed.data.error.code : '';
	const redirect = response.statusCode >= 300 && response.statusCode < 400;
	const detail = parsed.success
		? parsed.data.error.message
		: `HTTP ${response.statusCode}${redirect ? ' redirect (not followed)' : ''}`;
	const retryAfter =
		response.statusCode === 429 ? parseRetryAfter(response.headers['retry-after']) : undefined;
	return new PerksApiError(
		code,
		`Perks API ${request.method} ${request.path} failed (${response.statusCode}${code ? ` ${code}` : ''}): ${detail}`,
		response.statusCode,
		retryAfter,
	);
}

/** " (record emp_…)" when the failing field sits in a listed object with an id, so the record can be fixed. */
function recordOf(body: unknown, path: Array<string | number>): string {
	const [list, index] = path;
	const record = (body as Record<string, unknown> | undefined)?.[String(list)];
	const id =
		Array.isArray(record) && typeof index === 'number'
			? (record[index] as { id?: unknown })?.id
			: undefined;
	return typeof id === 'string' ? ` (record ${id})` : '';
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
