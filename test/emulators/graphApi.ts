/**
 * A loopback emulator of the Microsoft Graph subset the perks nodes use, plus the Entra
 * (login.microsoftonline.com) token endpoint, for tests. It copies Graph's habits: errors are
 * `{error:{code,message}}`, lists are `{value, @odata.nextLink}`, access tokens expire, rate
 * limits are 429 + Retry-After, and only the signed-in (service) account's memberships count.
 * Only `node:http`, no frameworks.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../harness/closeServer';
import { PERKS_TEAMS_SCOPES } from '../../credentials/PerksMicrosoftTeamsOAuth2Api.credentials';

export type Json = Record<string, unknown>;

export interface GraphUserInput {
	id?: string;
	displayName: string;
	userPrincipalName: string;
	mail?: string;
	otherMails?: string[];
	/** `SMTP:` marks the primary address, `smtp:` an alias. */
	proxyAddresses?: string[];
	accountEnabled?: boolean;
}

/**
 * Live state: tests may change the fields (e.g. `user.accountEnabled = false`), except the
 * addresses (mail, UPN, otherMails, proxyAddresses): they are indexed as added.
 */
export interface EmulatedGraphUser {
	readonly id: string;
	displayName: string;
	userPrincipalName: string;
	mail?: string;
	otherMails: string[];
	proxyAddresses: string[];
	accountEnabled: boolean;
}

export interface TeamInput {
	id?: string;
	displayName: string;
	isArchived?: boolean;
	/** Whether the service account belongs to the team. Default true. */
	serviceAccountIsMember?: boolean;
	channels?: string[];
}

export interface EmulatedChannel {
	readonly id: string;
	displayName: string;
}

export interface EmulatedTeam {
	readonly id: string;
	displayName: string;
	isArchived: boolean;
	serviceAccountIsMember: boolean;
	readonly channels: EmulatedChannel[];
}

export interface RecordedRequest {
	method: string;
	/** The route pattern, e.g. `POST /chats/{id}/messages`: what `callCount` counts. */
	route: string;
	path: string;
	query: Record<string, string>;
	body?: unknown;
	token?: string;
}

export interface RecordedMessage {
	id: string;
	/** `chat:<chat id>` or `channel:<team id>/<channel id>`. */
	target: string;
	body: { contentType: string; content: string };
	attachments?: Json[];
}

export interface FaultOptions {
	/** Default 429 when `retryAfter` is set, else 503. */
	status?: number;
	retryAfter?: number;
	code?: string;
	message?: string;
}

export interface GraphEmulatorOptions {
	clientId?: string;
	clientSecret?: string;
	accessTokenLifetimeSeconds?: number;
	serviceAccount?: { displayName: string; userPrincipalName: string };
}

/** The emulator grants what the credential asks for; `setScopes` takes some away. */
export const ALL_SCOPES: readonly string[] = PERKS_TEAMS_SCOPES;

const MAX_TOP = 999;
const DEFAULT_TOP = 100;
const MAX_MESSAGE_BYTES = 28 * 1024;
const DEFAULT_USER_FIELDS = ['id', 'displayName', 'mail', 'userPrincipalName'];

interface Reply {
	/** Done, but the answer never reaches the caller. */
	drop?: boolean;
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

interface Request {
	method: string;
	params: string[];
	query: URLSearchParams;
	body: Json;
	me: EmulatedGraphUser;
}

interface Route {
	method: string;
	name: string;
	pattern: RegExp;
	scope?: string;
	handle: (request: Request) => Reply;
}

/** Thrown by handlers; becomes Graph's `{error:{code,message}}`. */
class GraphError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

const notFound = (what: string) =>
	new GraphError(404, 'NotFound', `${what} does not exist or is not visible to the caller.`);

export class GraphEmulator {
	readonly clientId: string;
	readonly clientSecret: string;
	readonly serviceAccount: EmulatedGraphUser;
	readonly requests: RecordedRequest[] = [];
	readonly messages: RecordedMessage[] = [];
	accessTokenLifetimeSeconds: number;

