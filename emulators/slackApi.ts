/**
 * A loopback emulator of the Slack Web API subset the perks nodes use, for tests.
 * It speaks the wire format of @slack/web-api (form-encoded or JSON POST, Bearer token)
 * and copies Slack's habits: API errors are HTTP 200 `{ok:false}`, rate limits are
 * HTTP 429 + Retry-After, lists use opaque cursors. Only `node:http`, no frameworks.
 */
import type { IncomingMessage } from 'node:http';
import { type JsonReply, LoopbackServer, serveReplies } from './loopback';
import {
	FaultQueue,
	Outage,
	RandomFaults,
	RateLimits,
	targets,
	Timers,
	WindowBudget,
	type FaultControls,
	type RandomFaultOptions,
} from './faults';
import { blockKitErrors } from './slackBlocks';

export type Params = Record<string, unknown>;

export interface SlackEmulatorOptions {
	token?: string;
	botUserId?: string;
	botId?: string;
	appId?: string;
	teamId?: string;
	teamName?: string;
	appName?: string;
	/** `'published'`: Slack's documented rate limits (SLACK_PUBLISHED_TIERS, posting limits). Default: none. */
	limits?: 'published';
	/** Divides every limit window (at 60 a minute lasts a second), so thousands of calls stay a short test. */
	timeScale?: number;
	/** The workspace-wide chat.postMessage budget a minute under the published limits. Default 300. */
	postsPerMinute?: number;
}

/**
 * Calls a minute per method, app and workspace (docs.slack.dev/apis/web-api/rate-limits and each
 * method's page): Tier 2 20, Tier 3 50, Tier 4 100; a whole minute's budget may be used at once.
 */
export const SLACK_PUBLISHED_TIERS: Readonly<Record<string, number>> = {
	'users.list': 20,
	'conversations.list': 20,
	'users.lookupByEmail': 50,
	'conversations.open': 50,
	'conversations.history': 50,
	'conversations.info': 50,
	'conversations.join': 50,
	'users.info': 100,
	'conversations.members': 100,
	'auth.test': 100,
};
/** chat.postMessage: about one a second per channel, a short burst tolerated (this many at once). */
export const POSTS_PER_CHANNEL_BURST = 3;
export const DEFAULT_POSTS_PER_MINUTE = 300;

export interface UserInput {
	id?: string;
	name: string;
	/** Optional because bot users have none. */
	email?: string;
	realName?: string;
	displayName?: string;
	deleted?: boolean;
	isBot?: boolean;
	isAppUser?: boolean;
	isRestricted?: boolean;
	isUltraRestricted?: boolean;
	/** The account's own workspace; default the emulated one. */
	teamId?: string;
	/** Default true; false: the profile email is only a claim. */
	emailConfirmed?: boolean;
}

/** A Slack Connect stranger: another organisation's account, seen only through users.info. */
export interface StrangerInput {
	id?: string;
	name: string;
	/** What their organisation's profile claims. */
	email?: string;
	teamId?: string;
}

/** Live state: tests may mutate the fields (e.g. `user.deleted = true`), except the indexed ones. */
export interface EmulatedUser {
	readonly id: string;
	readonly email?: string;
	name: string;
	realName: string;
	displayName: string;
	deleted: boolean;
	isBot: boolean;
	isAppUser: boolean;
	isRestricted: boolean;
	isUltraRestricted: boolean;
	teamId?: string;
	isStranger: boolean;
	emailConfirmed: boolean;
}

export interface ChannelInput {
	id?: string;
	name: string;
	isPrivate?: boolean;
	isArchived?: boolean;
	members?: string[];
	/** Defaults to whether `members` includes the bot user. */
	botIsMember?: boolean;
}

/** Live state, like EmulatedUser. */
export interface EmulatedChannel {
	readonly id: string;
	name: string;
	isPrivate: boolean;
	isArchived: boolean;
	members: string[];
	botIsMember: boolean;
	readonly created: number;
}

export interface RecordedCall {
	method: string;
	/** Decoded params (JSON fields parsed), without the token. */
	params: Params;
	token?: string;
	/** When it arrived (ms since the epoch). */
	at: number;
	/** How it was answered: `ok`, Slack's error code, or the HTTP status of a refusal (`429`). */
	answer?: string;
}

export interface MessageMetadata {
	event_type: string;
	event_payload: Params;
}

export interface RecordedMessage extends Params {
	/** The resolved conversation id (C…/D…), whatever form the caller used. */
	channel: string;
	/** The `channel` param exactly as sent (`#name`, a user id, …). */
	requestedChannel: unknown;
	text?: string;
	blocks?: unknown;
	metadata?: MessageMetadata;
	ts: string;
}

export interface FaultOptions {
	/** 429 (with Retry-After) or a 5xx; omitted with `error` → HTTP 200 `{ok:false,error}`. */
	status?: number;
	error?: string;
	/** Seconds for Retry-After; implies status 429. Default 1. */
	retryAfter?: number;
}

/**
 * `reset`: the socket is destroyed before the call is handled (nothing happened).
 * `reset_after` / `timeout_after`: the call IS handled, then the answer is lost (the ambiguous case).
 */
export type FaultKind = '429' | '500' | '503' | 'reset' | 'reset_after' | 'timeout_after';

