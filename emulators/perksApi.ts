/**
 * A loopback emulator of the perks platform (/work/shared/perks-contract.md, docs/perks-api.md)
 * for tests: the REST API under `<base>/api/v1/...`, seeding helpers, fault injection (one-off,
 * random, outages, latency), and signed webhook delivery with deliberately broken signatures or
 * the platform's redelivery.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

import type {
	Employee,
	Perk,
	PerksEvent,
	PerksEventType,
	Wallet,
} from '../nodes/shared/perks/contract';
import { signatureHeader } from '../nodes/shared/perks/signature';
import { type JsonReply as Reply, LoopbackServer, serveReplies } from './loopback';
import {
	FaultQueue,
	Outage,
	RandomFaults,
	RateLimits,
	targets,
	Timers,
	type FaultControls,
	type RandomFaultOptions,
} from './faults';
import {
	mapBounded,
	redeliver,
	type RedeliveryOptions,
	type RedeliveryResult,
} from './perksRedelivery';

const API_PREFIX = '/api';
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;
const DELIVERY_TIMEOUT_MS = 10_000;
const STALE_OFFSET_SECONDS = 301;
const DEFAULT_HOLD_MS = 35_000;
const DEFAULT_CONCURRENCY = 10;

export interface PerksEmulatorOptions {
	apiKey?: string;
	account?: { id: string; name: string };
}

export interface RecordedRequest {
	method: string;
	/** Path without the `/api` prefix, e.g. `/v1/employees`. */
	path: string;
	query: Record<string, string>;
	headers: IncomingHttpHeaders;
	/** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
	body: unknown;
}

export interface RegisteredWebhook {
	id: string;
	url: string;
	events: string[];
	secret: string;
}

export interface FaultOptions {
	/** Default 429 when `retryAfter` is set, else 503. */
	status?: number;
	code?: string;
	message?: string;
	/** Seconds, sent as the `Retry-After` header. */
	retryAfter?: number;
	/** Only requests with this HTTP method. */
	method?: string;
}

/** `reset`: the socket is destroyed unanswered; `timeout`: held `holdMs`, then destroyed. */
export type PerksFaultKind = '429' | '500' | '503' | 'reset' | 'timeout';

export interface PerksFaultRateOptions extends RandomFaultOptions<PerksFaultKind> {
	/** Only requests whose path (without `/api`) starts with this. */
	pathPrefix?: string;
	/** How long `timeout` holds the socket. Default 35 s. */
	holdMs?: number;
}

export type SignatureMode =
	| 'valid'
	| 'wrong_secret'
	| 'stale'
	| 'unsigned'
	| 'tampered'
	| 'rotated';

export interface EventInput {
	id?: string;
	type: PerksEventType | (string & {});
	created_at?: string;
	data: unknown;
	[extra: string]: unknown;
}

export interface DeliverOptions {
	/** Deliver to this URL only (a webhook registered outside the emulator). */
	url?: string;
	secret?: string;
	signature?: SignatureMode;
	/** Sent instead of `JSON.stringify(event)`, for malformed-body tests. */
	rawBody?: string | Buffer;
	/** Another Content-Type than application/json; null sends none. */
	contentType?: string | null;
	/** Sends the same delivery this many times concurrently (duplicate deliveries). */
	times?: number;
	timeoutMs?: number;
}

export interface DeliveryResult {
	url: string;
	/** HTTP status, or 0 when the request failed (network error, timeout). */
	status: number;
	body: string;
	eventId: string;
	error?: string;
}

type Route = (request: RecordedRequest) => Reply;

class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

export function newId(prefix: string, bytes = 10): string {
	return `${prefix}_${randomBytes(bytes).toString('hex')}`;
}