	private server?: Server;
	private origin?: string;
	private granted = new Set<string>(ALL_SCOPES);
	private readonly users = new Map<string, EmulatedGraphUser>();
	/** `<field>:<lower-case address>` → users, so a `$filter` or UPN lookup is O(1), not a scan. */
	private readonly byAddress = new Map<string, EmulatedGraphUser[]>();
	/** Insertion order, to list filter matches in the order a scan would. */
	private readonly position = new Map<EmulatedGraphUser, number>();
	private readonly teams = new Map<string, EmulatedTeam>();
	private readonly chats = new Map<string, string[]>();
	private readonly accessTokens = new Map<string, number>();
	private readonly refreshTokens = new Set<string>();
	private readonly codes = new Set<string>();
	private readonly faults = new Map<string, FaultOptions[]>();
	private readonly drops = new Map<string, number>();
	private seq = 0;

	private readonly routes: Route[] = [
		this.route('GET', '/me', 'User.Read', (r) => ({
			status: 200,
			body: this.userJson(r.me, r.query),
		})),
		this.route('GET', '/users', 'User.Read.All', (r) => this.listUsers(r.query)),
		this.route('GET', '/users/{id}', 'User.Read.All', (r) => ({
			status: 200,
			body: this.userJson(this.userByKey(r.params[0]), r.query),
		})),
		this.route('POST', '/chats', 'Chat.Create', (r) => this.createChat(r)),
		this.route('POST', '/chats/{id}/messages', 'ChatMessage.Send', (r) =>
			this.postMessage(`chat:${this.chat(r.params[0], r.me)}`, r.body),
		),
		this.route('GET', '/chats/{id}/messages', 'ChatMessage.Send', (r) =>
			this.listMessages(`chat:${this.chat(r.params[0], r.me)}`),
		),
		this.route('GET', '/me/joinedTeams', 'Team.ReadBasic.All', () => this.joinedTeams()),
		this.route('GET', '/teams/{id}/channels', 'Channel.ReadBasic.All', (r) => ({
			status: 200,
			body: {
				value: this.team(r.params[0]).channels.map((c) => ({ ...c, membershipType: 'standard' })),
			},
		})),
		this.route('POST', '/teams/{id}/channels/{id}/messages', 'ChannelMessage.Send', (r) => {
			const target = this.channelTarget(r.params[0], r.params[1]);
			if (this.teams.get(r.params[0])?.isArchived) {
				throw new GraphError(403, 'Forbidden', 'The team is archived; it is read-only.');
			}
			return this.postMessage(target, r.body);
		}),
		this.route('GET', '/teams/{id}/channels/{id}/messages', 'ChannelMessage.Send', (r) =>
			this.listMessages(this.channelTarget(r.params[0], r.params[1])),
		),
	];

	constructor(options: GraphEmulatorOptions = {}) {
		this.clientId = options.clientId ?? 'perks-client-id';
		this.clientSecret = options.clientSecret ?? 'perks-client-secret';
		this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600;
		this.serviceAccount = this.addUser(
			options.serviceAccount ?? {
				displayName: 'Perks Bot',
				userPrincipalName: 'perks-bot@contoso.test',
			},
		);
	}

	// ---- lifecycle ----

	async start(): Promise<string> {
		if (this.origin) return this.origin;
		const server = createServer((req, res) => {
			void this.onRequest(req, res);
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve());
		});
		this.server = server;
		this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		return this.origin;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		this.origin = undefined;
		await closeServer(server);
	}

	/** The credential's "Graph API Base URL". */
	get graphBaseUrl(): string {
		if (!this.origin) throw new Error('GraphEmulator is not started');
		return this.origin;
	}

	/** The credential's "Login Base URL": tokens at `<this>/<tenant>/oauth2/v2.0/token`. */
	get loginBaseUrl(): string {
		return `${this.graphBaseUrl}/login`;
	}

	// ---- state ----

	addUser(input: GraphUserInput): EmulatedGraphUser {
		const id = input.id ?? this.nextId();
		if (this.users.has(id) || this.findByUpn(input.userPrincipalName)) {
			throw new Error(`duplicate user ${id} / ${input.userPrincipalName}`);
		}
		const user: EmulatedGraphUser = {
			id,
			displayName: input.displayName,
			userPrincipalName: input.userPrincipalName,
			mail: input.mail,
			otherMails: [...(input.otherMails ?? [])],
			proxyAddresses: [...(input.proxyAddresses ?? [])],
			accountEnabled: input.accountEnabled ?? true,
		};
		this.users.set(id, user);
		this.position.set(user, this.position.size);
		for (const field of ADDRESS_FIELDS) {
			const actual = user[field];
			for (const value of Array.isArray(actual) ? actual : [actual]) {
				if (typeof value !== 'string') continue;
				const key = `${field}:${value.toLowerCase()}`;
				const list = this.byAddress.get(key);
				if (list) list.push(user);
				else this.byAddress.set(key, [user]);
			}
		}
		return user;
	}