export interface FaultRateOptions extends RandomFaultOptions<FaultKind> {
	/** Only these methods; all when omitted. */
	methods?: string[];
	/** How long `timeout_after` holds the socket before destroying it. Default 35 s. */
	holdMs?: number;
}

export interface BulkUserOptions {
	namePrefix?: string;
	emailDomain?: string;
}

export const ALL_SCOPES: readonly string[] = [
	'chat:write',
	'chat:write.public',
	'channels:read',
	'channels:join',
	'channels:history',
	'groups:read',
	'groups:history',
	'im:read',
	'im:write',
	'im:history',
	'mpim:read',
	'users:read',
	'users:read.email',
];

/** Scopes checked before the handler runs; per-conversation scopes are checked inside it. */
const METHOD_SCOPES: Record<string, string | undefined> = {
	'users.list': 'users:read',
	'users.info': 'users:read',
	'users.lookupByEmail': 'users:read.email',
	'conversations.open': 'im:write',
	'conversations.join': 'channels:join',
	'chat.postMessage': 'chat:write',
};

const TYPE_SCOPES: Record<string, string> = {
	public_channel: 'channels:read',
	private_channel: 'groups:read',
	im: 'im:read',
	mpim: 'mpim:read',
};

const HISTORY_SCOPES = {
	public_channel: 'channels:history',
	private_channel: 'groups:history',
	im: 'im:history',
};

// The client form-encodes nested values as JSON strings.
const JSON_FIELDS = ['blocks', 'attachments', 'metadata'];
const MAX_TEXT = 40_000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const MAX_HISTORY_LIMIT = 999;
const DEFAULT_HOLD_MS = 35_000;
const REPEATABLE = ['users.list', 'conversations.list'] as const;

type Handler = (params: Params) => Params;

type Conversation =
	| { kind: 'channel'; id: string; channel: EmulatedChannel }
	| { kind: 'im'; id: string; userId: string };

/** Slack always answers a JSON body; `lost: 'hold'` holds the socket `holdMs`. */
interface Reply extends JsonReply {
	body: Params;
}

/** Thrown by handlers; becomes an HTTP 200 `{ok:false, error, ...extra}`. */
class ApiError extends Error {
	constructor(
		readonly code: string,
		readonly extra: Params = {},
	) {
		super(code);
	}
}

export class SlackEmulator implements FaultControls<FaultOptions> {
	readonly token: string;
	readonly botUserId: string;
	readonly botId: string;
	readonly appId: string;
	readonly teamId: string;
	readonly teamName: string;
	readonly appName: string;
	readonly messages: RecordedMessage[] = [];
	readonly calls: RecordedCall[] = [];

	private readonly loopback = new LoopbackServer(
		serveReplies((req) => this.route(req), {
			toErrorReply: (err) => ({
				status: 500,
				body: { ok: false, error: 'emulator_error', detail: String(err) },
			}),
			// Slack's type and the token's scopes on every answer, errors included.
			headers: () => ({
				'Content-Type': 'application/json; charset=utf-8',
				'X-OAuth-Scopes': this.scopes.join(','),
			}),
			hold: (socket) =>
				this.timers.hold(socket, this.randomFaults?.options.holdMs ?? DEFAULT_HOLD_MS),
		}),
	);
	private revoked = false;
	private granted = new Set<string>(ALL_SCOPES);
	private readonly users = new Map<string, EmulatedUser>();
	private readonly usersByEmail = new Map<string, EmulatedUser>();
	private readonly channels = new Map<string, EmulatedChannel>();
	private readonly dmByUser = new Map<string, string>();
	private readonly userByDm = new Map<string, string>();
	private readonly faults = new FaultQueue<FaultOptions>();
	private readonly rateLimits = new RateLimits();
	private published?: {
		methods: Map<string, WindowBudget>;
		channels: Map<string, WindowBudget>;
		workspace: WindowBudget;
		minuteMs: number;
	};
	private randomFaults?: { faults: RandomFaults<FaultKind>; options: FaultRateOptions };
	private currentOutage?: Outage;
	private readonly repeatingCursors = new Set<string>();
	private readonly timers = new Timers();
	private idSeq = 0;
	private bulkSeq = 0;
	private lastTsMicros = 0;

	private readonly handlers: Record<string, Handler> = {
		'auth.test': () => this.authTest(),
		'users.list': (p) => this.usersList(p),
		'users.info': (p) => this.usersInfo(p),
		'users.lookupByEmail': (p) => this.usersLookupByEmail(p),
		'conversations.list': (p) => this.conversationsList(p),
		'conversations.info': (p) => this.conversationsInfo(p),
		'conversations.members': (p) => this.conversationsMembers(p),
		'conversations.join': (p) => this.conversationsJoin(p),
		'conversations.open': (p) => this.conversationsOpen(p),
		'conversations.history': (p) => this.conversationsHistory(p),
		'chat.postMessage': (p) => this.chatPostMessage(p),
	};

	constructor(options: SlackEmulatorOptions = {}) {
		this.token = options.token ?? 'xoxb-test-token';
		this.botUserId = options.botUserId ?? 'U0PERKSBOT';
		this.botId = options.botId ?? 'B0PERKSBOT';
		this.appId = options.appId ?? 'A0PERKSAPP';
		this.teamId = options.teamId ?? 'T0PERKS001';
		this.teamName = options.teamName ?? 'Perks Test';
		this.appName = options.appName ?? 'Perks';
		if (options.limits === 'published')
			this.usePublishedLimits(options.timeScale, options.postsPerMinute);
	}