export class PerksEmulator implements FaultControls<FaultOptions> {
	readonly requests: RecordedRequest[] = [];
	/** Settable: an API key rotated on the platform. */
	apiKey: string;
	private readonly account: { id: string; name: string };
	private readonly loopback = new LoopbackServer(
		serveReplies((req) => this.dispatch(req), {
			toErrorReply: (error) =>
				errorReply(
					error instanceof ApiError ? error : new ApiError(500, 'internal', String(error)),
				),
			hold: (socket) =>
				this.timers.hold(socket, this.randomFaults?.options.holdMs ?? DEFAULT_HOLD_MS),
		}),
	);
	private readonly employeeList: Employee[] = [];
	private readonly employeesById = new Map<string, Employee>();
	private readonly wallets = new Map<string, Wallet>();
	private readonly perkList: Perk[] = [];
	private readonly webhookMap = new Map<string, RegisteredWebhook>();
	private readonly faults = new FaultQueue<FaultOptions>();
	private readonly rateLimits = new RateLimits();
	private randomFaults?: { faults: RandomFaults<PerksFaultKind>; options: PerksFaultRateOptions };
	private currentOutage?: Outage;
	private readonly latencies = new Map<string, number>();
	private readonly timers = new Timers();
	private sequence = 0;

	constructor(options: PerksEmulatorOptions = {}) {
		this.apiKey = options.apiKey ?? 'perks_test_key';
		this.account = options.account ?? { id: 'acc_emulator', name: 'Perks Emulator' };
	}

	async start(): Promise<string> {
		return `${await this.loopback.start()}${API_PREFIX}`;
	}

	async stop(): Promise<void> {
		this.timers.clear();
		await this.loopback.stop();
	}

	get baseUrl(): string {
		return `${this.loopback.originOf('PerksEmulator')}${API_PREFIX}`;
	}

	/** Registered webhooks, secrets included. */
	get webhooks(): RegisteredWebhook[] {
		return [...this.webhookMap.values()];
	}

	get employees(): Employee[] {
		return [...this.employeeList];
	}

	get perks(): Perk[] {
		return [...this.perkList];
	}

	// ---- seeding ----

	addEmployee(
		partial: Partial<Employee> = {},
		wallet: Partial<Omit<Wallet, 'employee_id'>> = {},
	): Employee {
		const n = ++this.sequence;
		const employee: Employee = {
			id: newId('emp'),
			email: `employee${n}@example.com`,
			name: `Employee ${n}`,
			locale: 'en',
			active: true,
			...partial,
		};
		this.employeeList.push(employee);
		this.employeesById.set(employee.id, employee);
		this.wallets.set(employee.id, {
			balance: 0,
			currency: 'points',
			low_balance_threshold: 20,
			updated_at: new Date().toISOString(),
			...wallet,
			employee_id: employee.id,
		});
		return employee;
	}

	/** Bulk seeding; `make` customises employee `index` (0-based). */
	seedEmployees(count: number, make?: (index: number) => Partial<Employee>): Employee[] {
		const created: Employee[] = [];
		for (let i = 0; i < count; i++) created.push(this.addEmployee(make?.(i)));
		return created;
	}

	getWallet(employeeId: string): Wallet | undefined {
		return this.wallets.get(employeeId);
	}

	setBalance(employeeId: string, balance: number): Wallet {
		const wallet = this.wallets.get(employeeId);
		if (!wallet) throw new Error(`No employee ${employeeId} in the emulator`);
		wallet.balance = balance;
		wallet.updated_at = new Date().toISOString();
		return wallet;
	}

	addPerk(partial: Partial<Perk> = {}): Perk {
		const n = this.perkList.length + 1;
		const perk: Perk = {
			id: newId('perk'),
			name: `Perk ${n}`,
			description: `Description of perk ${n}`,
			cost: 40,
			currency: 'points',
			category: 'general',
			...partial,
		};
		this.perkList.push(perk);
		return perk;
	}

	/** Adds a webhook directly, as if created through the API. */
	registerWebhook(url: string, events: string[]): RegisteredWebhook {
		const webhook = { id: newId('wh'), url, events: [...events], secret: newId('whsec', 24) };
		this.webhookMap.set(webhook.id, webhook);
		return webhook;
	}

	// ---- fault injection ----

	/**
	 * The next `count` requests under `pathPrefix` (without `/api`; `'*'`: any) answer the fault's
	 * status with the contract's error body.
	 */
	failNext(pathPrefix: string, count = 1, fault: FaultOptions = {}): void {
		this.faults.add(targets(pathPrefix, underPrefix), count, { ...fault });
	}

	/** The next `count` requests under `pathPrefix` answer 429 `rate_limited` with this Retry-After. */
	throttleNext(pathPrefix: string, count = 1, retryAfterSeconds = 1): void {
		this.failNext(pathPrefix, count, { status: 429, retryAfter: retryAfterSeconds });
	}

	clearFaults(): void {
		this.faults.clear();
	}