	/** `count` users `user<n>@<domain>` (mail and UPN). */
	addUsers(count: number, domain = 'contoso.test'): EmulatedGraphUser[] {
		return Array.from({ length: count }, () => {
			const n = ++this.seq;
			return this.addUser({
				displayName: `User ${n}`,
				userPrincipalName: `user${n}@${domain}`,
				mail: `user${n}@${domain}`,
			});
		});
	}

	addTeam(input: TeamInput): EmulatedTeam {
		const id = input.id ?? this.nextId();
		const team: EmulatedTeam = {
			id,
			displayName: input.displayName,
			isArchived: input.isArchived ?? false,
			serviceAccountIsMember: input.serviceAccountIsMember ?? true,
			channels: (input.channels ?? ['General']).map((displayName) => ({
				id: `19:${randomBytes(8).toString('hex')}@thread.tacv2`,
				displayName,
			})),
		};
		this.teams.set(id, team);
		return team;
	}

	/** The ids of the 1:1 chats created so far, one per pair of users. */
	get chatIds(): string[] {
		return [...this.chats.keys()];
	}

	messagesIn(target: string): RecordedMessage[] {
		return this.messages.filter((m) => m.target === target);
	}

	// ---- tokens, scopes, faults, records ----

	/** A fresh access + refresh token pair, as after a sign-in. */
	issueTokens(): { accessToken: string; refreshToken: string } {
		const accessToken = `eyJ.${randomBytes(24).toString('base64url')}`;
		const refreshToken = `rt.${randomBytes(24).toString('base64url')}`;
		this.accessTokens.set(accessToken, Date.now() + this.accessTokenLifetimeSeconds * 1000);
		this.refreshTokens.add(refreshToken);
		return { accessToken, refreshToken };
	}

	/** Every access token issued so far is now expired (refresh tokens still work). */
	expireAccessTokens(): void {
		for (const token of this.accessTokens.keys()) this.accessTokens.set(token, 0);
	}

	/** A refresh now fails with invalid_grant, as after a password change or revocation. */
	revokeRefreshTokens(): void {
		this.refreshTokens.clear();
	}

	setScopes(scopes: readonly string[]): void {
		this.granted = new Set(scopes);
	}

	/** The next `count` calls of a route (e.g. `POST /chats/{id}/messages`) get this fault. */
	failNext(route: string, count = 1, fault: FaultOptions = {}): void {
		const queue = this.faults.get(route) ?? [];
		for (let i = 0; i < count; i++) queue.push({ ...fault });
		this.faults.set(route, queue);
	}

	/**
	 * The next `count` calls of a route are carried out (a message is stored) but their answer is
	 * lost: the connection is cut instead, as when a timeout or reset hits after Graph acted.
	 */
	dropAnswerNext(route: string, count = 1): void {
		this.drops.set(route, (this.drops.get(route) ?? 0) + count);
	}

	rateLimit(route: string, retryAfterSeconds = 1, count = 1): void {
		this.failNext(route, count, { status: 429, retryAfter: retryAfterSeconds });
	}

	callCount(route: string): number {
		return this.requests.filter((r) => r.route === route).length;
	}

	clearRecords(): void {
		this.requests.length = 0;
		this.messages.length = 0;
	}

	// ---- HTTP ----