	// ---- lifecycle ----

	async start(): Promise<string> {
		return `${await this.loopback.start()}/api/`;
	}

	async stop(): Promise<void> {
		this.timers.clear();
		await this.loopback.stop();
	}

	get apiUrl(): string {
		return `${this.loopback.originOf('SlackEmulator')}/api/`;
	}

	// ---- state ----

	addUser(input: UserInput): EmulatedUser {
		const id = input.id ?? this.nextId('U', this.users);
		if (this.users.has(id)) throw new Error(`duplicate user id ${id}`);
		const emailKey = input.email?.trim().toLowerCase();
		if (emailKey && this.usersByEmail.has(emailKey))
			throw new Error(`duplicate email ${input.email}`);
		const user: EmulatedUser = {
			id,
			email: input.email,
			name: input.name,
			realName: input.realName ?? input.name,
			displayName: input.displayName ?? '',
			deleted: input.deleted ?? false,
			isBot: input.isBot ?? false,
			isAppUser: input.isAppUser ?? false,
			isRestricted: input.isRestricted ?? false,
			isUltraRestricted: input.isUltraRestricted ?? false,
			teamId: input.teamId,
			isStranger: false,
			emailConfirmed: input.emailConfirmed ?? true,
		};
		this.users.set(id, user);
		if (emailKey) this.usersByEmail.set(emailKey, user);
		return user;
	}

	/** The person's email changes (as an admin does it in Slack): found by the new one only. */
	changeEmail(userId: string, email: string): EmulatedUser {
		const user = this.users.get(userId);
		if (!user) throw new Error(`unknown user ${userId}`);
		const key = email.trim().toLowerCase();
		if (this.usersByEmail.has(key)) throw new Error(`duplicate email ${email}`);
		if (user.email) this.usersByEmail.delete(user.email.trim().toLowerCase());
		// The same object: a test holding it keeps seeing the live user.
		(user as { email?: string }).email = email;
		this.usersByEmail.set(key, user);
		return user;
	}

	/**
	 * A Slack Connect stranger: users.info answers for them (is_stranger, their own team_id), but
	 * users.list and users.lookupByEmail do not know them, so their email may clash with a member's.
	 */
	addStranger(input: StrangerInput): EmulatedUser {
		const id = input.id ?? this.nextId('U', this.users);
		if (this.users.has(id)) throw new Error(`duplicate user id ${id}`);
		const user: EmulatedUser = {
			id,
			email: input.email,
			name: input.name,
			realName: input.name,
			displayName: '',
			deleted: false,
			isBot: false,
			isAppUser: false,
			isRestricted: false,
			isUltraRestricted: false,
			teamId: input.teamId ?? 'T0OTHERORG',
			isStranger: true,
			emailConfirmed: false,
		};
		this.users.set(id, user);
		return user;
	}

	/** Bulk users `<prefix><n>` / `<prefix><n>@<domain>`, numbered across calls so they never clash. */
	addUsers(count: number, options: BulkUserOptions = {}): EmulatedUser[] {
		const prefix = options.namePrefix ?? 'user';
		const domain = options.emailDomain ?? 'example.com';
		const added: EmulatedUser[] = [];
		for (let i = 0; i < count; i++) {
			const name = `${prefix}${++this.bulkSeq}`;
			added.push(
				this.addUser({ name, email: `${name}@${domain}`, realName: `User ${this.bulkSeq}` }),
			);
		}
		return added;
	}

	addChannel(input: ChannelInput): EmulatedChannel {
		const id = input.id ?? this.nextId('C', this.channels);
		if (this.channels.has(id)) throw new Error(`duplicate channel id ${id}`);
		if (this.channelByName(input.name)) throw new Error(`duplicate channel name ${input.name}`);
		const members = [...(input.members ?? [])];
		const channel: EmulatedChannel = {
			id,
			name: input.name,
			isPrivate: input.isPrivate ?? false,
			isArchived: input.isArchived ?? false,
			members,
			botIsMember: input.botIsMember ?? members.includes(this.botUserId),
			created: Math.floor(Date.now() / 1000),
		};
		this.channels.set(id, channel);
		return channel;
	}

	setBotMember(channelIdOrName: string, isMember: boolean): void {
		const channel = this.getChannel(channelIdOrName);
		if (!channel) throw new Error(`unknown channel ${channelIdOrName}`);
		channel.botIsMember = isMember;
	}

	getUser(id: string): EmulatedUser | undefined {
		return this.users.get(id);
	}

	getChannel(idOrName: string): EmulatedChannel | undefined {
		return this.channels.get(idOrName) ?? this.channelByName(idOrName);
	}

	/** The DM id opened with a user, if any (via conversations.open or posting to the user id). */
	dmChannelFor(userId: string): string | undefined {
		return this.dmByUser.get(userId);
	}

	/** Messages posted to a channel id/name, DM id, or a user (through their DM). */
	messagesFor(target: string): RecordedMessage[] {
		const id = this.dmByUser.get(target) ?? this.getChannel(target)?.id ?? target;
		return this.messages.filter((m) => m.channel === id);
	}

	// ---- auth, scopes, faults, records ----