	/** Requests under `pathPrefix` beyond `perSecond` in the last rolling second get 429 `rate_limited`. */
	limitPerSecond(pathPrefix: string, perSecond: number): void {
		this.rateLimits.limit(pathPrefix, targets(pathPrefix, underPrefix), perSecond);
	}

	/** How many requests a limitPerSecond() refused: under that prefix, or of that exact path. */
	rateLimitedCount(pathPrefix: string): number {
		return this.rateLimits.refusedCount(pathPrefix);
	}

	clearLimits(): void {
		this.rateLimits.clear();
	}

	/** Each matching request gets a random fault with probability `rate`; replaces any earlier setting. */
	faultRate(options: PerksFaultRateOptions): void {
		this.randomFaults = { faults: new RandomFaults(options), options };
	}

	clearFaultRate(): void {
		this.randomFaults = undefined;
	}

	/** Faults of this kind injected since the last faultRate(). */
	injectedCount(kind: PerksFaultKind): number {
		return this.randomFaults?.faults.count(kind) ?? 0;
	}

	/** Every request under `pathPrefix` (or all) answers `status` for `durationMs`. */
	outage(pathPrefixes: string | readonly string[], durationMs: number, status = 503): void {
		this.currentOutage = new Outage(targets(pathPrefixes, underPrefix), durationMs, status);
	}

	endOutage(): void {
		this.currentOutage = undefined;
	}

	/** Requests under `pathPrefix` are answered `ms` later (0 removes it): a slow API. */
	setLatency(pathPrefix: string, ms: number): void {
		if (ms > 0) this.latencies.set(pathPrefix, ms);
		else this.latencies.delete(pathPrefix);
	}

	// ---- webhook delivery ----

	async deliver(event: EventInput, options: DeliverOptions = {}): Promise<DeliveryResult[]> {
		const full = completeEvent(event);
		const body =
			options.rawBody !== undefined
				? Buffer.from(options.rawBody)
				: Buffer.from(JSON.stringify(full));
		const targets = this.deliveryTargets(full.type, options);
		const times = options.times ?? 1;
		const sends = targets.flatMap((target) => {
			const prepared = prepareDelivery(body, target.secret, options.signature ?? 'valid');
			return Array.from({ length: times }, () =>
				send(
					target.url,
					prepared,
					full.id,
					options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
					options.contentType,
				),
			);
		});
		return Promise.all(sends);
	}

	/**
	 * Delivers as the platform does: retried with the same id and body (re-signed) until a 2xx,
	 * a final 400/410, or the last backoff delay.
	 */
	async deliverUntilDone(
		event: EventInput,
		options: RedeliveryOptions = {},
	): Promise<RedeliveryResult> {
		const full = completeEvent(event);
		const targets = this.deliveryTargets(full.type, options);
		if (targets.length !== 1) {
			throw new Error(
				`deliverUntilDone(): ${targets.length} webhooks take ${full.type}; pass options.url`,
			);
		}
		const { url, secret } = targets[0];
		if (!secret) throw new Error('deliverUntilDone(): no secret for this URL; pass options.secret');
		return redeliver({ url, secret }, full.id, Buffer.from(JSON.stringify(full)), options);
	}

	/** deliverUntilDone for many events, at most `concurrency` (default 10) at once; results in order. */
	deliverAllUntilDone(
		events: readonly EventInput[],
		options: RedeliveryOptions & { concurrency?: number } = {},
	): Promise<RedeliveryResult[]> {
		const { concurrency = DEFAULT_CONCURRENCY, ...rest } = options;
		return mapBounded(events, concurrency, (event) => this.deliverUntilDone(event, rest));
	}

	private deliveryTargets(
		type: string,
		options: { url?: string; secret?: string },
	): Array<{ url: string; secret: string | undefined }> {
		if (options.url) {
			const registered = this.webhooks.find((w) => w.url === options.url);
			return [{ url: options.url, secret: options.secret ?? registered?.secret }];
		}
		return this.webhooks
			.filter((w) => w.events.includes(type) || w.events.includes('*'))
			.map((w) => ({ url: w.url, secret: w.secret }));
	}

	// ---- HTTP ----