	private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
		let reply: Reply;
		try {
			reply = await this.dispatch(req);
			if (reply.drop) {
				res.destroy();
				return;
			}
		} catch (error) {
			reply =
				error instanceof GraphError
					? { status: error.status, body: { error: { code: error.code, message: error.message } } }
					: {
							status: 500,
							body: { error: { code: 'InternalServerError', message: String(error) } },
						};
		}
		res.writeHead(reply.status, {
			...(reply.body === undefined ? {} : { 'Content-Type': 'application/json' }),
			...reply.headers,
		});
		res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
	}

	private async dispatch(req: IncomingMessage): Promise<Reply> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = req.method ?? 'GET';
		const raw = await readBody(req);
		const login = /^\/login\/([^/]+)\/oauth2\/v2\.0\/(token|authorize)$/.exec(url.pathname);
		if (login) {
			const form = new URLSearchParams(raw);
			this.requests.push({
				method,
				route: `${method} /oauth2/${login[2]}`,
				path: url.pathname,
				query: {},
			});
			return login[2] === 'token' ? this.token(form) : this.authorize(url.searchParams);
		}
		const path = url.pathname.replace(/^\/v1\.0/, '');
		const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
		const body = raw ? parseJson(raw) : {};
		const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
		this.requests.push({
			method,
			route: route ? `${method} ${route.name}` : `${method} ${path}`,
			path,
			query: Object.fromEntries(url.searchParams),
			...(raw ? { body } : {}),
			...(token ? { token } : {}),
		});
		if (!url.pathname.startsWith('/v1.0/') || !route)
			throw new GraphError(400, 'BadRequest', `Unsupported request: ${method} ${url.pathname}`);
		const fault = this.takeFault(`${method} ${route.name}`);
		if (fault) return faultReply(fault);
		this.authenticate(token);
		if (route.scope && !this.granted.has(route.scope)) throw this.missingScope(route);
		const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
		const reply = route.handle({ method, params, query: url.searchParams, body, me: this.serviceAccount });
		const drops = this.drops.get(`${method} ${route.name}`) ?? 0;
		if (drops > 0) this.drops.set(`${method} ${route.name}`, drops - 1);
		return drops > 0 ? { ...reply, drop: true } : reply;
	}

	private route(
		method: string,
		name: string,
		scope: string | undefined,
		handle: Route['handle'],
	): Route {
		const pattern = new RegExp(`^${name.replace(/\{id\}/g, '([^/]+)')}$`);
		return { method, name, pattern, scope, handle };
	}

	private takeFault(route: string): FaultOptions | undefined {
		const queue = this.faults.get(route);
		const fault = queue?.shift();
		if (queue?.length === 0) this.faults.delete(route);
		return fault;
	}

	private authenticate(token: string | undefined): void {
		const expiresAt = token ? this.accessTokens.get(token) : undefined;
		if (!token) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
		if (expiresAt === undefined)
			throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
		if (expiresAt <= Date.now()) {
			throw new GraphError(
				401,
				'InvalidAuthenticationToken',
				'Lifetime validation failed, the token is expired.',
			);
		}
	}

	/** Directory routes answer as Entra does, Teams routes as Teams does. */
	private missingScope(route: Route): GraphError {
		if (route.name.startsWith('/users')) {
			return new GraphError(
				403,
				'Authorization_RequestDenied',
				'Insufficient privileges to complete the operation.',
			);
		}
		return new GraphError(
			403,
			'Forbidden',
			`Missing scope permissions on the request. API requires one of '${route.scope}'. Scopes on the request '${[...this.granted].join(' ')}'`,
		);
	}

	// ---- OAuth2 (Entra v2 endpoints) ----

	private authorize(query: URLSearchParams): Reply {
		const redirect = query.get('redirect_uri');
		if (query.get('client_id') !== this.clientId || !redirect) {
			return {
				status: 400,
				body: {
					error: 'invalid_request',
					error_description: 'AADSTS700016: unknown client or redirect',
				},
			};
		}
		const code = `code.${randomBytes(12).toString('base64url')}`;
		this.codes.add(code);
		const location = new URL(redirect);
		location.searchParams.set('code', code);
		if (query.get('state')) location.searchParams.set('state', query.get('state')!);
		return { status: 302, headers: { Location: location.toString() } };
	}

	private token(form: URLSearchParams): Reply {
		if (
			form.get('client_id') !== this.clientId ||
			form.get('client_secret') !== this.clientSecret
		) {
			return {
				status: 401,
				body: {
					error: 'invalid_client',
					error_description: 'AADSTS7000215: Invalid client secret provided.',
				},
			};
		}
		const grant = form.get('grant_type');
		const presented = grant === 'refresh_token' ? form.get('refresh_token') : form.get('code');
		const pool =
			grant === 'refresh_token'
				? this.refreshTokens
				: grant === 'authorization_code'
					? this.codes
					: undefined;
		if (!pool)
			return {
				status: 400,
				body: { error: 'unsupported_grant_type', error_description: `AADSTS70003: ${grant}` },
			};
		if (!presented || !pool.has(presented)) {
			return {
				status: 400,
				body: {
					error: 'invalid_grant',
					error_description: 'AADSTS70000: The provided grant has expired or was revoked.',
				},
			};
		}
		if (grant === 'authorization_code') this.codes.delete(presented);
		const { accessToken, refreshToken } = this.issueTokens();
		return {
			status: 200,
			body: {
				token_type: 'Bearer',
				scope: [...this.granted].join(' '),
				expires_in: this.accessTokenLifetimeSeconds,
				ext_expires_in: this.accessTokenLifetimeSeconds,
				access_token: accessToken,
				refresh_token: refreshToken,
			},
		};
	}

	// ---- users ----

	private listUsers(query: URLSearchParams): Reply {
		const top = Number(query.get('$top') ?? DEFAULT_TOP);
		if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
			throw new GraphError(
				400,
				'Request_UnsupportedQuery',
				`Invalid page size specified: '${query.get('$top')}'. Must be between 1 and 999 inclusive.`,
			);
		}
		const filter = query.get('$filter');
		const all = filter ? this.matching(parseFilter(filter)) : [...this.users.values()];
		const offset = Number(Buffer.from(query.get('$skiptoken') ?? '', 'base64url').toString() || 0);
		if (!Number.isInteger(offset)) throw new GraphError(400, 'BadRequest', 'Invalid $skiptoken.');
		const page = all.slice(offset, offset + top);
		const body: Json = { value: page.map((u) => this.userJson(u, query)) };
		if (offset + top < all.length) {
			// Like Graph's: `$` left as is, values encoded.
			const next = new URLSearchParams(query);
			next.set('$skiptoken', Buffer.from(String(offset + top)).toString('base64url'));
			const pairs = [...next].map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
			body['@odata.nextLink'] = `${this.graphBaseUrl}/v1.0/users?${pairs.join('&')}`;
		}
		return { status: 200, body };
	}

	private userByKey(key: string): EmulatedGraphUser {
		const user = this.users.get(key) ?? this.findByUpn(key);
		if (!user) {
			throw new GraphError(
				404,
				'Request_ResourceNotFound',
				`Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
			);
		}
		return user;
	}

	private findByUpn(upn: string): EmulatedGraphUser | undefined {
		return this.byAddress.get(`userPrincipalName:${upn.toLowerCase()}`)?.[0];
	}

	/** The users any clause matches, in insertion order. */
	private matching(clauses: FilterClause[]): EmulatedGraphUser[] {
		const found = new Set(
			clauses.flatMap(({ field, value }) => this.byAddress.get(`${field}:${value}`) ?? []),
		);
		return [...found].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
	}

	/** Graph returns a default set of properties unless `$select` asks for others. */
	private userJson(user: EmulatedGraphUser, query: URLSearchParams): Json {
		const select =
			query
				.get('$select')
				?.split(',')
				.map((s) => s.trim()) ?? DEFAULT_USER_FIELDS;
		const all: Json = { ...user, mail: user.mail ?? null };
		return Object.fromEntries(select.filter((key) => key in all).map((key) => [key, all[key]]));
	}

	// ---- chats ----

	private createChat(r: Request): Reply {
		const members = Array.isArray(r.body.members) ? (r.body.members as Json[]) : [];
		if (r.body.chatType !== 'oneOnOne' || members.length !== 2) {
			throw new GraphError(
				400,
				'BadRequest',
				'A oneOnOne chat needs chatType "oneOnOne" and exactly two members.',
			);
		}
		const ids = members.map((m) => {
			const bind = /users\('([^']+)'\)/.exec(String(m['user@odata.bind'] ?? ''));
			if (!bind) throw new GraphError(400, 'BadRequest', 'Each member needs user@odata.bind.');
			return this.userByKey(bind[1]).id;
		});
		if (!ids.includes(r.me.id))
			throw new GraphError(403, 'Forbidden', 'The caller must be a member of the chat.');
		const id = `19:${[...ids].sort().join('_')}@unq.gbl.spaces`;
		if (!this.chats.has(id)) this.chats.set(id, ids);
		return {
			status: 201,
			body: { id, chatType: 'oneOnOne', createdDateTime: new Date().toISOString() },
		};
	}

	private chat(id: string, me: EmulatedGraphUser): string {
		if (!this.chats.get(id)?.includes(me.id)) throw notFound(`Chat '${id}'`);
		return id;
	}

	// ---- teams and channels ----

	private joinedTeams(): Reply {
		const value = [...this.teams.values()]
			.filter((t) => t.serviceAccountIsMember)
			.map(({ id, displayName, isArchived }) => ({ id, displayName, isArchived }));
		return { status: 200, body: { value } };
	}

	private team(id: string): EmulatedTeam {
		const team = this.teams.get(id);
		if (!team) throw notFound(`Team '${id}'`);
		if (!team.serviceAccountIsMember)
			throw new GraphError(403, 'Forbidden', 'The caller is not a member of the team.');
		return team;
	}

	private channelTarget(teamId: string, channelId: string): string {
		const channel = this.team(teamId).channels.find((c) => c.id === channelId);
		if (!channel) throw notFound(`Channel '${channelId}'`);
		return `channel:${teamId}/${channelId}`;
	}

	// ---- messages ----

	private postMessage(target: string, body: Json): Reply {
		const content = body.body as { contentType?: string; content?: string } | undefined;
		if (typeof content?.content !== 'string' || content.content === '') {
			throw new GraphError(400, 'BadRequest', 'The message body is empty.');
		}
		if (Buffer.byteLength(JSON.stringify(body)) > MAX_MESSAGE_BYTES) {
			throw new GraphError(413, 'RequestEntityTooLarge', 'The message is too large.');
		}
		const attachments = Array.isArray(body.attachments) ? (body.attachments as Json[]) : undefined;
		for (const [, id] of content.content.matchAll(/<attachment id="([^"]+)"><\/attachment>/g)) {
			if (!attachments?.some((a) => a.id === id)) {
				throw new GraphError(
					400,
					'BadRequest',
					`Attachment '${id}' is referenced in the body but not sent.`,
				);
			}
		}
		const message: RecordedMessage = {
			id: String(Date.now() + ++this.seq),
			target,
			body: { contentType: content.contentType ?? 'text', content: content.content },
			...(attachments ? { attachments } : {}),
		};
		this.messages.push(message);
		return {
			status: 201,
			body: {
				...message,
				createdDateTime: new Date().toISOString(),
				from: { user: { id: this.serviceAccount.id } },
			},
		};
	}

	private listMessages(target: string): Reply {
		return { status: 200, body: { value: this.messagesIn(target).reverse() } };
	}

	private nextId(): string {
		const n = (++this.seq).toString(16).padStart(12, '0');
		return `00000000-0000-4000-8000-${n}`;
	}
}

// ---- $filter: the clauses the adapter sends, joined with `or` ----

const ADDRESS_FIELDS = ['mail', 'userPrincipalName', 'otherMails', 'proxyAddresses'] as const;

interface FilterClause {
	field: (typeof ADDRESS_FIELDS)[number];
	/** Lower case. */
	value: string;
}

/**
 * `prop eq 'v'` and `prop/any(x:x eq 'v')` on mail, userPrincipalName, otherMails and
 * proxyAddresses, compared case-insensitively as Entra does.
 */
function parseFilter(filter: string): FilterClause[] {
	return splitOr(filter).map((clause) => {
		const single = /^(mail|userPrincipalName) eq '((?:[^']|'')*)'$/.exec(clause);
		const any = /^(otherMails|proxyAddresses)\/any\((\w+):\2 eq '((?:[^']|'')*)'\)$/.exec(clause);
		if (single) return { field: single[1] as FilterClause['field'], value: unquote(single[2]) };
		if (any) return { field: any[1] as FilterClause['field'], value: unquote(any[3]) };
		throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
	});
}

/** Splits on ` or ` outside quoted strings. */
function splitOr(filter: string): string[] {
	const parts: string[] = [];
	let current = '';
	let quoted = false;
	for (let i = 0; i < filter.length; i++) {
		if (filter[i] === "'") quoted = !quoted;
		if (!quoted && filter.startsWith(' or ', i)) {
			parts.push(current.trim());
			current = '';
			i += 3;
			continue;
		}
		current += filter[i];
	}
	return [...parts, current.trim()];
}

function unquote(value: string): string {
	return value.replace(/''/g, "'").toLowerCase();
}

// ---- helpers ----

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): Json {
	try {
		const value = JSON.parse(raw) as unknown;
		if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
	} catch {
		// answered below
	}
	throw new GraphError(400, 'BadRequest', 'The request body is not a JSON object.');
}

function faultReply(fault: FaultOptions): Reply {
	const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 503);
	const code = fault.code ?? (status === 429 ? 'TooManyRequests' : 'ServiceUnavailable');
	return {
		status,
		body: { error: { code, message: fault.message ?? `Emulated ${status}.` } },
		headers: fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {},
	};
}