	revokeToken(): void {
		this.revoked = true;
	}

	setScopes(scopes: readonly string[]): void {
		this.granted = new Set(scopes);
	}

	get scopes(): string[] {
		return [...this.granted];
	}

	/** The next `count` calls of `method` (`'*'`: any) get this fault instead of being handled. */
	failNext(method: string, count = 1, fault: FaultOptions = {}): void {
		this.faults.add(targets(method), count, { ...fault });
	}

	clearFaults(): void {
		this.faults.clear();
	}

	/** The next `count` calls of `method` get 429 with this Retry-After and are not handled. */
	throttleNext(method: string, count = 1, retryAfterSeconds = 1): void {
		this.failNext(method, count, { status: 429, retryAfter: retryAfterSeconds });
	}

	/** Calls of `method` beyond `perSecond` in the last rolling second get 429 and are not handled. */
	limitPerSecond(method: string, perSecond: number): void {
		this.rateLimits.limit(method, targets(method), perSecond);
	}

	/**
	 * Slack's published limits from now on: each method's tier a minute, chat.postMessage per
	 * channel (POSTS_PER_CHANNEL_BURST per as many seconds) and per workspace (`postsPerMinute`).
	 * `timeScale` shortens every window alike.
	 */
	usePublishedLimits(timeScale = 1, postsPerMinute = DEFAULT_POSTS_PER_MINUTE): void {
		if (!(timeScale > 0)) throw new Error('timeScale must be positive');
		const minuteMs = 60_000 / timeScale;
		this.published = {
			methods: new Map(
				Object.entries(SLACK_PUBLISHED_TIERS).map(([method, perMinute]) => [
					method,
					new WindowBudget(perMinute, minuteMs),
				]),
			),
			channels: new Map(),
			workspace: new WindowBudget(postsPerMinute, minuteMs),
			minuteMs,
		};
	}

	/** Drops every rate limit: limitPerSecond() and the published ones. */
	clearLimits(): void {
		this.rateLimits.clear();
		this.published = undefined;
	}

	/** How many calls of `method` a rate limit (limitPerSecond, the published ones) answered 429. */
	rateLimitedCount(method: string): number {
		return this.rateLimits.refusedCount(method);
	}

	/** Each matching call gets a random fault with probability `rate`; replaces any earlier setting. */
	faultRate(options: FaultRateOptions): void {
		this.randomFaults = { faults: new RandomFaults(options), options };
	}

	clearFaultRate(): void {
		this.randomFaults = undefined;
	}

	/** Faults of this kind injected since the last faultRate(). */
	injectedCount(kind: FaultKind): number {
		return this.randomFaults?.faults.count(kind) ?? 0;
	}

	/** Every matching call answers `status` (without being handled) for `durationMs`. */
	outage(methods: string | readonly string[], durationMs: number, status = 503): void {
		this.currentOutage = new Outage(targets(methods), durationMs, status);
	}

	endOutage(): void {
		this.currentOutage = undefined;
	}

	/** That list method answers the same non-empty next_cursor forever, like a buggy server. */
	repeatCursor(method: (typeof REPEATABLE)[number]): void {
		if (!REPEATABLE.includes(method)) throw new Error(`repeatCursor does not support ${method}`);
		this.repeatingCursors.add(method);
	}

	callCount(method: string): number {
		return this.calls.filter((c) => c.method === method).length;
	}

	clearRecords(): void {
		this.messages.length = 0;
		this.calls.length = 0;
	}

	// ---- HTTP ----