	private async dispatch(req: IncomingMessage): Promise<Reply> {
		const request = await readRequest(req);
		if (!request)
			return errorReply(
				new ApiError(404, 'not_found', `No route; the API lives under ${API_PREFIX}`),
			);
		this.requests.push(request);
		const delay = this.latencyFor(request.path);
		if (delay > 0) await this.timers.sleep(delay);
		return this.answer(request);
	}

	private latencyFor(path: string): number {
		let ms = 0;
		for (const [prefix, delay] of this.latencies)
			if (path.startsWith(prefix)) ms = Math.max(ms, delay);
		return ms;
	}

	private answer(request: RecordedRequest): Reply {
		const outage = this.currentOutage;
		if (outage?.appliesTo(request.path)) {
			return injectedReply(outage.status, outage.status === 429 ? outage.secondsLeft() : undefined);
		}
		const retryAfter = this.rateLimits.take(request.path);
		if (retryAfter > 0) return injectedReply(429, retryAfter);
		const fault = this.faults.take(
			request.path,
			(f) => !f.method || f.method.toUpperCase() === request.method,
		);
		if (fault) {
			const headers =
				fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : undefined;
			const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 503);
			const code = fault.code ?? defaultCode(status);
			return {
				...errorReply(new ApiError(status, code, fault.message ?? `Injected ${code}`)),
				headers,
			};
		}
		const random = this.drawRandomFault(request.path);
		if (random === 'reset') return { status: 0, lost: 'reset' };
		if (random === 'timeout') return { status: 0, lost: 'hold' };
		if (random) return injectedReply(Number(random), random === '429' ? 1 : undefined);
		try {
			this.authorize(request);
			return this.route(request)(request);
		} catch (error) {
			if (error instanceof ApiError) return errorReply(error);
			throw error;
		}
	}

	private drawRandomFault(path: string): PerksFaultKind | undefined {
		const random = this.randomFaults;
		if (!random) return undefined;
		const prefix = random.options.pathPrefix;
		if (prefix && !path.startsWith(prefix)) return undefined;
		return random.faults.draw();
	}

	private authorize(request: RecordedRequest): void {
		const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
		if (!match || match[1].trim() !== this.apiKey) {
			throw new ApiError(401, 'unauthorized', 'Missing or invalid API key');
		}
	}

	private route(request: RecordedRequest): Route {
		const { method, path } = request;
		const segments = path.split('/').filter(Boolean);
		const [version, resource, rest] = segments;
		if (version !== 'v1') throw notFound(path);

		const routes: Array<[string, boolean, Route]> = [
			['GET', resource === 'account' && segments.length === 2, () => this.getAccount()],
			['GET', resource === 'employees' && segments.length === 2, (r) => this.listEmployees(r)],
			[
				'GET',
				resource === 'employees' && rest === 'lookup' && segments.length === 3,
				(r) => this.lookup(r),
			],
			['GET', resource === 'wallets' && segments.length === 3, () => this.getWalletReply(rest)],
			[
				'GET',
				resource === 'catalog' && rest === 'perks' && segments.length === 3,
				(r) => this.listPerks(r),
			],
			['GET', resource === 'webhooks' && segments.length === 2, () => this.listWebhooks()],
			['POST', resource === 'webhooks' && segments.length === 2, (r) => this.createWebhook(r)],
			['DELETE', resource === 'webhooks' && segments.length === 3, () => this.deleteWebhook(rest)],
		];
		const forPath = routes.filter(([, matches]) => matches);
		if (forPath.length === 0) throw notFound(path);
		const found = forPath.find(([m]) => m === method);
		if (!found) {
			throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`);
		}
		return found[2];
	}

	private getAccount(): Reply {
		return { status: 200, body: { account: { ...this.account } } };
	}

	private listEmployees(request: RecordedRequest): Reply {
		return { status: 200, body: paginate(this.employeeList, request.query) };
	}

	private listPerks(request: RecordedRequest): Reply {
		return { status: 200, body: paginate(this.perkList, request.query) };
	}

	private lookup(request: RecordedRequest): Reply {
		const wanted = request.query.email?.trim().toLowerCase();
		if (!wanted) throw new ApiError(422, 'validation_failed', 'Query parameter email is required');
		const employee = this.employeeList.find((e) => e.email.trim().toLowerCase() === wanted);
		if (!employee)
			throw new ApiError(404, 'employee_not_found', `No employee with email ${wanted}`);
		return { status: 200, body: { employee } };
	}

	private getWalletReply(employeeId: string): Reply {
		const wallet = this.wallets.get(employeeId);
		if (!wallet) throw new ApiError(404, 'employee_not_found', `No employee ${employeeId}`);
		return { status: 200, body: { wallet } };
	}

	private listWebhooks(): Reply {
		const data = this.webhooks.map(({ id, url, events }) => ({ id, url, events }));
		return { status: 200, body: { data } };
	}

	private createWebhook(request: RecordedRequest): Reply {
		const { url, events } = validateWebhookBody(request.body);
		const webhook = this.registerWebhook(url, events);
		return { status: 201, body: { ...webhook } };
	}

	private deleteWebhook(id: string): Reply {
		if (!this.webhookMap.delete(id))
			throw new ApiError(404, 'webhook_not_found', `No webhook ${id}`);
		return { status: 204 };
	}
}

// ---- request / reply helpers ----

/** Reads and records a request; undefined when it is outside the `/api` prefix. */
async function readRequest(req: IncomingMessage): Promise<RecordedRequest | undefined> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const url = new URL(req.url ?? '/', 'http://127.0.0.1');
	if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return undefined;
	const path = safeDecode(url.pathname.slice(API_PREFIX.length)).replace(/\/+$/, '') || '/';
	return {
		method: (req.method ?? 'GET').toUpperCase(),
		path,
		query: Object.fromEntries(url.searchParams),
		headers: req.headers,
		body: parseBody(Buffer.concat(chunks)),
	};
}

function safeDecode(path: string): string {
	try {
		return decodeURIComponent(path);
	} catch {
		return path;
	}
}

function parseBody(raw: Buffer): unknown {
	if (raw.length === 0) return undefined;
	const text = raw.toString('utf8');
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

function errorReply(error: ApiError): Reply {
	return { status: error.status, body: { error: { code: error.code, message: error.message } } };
}

/** A perks target is a path prefix. */
function underPrefix(prefix: string, path: string): boolean {
	return path.startsWith(prefix);
}

/** The contract's error body for an injected status, with Retry-After when given. */
function injectedReply(status: number, retryAfter: number | undefined): Reply {
	const code = defaultCode(status);
	const reply = errorReply(new ApiError(status, code, `Injected ${code}`));
	return retryAfter === undefined
		? reply
		: { ...reply, headers: { 'retry-after': String(retryAfter) } };
}

function notFound(path: string): ApiError {
	return new ApiError(404, 'not_found', `No route for ${path}`);
}

function defaultCode(status: number): string {
	const codes: Record<number, string> = {
		401: 'unauthorized',
		403: 'forbidden',
		404: 'not_found',
		422: 'validation_failed',
		429: 'rate_limited',
	};
	return codes[status] ?? (status >= 500 ? 'internal' : 'error');
}

function paginate<T>(
	items: readonly T[],
	query: Record<string, string>,
): { data: T[]; next_cursor: string | null } {
	const limit = parseLimit(query.limit);
	const offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
	const end = offset + limit;
	return {
		data: items.slice(offset, end),
		next_cursor: end < items.length ? encodeCursor(end) : null,
	};
}

function parseLimit(raw: string | undefined): number {
	if (raw === undefined) return DEFAULT_PAGE_SIZE;
	const limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
	if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
		throw new ApiError(
			422,
			'validation_failed',
			`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`,
		);
	}
	return limit;
}

// Opaque to clients: base64url of an offset, so a client can't rely on its shape.
function encodeCursor(offset: number): string {
	return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
	const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
	if (!match) throw new ApiError(422, 'validation_failed', 'cursor is invalid');
	return Number(match[1]);
}

function validateWebhookBody(body: unknown): { url: string; events: string[] } {
	const fail = (message: string) => new ApiError(422, 'validation_failed', message);
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		throw fail('Body must be a JSON object');
	const { url, events } = body as { url?: unknown; events?: unknown };
	if (typeof url !== 'string' || !isHttpUrl(url)) throw fail('url must be an http(s) URL');
	if (
		!Array.isArray(events) ||
		events.length === 0 ||
		!events.every((e) => typeof e === 'string' && e)
	) {
		throw fail('events must be a non-empty array of strings');
	}
	return { url, events: events as string[] };
}

function isHttpUrl(value: string): boolean {
	try {
		const { protocol } = new URL(value);
		return protocol === 'http:' || protocol === 'https:';
	} catch {
		return false;
	}
}

// ---- delivery helpers ----

function completeEvent(event: EventInput): EventInput & { id: string; created_at: string } {
	return {
		...event,
		id: event.id ?? newId('evt', 12),
		created_at: event.created_at ?? new Date().toISOString(),
	};
}

type PreparedDelivery = { body: Buffer; signature: string | undefined };

function prepareDelivery(
	body: Buffer,
	secret: string | undefined,
	mode: SignatureMode,
): PreparedDelivery {
	if (mode === 'unsigned') return { body, signature: undefined };
	if (!secret) throw new Error('deliver(): no secret for this URL; pass options.secret');
	const wrongSecret = newId('whsec', 24);
	const now = Math.floor(Date.now() / 1000);
	switch (mode) {
		case 'valid':
			return { body, signature: signatureHeader(secret, body, now) };
		case 'wrong_secret':
			return { body, signature: signatureHeader(wrongSecret, body, now) };
		case 'stale':
			return { body, signature: signatureHeader(secret, body, now - STALE_OFFSET_SECONDS) };
		case 'rotated':
			return { body, signature: signatureHeader([wrongSecret, secret], body, now) };
		case 'tampered':
			return { body: tamper(body), signature: signatureHeader(secret, body, now) };
	}
}

/**
 * Changes one byte. A digit becomes another non-zero digit (9 → 8, else +1), which keeps JSON
 * valid, so the receiver fails on the signature rather than on parsing.
 */
function tamper(body: Buffer): Buffer {
	const copy = Buffer.from(body);
	for (let i = copy.length - 1; i >= 0; i--) {
		const c = copy[i];
		if (c >= 0x30 && c <= 0x39) {
			copy[i] = c === 0x39 ? 0x38 : c + 1;
			return copy;
		}
	}
	if (copy.length === 0) return Buffer.from(' ');
	copy[copy.length - 1] ^= 1;
	return copy;
}

async function send(
	url: string,
	prepared: PreparedDelivery,
	eventId: string,
	timeoutMs: number,
	contentType: string | null = 'application/json',
): Promise<DeliveryResult> {
	const headers: Record<string, string> = { 'user-agent': 'PerksEmulator/1.0' };
	if (contentType !== null) headers['content-type'] = contentType;
	if (prepared.signature) headers['perks-signature'] = prepared.signature;
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers,
			body: prepared.body,
			signal: AbortSignal.timeout(timeoutMs),
		});
		return { url, status: response.status, body: await response.text(), eventId };
	} catch (error) {
		return {
			url,
			status: 0,
			body: '',
			eventId,
			error: error instanceof Error ? error.message : String(error),
		};
	}
}

// ---- event builders ----

function envelope<T extends PerksEventType>(type: T, data: PerksEvent<T>['data']): PerksEvent<T> {
	return {
		id: newId('evt', 12),
		type,
		created_at: new Date().toISOString(),
		data,
	} as PerksEvent<T>;
}

function currentPeriod(): string {
	return new Date().toISOString().slice(0, 7);
}

export function walletFundedEvent(
	employee: Employee,
	options: { amount: number; balance: number; period?: string; currency?: string },
): PerksEvent<'wallet.funded'> {
	return envelope('wallet.funded', {
		employee,
		amount: options.amount,
		balance: options.balance,
		currency: options.currency ?? 'points',
		period: options.period ?? currentPeriod(),
	});
}

export function perkRedeemedEvent(
	employee: Employee,
	perk: Perk,
	options: { balance: number; redemptionId?: string },
): PerksEvent<'perk.redeemed'> {
	return envelope('perk.redeemed', {
		employee,
		perk,
		redemption_id: options.redemptionId ?? newId('red'),
		balance: options.balance,
		currency: perk.currency,
	});
}

export function lowBalanceEvent(
	employee: Employee,
	options: { balance: number; threshold?: number; currency?: string },
): PerksEvent<'wallet.low_balance'> {
	return envelope('wallet.low_balance', {
		employee,
		balance: options.balance,
		threshold: options.threshold ?? 20,
		currency: options.currency ?? 'points',
	});
}

export function perkAddedEvent(perk: Perk): PerksEvent<'catalog.perk_added'> {
	return envelope('catalog.perk_added', { perk });
}