	private async route(req: IncomingMessage): Promise<Reply> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const match = /^\/api\/([\w.-]+)$/.exec(url.pathname);
		if (!match) return { status: 404, body: { ok: false, error: 'unknown_method' } };
		if (req.method !== 'GET' && req.method !== 'POST') {
			return { status: 405, body: { ok: false, error: 'method_not_allowed' } };
		}
		let body: Params;
		try {
			body = await readBody(req);
		} catch (err) {
			if (err instanceof ApiError) return fail(err);
			throw err;
		}
		// Slack merges query-string and body params, the body winning.
		const params = decodeJsonFields({ ...Object.fromEntries(url.searchParams), ...body });
		return this.dispatch(match[1], params, bearerToken(req));
	}

	private dispatch(method: string, params: Params, headerToken: string | undefined): Reply {
		// Slack also takes the token as a param; never keep it in the records.
		const token = headerToken ?? asString(params.token);
		delete params.token;
		const call: RecordedCall = { method, params, token, at: Date.now() };
		this.calls.push(call);
		const reply = this.answer(method, params, token);
		call.answer =
			reply.status !== 200 ? String(reply.status) : reply.body.ok ? 'ok' : String(reply.body.error);
		return reply;
	}

	private answer(method: string, params: Params, token: string | undefined): Reply {
		const refused =
			this.outageReply(method) ??
			this.rateLimitReply(method) ??
			this.publishedLimitReply(method, params);
		if (refused) return refused;
		const fault = this.faults.take(method);
		if (fault) return faultReply(fault);
		const random = this.drawRandomFault(method);
		if (random === 'reset') return { status: 0, body: {}, lost: 'reset' };
		if (random === '429') return faultReply({ status: 429, retryAfter: 1 });
		if (random === '500' || random === '503') return faultReply({ status: Number(random) });
		const reply = this.handle(method, params, token);
		if (random === 'reset_after') return { ...reply, lost: 'reset' };
		if (random === 'timeout_after') return { ...reply, lost: 'hold' };
		return reply;
	}

	private handle(method: string, params: Params, token: string | undefined): Reply {
		try {
			const handler = this.handlers[method];
			if (!handler) throw new ApiError('unknown_method', { req_method: method });
			this.authenticate(token);
			this.requireScope(METHOD_SCOPES[method]);
			return { status: 200, body: { ok: true, ...handler(params) } };
		} catch (err) {
			if (err instanceof ApiError) return fail(err);
			throw err;
		}
	}

	private outageReply(method: string): Reply | undefined {
		const outage = this.currentOutage;
		if (!outage?.appliesTo(method)) return undefined;
		if (outage.status === 429) return faultReply({ retryAfter: outage.secondsLeft() });
		return faultReply({ status: outage.status });
	}

	private rateLimitReply(method: string): Reply | undefined {
		const retryAfter = this.rateLimits.take(method);
		return retryAfter === 0 ? undefined : faultReply({ retryAfter });
	}

	private publishedLimitReply(method: string, params: Params): Reply | undefined {
		const limits = this.published;
		if (!limits) return undefined;
		let retryAfter = limits.methods.get(method)?.take() ?? 0;
		if (method === 'chat.postMessage') {
			const channel = this.limitChannel(params.channel);
			let budget = limits.channels.get(channel);
			if (!budget) {
				const windowMs = (POSTS_PER_CHANNEL_BURST * limits.minuteMs) / 60;
				budget = new WindowBudget(POSTS_PER_CHANNEL_BURST, windowMs);
				limits.channels.set(channel, budget);
			}
			retryAfter = budget.take() || limits.workspace.take();
		}
		if (retryAfter === 0) return undefined;
		this.rateLimits.count(method);
		return faultReply({ retryAfter });
	}

	/** A user id and the DM it posts into are one channel for the per-channel limit. */
	private limitChannel(ref: unknown): string {
		const value = asString(ref) ?? '';
		const user = this.users.has(value) ? value : this.userByDm.get(value);
		return user ? `dm:${user}` : (this.channelByName(value)?.id ?? value);
	}

	private drawRandomFault(method: string): FaultKind | undefined {
		const random = this.randomFaults;
		if (!random) return undefined;
		if (random.options.methods && !random.options.methods.includes(method)) return undefined;
		return random.faults.draw();
	}

	private authenticate(token: string | undefined): void {
		// Real Slack says `not_authed` for a missing token; tests treat both as bad credentials.
		if (!token || token !== this.token) throw new ApiError('invalid_auth');
		if (this.revoked) throw new ApiError('token_revoked');
	}

	private requireScope(scope: string | undefined): void {
		if (scope === undefined || this.granted.has(scope)) return;
		throw new ApiError('missing_scope', { needed: scope, provided: this.scopes.join(',') });
	}

	// ---- methods ----

	private authTest(): Params {
		const slug = this.teamName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
		return {
			url: `https://${slug}.slack.com/`,
			team: this.teamName,
			user: this.botUserName(),
			team_id: this.teamId,
			user_id: this.botUserId,
			bot_id: this.botId,
			is_enterprise_install: false,
		};
	}

	private usersList(p: Params): Params {
		const members = [...this.users.values()].filter((u) => !u.isStranger);
		const { page, nextCursor } = paginate(members, p, 'user');
		return {
			members: page.map((u) => this.userJson(u)),
			cache_ts: Math.floor(Date.now() / 1000),
			response_metadata: { next_cursor: this.nextCursorFor('users.list', 'user', nextCursor) },
		};
	}

	private usersInfo(p: Params): Params {
		const id = asString(p.user) ?? '';
		if (id === this.botUserId) return { user: this.botUserJson() };
		const user = this.users.get(id);
		if (!user) throw new ApiError('user_not_found');
		return { user: this.userJson(user) };
	}

	private usersLookupByEmail(p: Params): Params {
		const email = asString(p.email)?.trim().toLowerCase();
		if (!email) throw new ApiError('invalid_arguments');
		// Deactivated users are still found, flagged `deleted: true`.
		const user = this.usersByEmail.get(email);
		if (!user) throw new ApiError('users_not_found');
		return { user: this.userJson(user) };
	}

	private conversationsList(p: Params): Params {
		const types = parseTypes(p.types);
		for (const type of types) this.requireScope(TYPE_SCOPES[type]);
		const excludeArchived = asBool(p.exclude_archived);
		const items: Conversation[] = [...this.channels.values()]
			.filter((c) => types.has(c.isPrivate ? 'private_channel' : 'public_channel'))
			.filter((c) => this.botCanSee(c) && !(excludeArchived && c.isArchived))
			.map((c) => ({ kind: 'channel', id: c.id, channel: c }));
		if (types.has('im')) items.push(...this.openDms());
		const { page, nextCursor } = paginate(items, p, 'channel');
		return {
			channels: page.map((c) => this.conversationJson(c)),
			response_metadata: {
				next_cursor: this.nextCursorFor('conversations.list', 'channel', nextCursor),
			},
		};
	}

	private conversationsInfo(p: Params): Params {
		const conversation = this.visibleConversation(p.channel, false);
		this.requireScope(conversationScope(conversation));
		return { channel: this.conversationJson(conversation) };
	}

	private conversationsMembers(p: Params): Params {
		const conversation = this.visibleConversation(p.channel, false);
		this.requireScope(conversationScope(conversation));
		const members =
			conversation.kind === 'im'
				? [conversation.userId, this.botUserId]
				: conversation.channel.members;
		const { page, nextCursor } = paginate(members, p, 'member');
		return { members: page, response_metadata: { next_cursor: nextCursor } };
	}

	private conversationsJoin(p: Params): Params {
		const conversation = this.visibleConversation(p.channel, false);
		if (conversation.kind !== 'channel' || conversation.channel.isPrivate) {
			throw new ApiError('method_not_supported_for_channel_type');
		}
		const channel = conversation.channel;
		if (channel.isArchived) throw new ApiError('is_archived');
		const already = channel.botIsMember;
		channel.botIsMember = true;
		if (!channel.members.includes(this.botUserId)) channel.members.push(this.botUserId);
		const json = { channel: this.conversationJson(conversation) };
		if (!already) return json;
		return {
			...json,
			warning: 'already_in_channel',
			response_metadata: { warnings: ['already_in_channel'] },
		};
	}

	private conversationsOpen(p: Params): Params {
		const existing = asString(p.channel);
		if (existing !== undefined) return this.reopenDm(existing);
		const ids = splitList(p.users);
		if (ids.length === 0) throw new ApiError('users_list_not_supplied');
		if (ids.length > 1)
			throw new ApiError('emulator_unsupported', { detail: 'group DMs are not emulated' });
		const user = this.users.get(ids[0]);
		if (!user) throw new ApiError('user_not_found');
		if (user.deleted) throw new ApiError('user_disabled');
		const alreadyOpen = this.dmByUser.has(user.id);
		const id = this.ensureDm(user.id);
		const channel = asBool(p.return_im)
			? this.conversationJson({ kind: 'im', id, userId: user.id })
			: { id };
		return { no_op: alreadyOpen, already_open: alreadyOpen, channel };
	}

	private reopenDm(id: string): Params {
		const userId = this.userByDm.get(id);
		if (!userId) throw new ApiError('channel_not_found');
		return { no_op: true, already_open: true, channel: { id } };
	}

	private conversationsHistory(p: Params): Params {
		const conversation = this.historyConversation(p.channel);
		this.requireScope(historyScope(conversation));
		const oldest = asString(p.oldest);
		const latest = asString(p.latest);
		const inclusive = asBool(p.inclusive);
		const inRange = (ts: string) => {
			const t = tsMicros(ts);
			if (oldest && (inclusive ? t < tsMicros(oldest) : t <= tsMicros(oldest))) return false;
			return !latest || (inclusive ? t <= tsMicros(latest) : t < tsMicros(latest));
		};
		// Recorded in ts order, so newest first is the reverse.
		const items = this.messages.filter((m) => m.channel === conversation.id && inRange(m.ts));
		items.reverse();
		const { page, nextCursor } = paginate(items, p, 'history', MAX_HISTORY_LIMIT);
		const withMetadata = asBool(p.include_all_metadata);
		return {
			messages: page.map((m) => ({
				...this.messageJson(m.text, m.blocks, m.ts, m),
				...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
			})),
			has_more: nextCursor !== '',
			pin_count: 0,
			response_metadata: { next_cursor: nextCursor },
		};
	}

	/** History needs a conversation id (no names) the bot is in, public channels included. */
	private historyConversation(ref: unknown): Conversation {
		const value = asString(ref) ?? '';
		const dmUser = this.userByDm.get(value);
		if (dmUser) return { kind: 'im', id: value, userId: dmUser };
		const channel = this.channels.get(value);
		if (!channel) throw new ApiError('channel_not_found');
		if (!channel.botIsMember) throw new ApiError('not_in_channel');
		return { kind: 'channel', id: channel.id, channel };
	}

	private chatPostMessage(p: Params): Params {
		const target = this.postTarget(p.channel);
		const text = asString(p.text);
		const blocks = p.blocks;
		checkContent(text, blocks, p.attachments);
		const metadata = checkMetadata(p.metadata);
		const ts = this.nextTs();
		this.messages.push({
			...p,
			channel: target.id,
			requestedChannel: p.channel,
			text,
			blocks,
			metadata,
			ts,
		});
		return { channel: target.id, ts, message: this.messageJson(text, blocks, ts, p) };
	}

	/** Resolves where a post lands and enforces Slack's membership rules. */
	private postTarget(ref: unknown): Conversation {
		const value = asString(ref) ?? '';
		const user = this.users.get(value);
		// Posting to a user id posts into the app's DM with them.
		const conversation: Conversation = user
			? { kind: 'im', id: this.ensureDm(user.id), userId: user.id }
			: this.visibleConversation(value, true);
		if (conversation.kind === 'im') {
			// A deactivated user's DM is archived.
			if (this.users.get(conversation.userId)?.deleted) throw new ApiError('is_archived');
			return conversation;
		}
		const channel = conversation.channel;
		if (channel.isArchived) throw new ApiError('is_archived');
		// Real Slack answers `not_in_channel` (not missing_scope) when chat:write.public is absent.
		if (!channel.botIsMember && !this.granted.has('chat:write.public'))
			throw new ApiError('not_in_channel');
		return conversation;
	}

	// ---- helpers ----

	/** Finds a conversation the bot can see; private channels it is not in are invisible. */
	private visibleConversation(ref: unknown, allowNames: boolean): Conversation {
		const value = asString(ref) ?? '';
		const dmUser = this.userByDm.get(value);
		if (dmUser) return { kind: 'im', id: value, userId: dmUser };
		const channel =
			this.channels.get(value) ?? (allowNames ? this.channelByName(value) : undefined);
		if (!channel || !this.botCanSee(channel)) throw new ApiError('channel_not_found');
		return { kind: 'channel', id: channel.id, channel };
	}

	private botCanSee(channel: EmulatedChannel): boolean {
		return !channel.isPrivate || channel.botIsMember;
	}

	private channelByName(name: string): EmulatedChannel | undefined {
		const bare = name.replace(/^#/, '');
		for (const channel of this.channels.values()) if (channel.name === bare) return channel;
		return undefined;
	}

	private openDms(): Conversation[] {
		return [...this.dmByUser].map(([userId, id]) => ({ kind: 'im', id, userId }));
	}

	/** One stable DM id per user, as in Slack. */
	private ensureDm(userId: string): string {
		const existing = this.dmByUser.get(userId);
		if (existing) return existing;
		const id = this.nextId('D', this.userByDm);
		this.dmByUser.set(userId, id);
		this.userByDm.set(id, userId);
		return id;
	}

	private nextCursorFor(method: string, kind: string, next: string): string {
		return this.repeatingCursors.has(method) ? encodeCursor(kind, 0) : next;
	}

	private nextId(prefix: string, taken: Map<string, unknown>): string {
		let id: string;
		do {
			id = `${prefix}${(++this.idSeq).toString(36).toUpperCase().padStart(9, '0')}`;
		} while (taken.has(id));
		return id;
	}

	/** Unique, strictly increasing `seconds.micros` timestamps, like Slack message ts. */
	private nextTs(): string {
		this.lastTsMicros = Math.max(this.lastTsMicros + 1, Date.now() * 1000);
		const seconds = Math.floor(this.lastTsMicros / 1e6);
		const micros = this.lastTsMicros % 1e6;
		return `${seconds}.${String(micros).padStart(6, '0')}`;
	}

	private botUserName(): string {
		return this.appName.toLowerCase().replace(/\s+/g, '_');
	}

	private userJson(u: EmulatedUser): Params {
		return {
			id: u.id,
			team_id: u.teamId ?? this.teamId,
			name: u.name,
			deleted: u.deleted,
			real_name: u.realName,
			is_admin: false,
			is_owner: false,
			is_bot: u.isBot,
			is_app_user: u.isAppUser,
			is_restricted: u.isRestricted,
			is_ultra_restricted: u.isUltraRestricted,
			is_stranger: u.isStranger,
			is_email_confirmed: u.emailConfirmed,
			profile: {
				email: u.email,
				real_name: u.realName,
				real_name_normalized: u.realName,
				display_name: u.displayName,
				display_name_normalized: u.displayName,
				team: u.teamId ?? this.teamId,
			},
		};
	}

	private botUserJson(): Params {
		const json = this.userJson({
			id: this.botUserId,
			name: this.botUserName(),
			realName: this.appName,
			displayName: '',
			deleted: false,
			isBot: true,
			isAppUser: false,
			isRestricted: false,
			isUltraRestricted: false,
			isStranger: false,
			emailConfirmed: false,
		});
		return { ...json, profile: { ...(json.profile as Params), bot_id: this.botId } };
	}

	private conversationJson(c: Conversation): Params {
		if (c.kind === 'im') {
			const deleted = this.users.get(c.userId)?.deleted ?? false;
			return {
				id: c.id,
				is_im: true,
				is_org_shared: false,
				user: c.userId,
				is_user_deleted: deleted,
			};
		}
		const ch = c.channel;
		const empty = { value: '', creator: '', last_set: 0 };
		return {
			id: ch.id,
			name: ch.name,
			name_normalized: ch.name.toLowerCase(),
			is_channel: !ch.isPrivate,
			is_group: false,
			is_im: false,
			is_mpim: false,
			is_private: ch.isPrivate,
			is_archived: ch.isArchived,
			is_general: ch.name === 'general',
			is_member: ch.botIsMember,
			is_shared: false,
			is_ext_shared: false,
			is_org_shared: false,
			created: ch.created,
			creator: '',
			num_members: ch.members.length,
			topic: empty,
			purpose: empty,
		};
	}

	private messageJson(text: string | undefined, blocks: unknown, ts: string, p: Params): Params {
		return {
			type: 'message',
			user: this.botUserId,
			bot_id: this.botId,
			app_id: this.appId,
			team: this.teamId,
			text: text ?? '',
			ts,
			...(blocks !== undefined ? { blocks } : {}),
			...(p.thread_ts !== undefined ? { thread_ts: String(p.thread_ts) } : {}),
		};
	}
}

// ---- request parsing ----

async function readBody(req: IncomingMessage): Promise<Params> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const raw = Buffer.concat(chunks).toString('utf8');
	if (raw === '') return {};
	const type = (req.headers['content-type'] ?? '').toLowerCase();
	if (type.startsWith('application/json')) return parseJsonObject(raw);
	if (type.startsWith('multipart/'))
		throw new ApiError('emulator_unsupported', { detail: 'multipart bodies' });
	return Object.fromEntries(new URLSearchParams(raw));
}

function parseJsonObject(raw: string): Params {
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		throw new ApiError('invalid_json');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw new ApiError('invalid_json');
	return value as Params;
}

/** Parses JSON-string fields; a malformed one stays a string so validation can reject it. */
function decodeJsonFields(params: Params): Params {
	for (const key of JSON_FIELDS) {
		const value = params[key];
		if (typeof value !== 'string') continue;
		try {
			params[key] = JSON.parse(value);
		} catch {
			// left as the raw string
		}
	}
	return params;
}

function bearerToken(req: IncomingMessage): string | undefined {
	const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
	return match?.[1];
}

function asString(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return undefined;
}

function asBool(value: unknown): boolean {
	return value === true || value === 1 || value === 'true' || value === '1';
}

function splitList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map(String) : (asString(value) ?? '').split(',');
	return parts.map((s) => s.trim()).filter((s) => s !== '');
}

function parseTypes(value: unknown): Set<string> {
	const types = splitList(value);
	if (types.length === 0) return new Set(['public_channel']);
	if (types.some((t) => !(t in TYPE_SCOPES))) throw new ApiError('invalid_types');
	return new Set(types);
}

function conversationScope(c: Conversation): string {
	if (c.kind === 'im') return TYPE_SCOPES.im;
	return c.channel.isPrivate ? TYPE_SCOPES.private_channel : TYPE_SCOPES.public_channel;
}

function historyScope(c: Conversation): string {
	if (c.kind === 'im') return HISTORY_SCOPES.im;
	return c.channel.isPrivate ? HISTORY_SCOPES.private_channel : HISTORY_SCOPES.public_channel;
}

/** `seconds.micros` as an exact integer (a float would lose the micros). */
function tsMicros(ts: string): number {
	const [seconds, fraction = ''] = ts.split('.');
	return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

function checkContent(text: string | undefined, blocks: unknown, attachments: unknown): void {
	if (blocks !== undefined && !Array.isArray(blocks)) throw new ApiError('invalid_blocks_format');
	const errors = Array.isArray(blocks) ? blockKitErrors(blocks) : [];
	if (errors.length > 0) {
		const messages = errors.map((e) => `[ERROR] ${e}`);
		throw new ApiError('invalid_blocks', { errors, response_metadata: { messages } });
	}
	const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
	if (!text && !hasBlocks && attachments === undefined) throw new ApiError('no_text');
	if (text !== undefined && text.length > MAX_TEXT) throw new ApiError('msg_too_long');
}

function checkMetadata(value: unknown): MessageMetadata | undefined {
	if (value === undefined || value === '') return undefined;
	const m = value as Partial<MessageMetadata> | null;
	if (typeof m !== 'object' || m === null || Array.isArray(m))
		throw new ApiError('invalid_metadata_format');
	const payload = m.event_payload;
	const payloadOk = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
	if (typeof m.event_type !== 'string' || !m.event_type || !payloadOk)
		throw new ApiError('invalid_metadata_schema');
	return { event_type: m.event_type, event_payload: payload };
}

// ---- responses ----

function fail(err: ApiError): Reply {
	return { status: 200, body: { ok: false, error: err.code, ...err.extra } };
}

function faultReply(fault: FaultOptions): Reply {
	const rateLimited =
		fault.status === 429 || (fault.status === undefined && fault.retryAfter !== undefined);
	if (rateLimited) {
		return {
			status: 429,
			body: { ok: false, error: fault.error ?? 'ratelimited' },
			headers: { 'Retry-After': String(fault.retryAfter ?? 1) },
		};
	}
	// An error code alone is an ordinary Slack failure; anything else an HTTP-level one.
	const status = fault.status ?? (fault.error !== undefined ? 200 : 500);
	const error = fault.error ?? (status === 503 ? 'service_unavailable' : 'internal_error');
	return { status, body: { ok: false, error } };
}

// ---- pagination ----

function paginate<T>(
	items: T[],
	params: Params,
	kind: string,
	maxLimit = MAX_LIMIT,
): { page: T[]; nextCursor: string } {
	const limit = pageLimit(params.limit, maxLimit);
	const offset = decodeCursor(params.cursor, kind);
	const page = items.slice(offset, offset + limit);
	const end = offset + page.length;
	return { page, nextCursor: end < items.length ? encodeCursor(kind, end) : '' };
}

function pageLimit(raw: unknown, maxLimit: number): number {
	const n = Number(raw);
	if (raw === undefined || raw === '' || !Number.isFinite(n) || n <= 0) return DEFAULT_LIMIT;
	return Math.min(Math.floor(n), maxLimit);
}

// Opaque like Slack's (`dXNlcjpVMDYx…` = base64 of `user:U061…`).
function encodeCursor(kind: string, offset: number): string {
	return Buffer.from(`${kind}:${offset}`).toString('base64');
}

function decodeCursor(raw: unknown, kind: string): number {
	const cursor = asString(raw);
	if (!cursor) return 0;
	const match = /^(\w+):(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
	if (!match || match[1] !== kind) throw new ApiError('invalid_cursor');
	return Number(match[2]);
}
