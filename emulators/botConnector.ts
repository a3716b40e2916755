/**
 * A loopback emulator of the Bot Framework side of a Teams bot, for tests: Entra's
 * client-credentials token endpoint for the bot's app registration (tokens for the Bot Connector
 * and, through GraphEmulator.trustAppTokens, for Microsoft Graph), the Bot Framework's OpenID
 * metadata and signing keys (JWKs with `endorsements`, as login.botframework.com publishes them)
 * with a helper that signs inbound tokens as the Bot Connector does, and the Bot Connector's
 * `/v3/conversations` API at a `serviceUrl`: 1:1 conversations only with someone the app is
 * installed for, channel threads only in a team the app is added to, every activity recorded,
 * 429 + Retry-After past Teams' published bot limits. Only `node:http` and jose.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

import {
	BOT_CONNECTOR_SCOPE,
	PERKS_TEAMS_BOT_GRAPH_PERMISSIONS,
} from '../credentials/PerksTeamsBotApi.credentials';
import { type JsonReply as Reply, LoopbackServer, serveReplies } from './loopback';
import { RateWindow } from './faults';
import type { AppCaller, EmulatedTeamsApp, GraphEmulator, Json } from './graphApi';

export { BOT_CONNECTOR_SCOPE };
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/**
 * Teams' bot limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit): about
 * 7 messages a second in one conversation, and 50 requests a second per app per tenant.
 */
export const BOT_PUBLISHED_LIMITS = { perConversation: 7, perApp: 50 } as const;

/** The emulated app registration has what the credential's docs ask for (admin-consented). */
export const DEFAULT_APP_ROLES: readonly string[] = PERKS_TEAMS_BOT_GRAPH_PERMISSIONS;

const MAX_ACTIVITY_BYTES = 28 * 1024;
export const UPDATE_ROUTE = 'PUT /v3/conversations/{id}/activities/{activityId}';

export interface BotConnectorOptions {
	graph: GraphEmulator;
	appId?: string;
	clientSecret?: string;
	tenantId?: string;
	tokenLifetimeSeconds?: number;
	/** Publish the app in the tenant's catalog (default true). */
	publishApp?: boolean;
	/** Enforce BOT_PUBLISHED_LIMITS (default true). */
	limits?: boolean;
}

export interface RecordedActivity {
	conversationId: string;
	/** The 1:1 partner's Entra id, or the team and channel of a thread. */
	userId?: string;
	teamId?: string;
	channelId?: string;
	id: string;
	activity: Json;
	/** How often the bot updated the activity in place (PUT), 0 when never. */
	updates: number;
}

export interface BotRequest {
	method: string;
	/** The route, e.g. `POST /v3/conversations/{id}/activities`: what `callCount` counts. */
	route: string;
	path: string;
	body?: unknown;
}

export interface InboundTokenOptions {
	/** Default: the bot's app id. */
	audience?: string;
	/** Default: https://api.botframework.com. */
	issuer?: string;
	/** The `serviceurl` claim; default this emulator's serviceUrl. */
	serviceUrl?: string;
	/** Seconds from now; negative for an expired token. Default 3600. */
	expiresInSeconds?: number;
	/** Sign with a key that is not published (a forgery). */
	unpublishedKey?: boolean;
}

interface Conversation {
	id: string;
	userId?: string;
	teamId?: string;
	channelId?: string;
}

class ConnectorError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

interface SigningKey {
	kid: string;
	privateKey: KeyLike;
	jwk: JWK;
}

export class BotConnectorEmulator {
	readonly appId: string;
	/** Settable: a secret rotated in the app registration. */
	clientSecret: string;
	readonly tenantId: string;
	tokenLifetimeSeconds: number;
	readonly roles: Set<string> = new Set(DEFAULT_APP_ROLES);
	readonly requests: BotRequest[] = [];
	readonly activities: RecordedActivity[] = [];
	/** Every token the endpoint issued: scope and expiry, newest last. */
	readonly issued: Array<{ scope: string; expiresAt: number }> = [];
	readonly catalogApp?: EmulatedTeamsApp;

	private readonly graph: GraphEmulator;
	private readonly loopback = new LoopbackServer(
		serveReplies((req) => this.dispatch(req), {
			toErrorReply: (error) =>
				error instanceof ConnectorError
					? { status: error.status, body: { error: { code: error.code, message: error.message } } }
					: { status: 500, body: { error: { code: 'ServiceError', message: String(error) } } },
		}),
	);
	private keys?: { published: SigningKey; unpublished: SigningKey };
	private readonly tokens = new Map<string, { scope: string; expiresAt: number }>();
	private readonly conversations = new Map<string, Conversation>();
	private readonly throttled: Array<{ route: string; retryAfter: number }> = [];
	private limits?: { app: RateWindow; conversations: Map<string, RateWindow> };
	private rateLimited = 0;
	private readonly drops = new Map<string, number>();

	constructor(options: BotConnectorOptions) {
		this.graph = options.graph;
		this.appId = options.appId ?? '11111111-2222-4333-8444-555555555555';
		this.clientSecret = options.clientSecret ?? `bot-secret-${randomBytes(6).toString('hex')}`;
		this.tenantId = options.tenantId ?? 'contoso-tenant-id';
		this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
		if (options.limits !== false) this.useLimits();
		if (options.publishApp !== false)
			this.catalogApp = this.graph.publishTeamsApp({ botId: this.appId });
		this.graph.trustAppTokens((token) => this.graphCaller(token));
	}

	// ---- lifecycle ----

	async start(): Promise<string> {
		this.keys ??= { published: await signingKey(), unpublished: await signingKey() };
		return this.loopback.start();
	}

	async stop(): Promise<void> {
		await this.loopback.stop();
	}

	private get base(): string {
		return this.loopback.originOf('BotConnectorEmulator');
	}

	/** The credential's "Login Base URL": tokens at `<this>/<tenant>/oauth2/v2.0/token`. */
	get loginBaseUrl(): string {
		return `${this.base}/login`;
	}

	/** The credential's "Bot Connector Service URL", and the `serviceUrl` of inbound activities. */
	get serviceUrl(): string {
		return `${this.base}/teams/`;
	}

	/** The Bot Framework's OpenID metadata (login.botframework.com/v1/.well-known/openidconfiguration). */
	get openIdMetadataUrl(): string {
		return `${this.base}/v1/.well-known/openidconfiguration`;
	}

	/** The bot credential's fields, as n8n holds them, for this emulator and a Graph emulator. */
	credential(): Record<string, string> {
		return {
			appId: this.appId,
			clientSecret: this.clientSecret,
			tenantId: this.tenantId,
			loginBaseUrl: this.loginBaseUrl,
			graphApiBaseUrl: this.graph.graphBaseUrl,
			serviceUrl: this.serviceUrl,
		};
	}

	// ---- test controls ----

	/** A JWT as the Bot Connector signs the requests it sends to the bot's messaging endpoint. */
	async signInboundToken(options: InboundTokenOptions = {}): Promise<string> {
		if (!this.keys) throw new Error('BotConnectorEmulator is not started');
		const key = options.unpublishedKey ? this.keys.unpublished : this.keys.published;
		const now = Math.floor(Date.now() / 1000);
		return await new SignJWT({ serviceurl: options.serviceUrl ?? this.serviceUrl })
			.setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
			.setIssuer(options.issuer ?? BOT_FRAMEWORK_ISSUER)
			.setAudience(options.audience ?? this.appId)
			.setIssuedAt(now - 5)
			.setNotBefore(now - 5)
			.setExpirationTime(now + (options.expiresInSeconds ?? 3600))
			.sign(key.privateKey);
	}

	/** Makes every token issued so far expired (as if their hour had passed). */
	expireTokens(): void {
		for (const token of this.tokens.values()) token.expiresAt = Date.now() - 1000;
	}

	/** The next `count` calls of a route get 429 with this Retry-After and are not handled. */
	throttleNext(route: string, count = 1, retryAfterSeconds = 1): void {
		for (let i = 0; i < count; i++) this.throttled.push({ route, retryAfter: retryAfterSeconds });
	}

	/** The next `count` calls of a route are carried out (the message is posted) but their answer is lost. */
	dropAnswerNext(route: string, count = 1): void {
		this.drops.set(route, (this.drops.get(route) ?? 0) + count);
	}

	/** BOT_PUBLISHED_LIMITS (or a lower per-app limit, so a test on a loaded machine still meets it). */
	useLimits(timeScale = 1, perApp: number = BOT_PUBLISHED_LIMITS.perApp): void {
		const windowMs = 1000 / timeScale;
		this.limits = {
			app: new RateWindow(perApp, windowMs),
			conversations: new Map(),
		};
		this.limitWindowMs = windowMs;
	}

	clearLimits(): void {
		this.limits = undefined;
	}

	private limitWindowMs = 1000;

	/** How many calls the published limits answered 429. */
	get rateLimitedCount(): number {
		return this.rateLimited;
	}

	callCount(route: string): number {
		return this.requests.filter((r) => r.route === route).length;
	}

	activitiesFor(userId: string): RecordedActivity[] {
		return this.activities.filter((a) => a.userId === userId);
	}

	activitiesIn(channelId: string): RecordedActivity[] {
		return this.activities.filter((a) => a.channelId === channelId);
	}

	clearRecords(): void {
		this.requests.length = 0;
		this.activities.length = 0;
		this.issued.length = 0;
	}

	// ---- HTTP ----

	private async dispatch(req: IncomingMessage): Promise<Reply> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = req.method ?? 'GET';
		const raw = await readBody(req);
		const login = /^\/login\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
		if (login && method === 'POST') {
			this.requests.push({ method, route: 'POST /oauth2/token', path: url.pathname });
			return this.token(decodeURIComponent(login[1]), new URLSearchParams(raw));
		}
		if (method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
			return { status: 200, body: this.openIdMetadata() };
		}
		if (method === 'GET' && url.pathname === '/v1/.well-known/keys') {
			return { status: 200, body: { keys: [this.keys!.published.jwk] } };
		}
		const path = url.pathname.replace(/^\/teams/, '');
		const activityPath = /^\/v3\/conversations\/([^/]+)\/activities$/.exec(path);
		const updatePath = /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/.exec(path);
		const posted = method === 'POST' && (path === '/v3/conversations' || activityPath !== null);
		const known =
			url.pathname.startsWith('/teams/v3/') && (posted || (method === 'PUT' && !!updatePath));
		const route = !known
			? `${method} ${path}`
			: updatePath
				? UPDATE_ROUTE
				: activityPath
					? 'POST /v3/conversations/{id}/activities'
					: 'POST /v3/conversations';
		const body = raw ? parseJson(raw) : {};
		this.requests.push({ method, route, path, ...(raw ? { body } : {}) });
		if (!known)
			throw new ConnectorError(404, 'NotFound', `Unsupported request: ${method} ${url.pathname}`);
		this.authenticate(req.headers.authorization);
		const scripted = this.throttled.findIndex((t) => t.route === route);
		if (scripted >= 0) {
			const [{ retryAfter }] = this.throttled.splice(scripted, 1);
			return tooMany(retryAfter);
		}
		const inConversation = activityPath ?? updatePath;
		const conversation = inConversation
			? this.conversation(decodeURIComponent(inConversation[1]))
			: undefined;
		const limited = this.limitReply(conversation?.id);
		if (limited) return limited;
		const reply = updatePath
			? this.updateActivity(conversation!, decodeURIComponent(updatePath[2]), body)
			: activityPath
				? this.sendActivity(conversation!, body)
				: this.createConversation(body);
		const drops = this.drops.get(route) ?? 0;
		if (drops > 0) this.drops.set(route, drops - 1);
		return drops > 0 ? { ...reply, lost: 'reset' } : reply;
	}

	private limitReply(conversationId: string | undefined): Reply | undefined {
		if (!this.limits) return undefined;
		let wait = this.limits.app.take();
		if (!wait && conversationId) {
			let window = this.limits.conversations.get(conversationId);
			if (!window) {
				window = new RateWindow(BOT_PUBLISHED_LIMITS.perConversation, this.limitWindowMs);
				this.limits.conversations.set(conversationId, window);
			}
			wait = window.take();
		}
		if (!wait) return undefined;
		this.rateLimited++;
		return tooMany(wait);
	}

	// ---- Entra: client credentials ----

	private token(tenant: string, form: URLSearchParams): Reply {
		const refuse = (status: number, error: string, description: string): Reply => ({
			status,
			body: { error, error_description: description, error_codes: [] },
		});
		if (tenant !== this.tenantId)
			return refuse(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
		if (form.get('grant_type') !== 'client_credentials')
			return refuse(400, 'unsupported_grant_type', 'AADSTS70003: unsupported grant type.');
		if (form.get('client_id') !== this.appId)
			return refuse(
				400,
				'unauthorized_client',
				`AADSTS700016: Application with identifier was not found in the directory.`,
			);
		if (form.get('client_secret') !== this.clientSecret)
			return refuse(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
		const scope = form.get('scope') ?? '';
		if (scope !== BOT_CONNECTOR_SCOPE && scope !== GRAPH_SCOPE)
			return refuse(400, 'invalid_scope', `AADSTS70011: The provided scope is not valid.`);
		const token = `${scope === GRAPH_SCOPE ? 'graph' : 'bot'}.${randomBytes(18).toString('base64url')}`;
		const expiresAt = Date.now() + this.tokenLifetimeSeconds * 1000;
		this.tokens.set(token, { scope, expiresAt });
		this.issued.push({ scope, expiresAt });
		return {
			status: 200,
			body: {
				token_type: 'Bearer',
				expires_in: this.tokenLifetimeSeconds,
				ext_expires_in: this.tokenLifetimeSeconds,
				access_token: token,
			},
		};
	}

	private graphCaller(token: string): AppCaller | undefined {
		const known = this.tokens.get(token);
		if (known?.scope !== GRAPH_SCOPE) return undefined;
		return { appId: this.appId, roles: this.roles, expiresAt: known.expiresAt };
	}

	private authenticate(header: string | undefined): void {
		const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
		const known = token ? this.tokens.get(token) : undefined;
		if (!known || known.scope !== BOT_CONNECTOR_SCOPE || known.expiresAt <= Date.now())
			throw new ConnectorError(
				401,
				'Unauthorized',
				'Authorization has been denied for this request.',
			);
	}

	private openIdMetadata(): Json {
		return {
			issuer: BOT_FRAMEWORK_ISSUER,
			authorization_endpoint: `${this.base}/v1/.well-known/authorize`,
			jwks_uri: `${this.base}/v1/.well-known/keys`,
			id_token_signing_alg_values_supported: ['RS256'],
			token_endpoint_auth_methods_supported: ['private_key_jwt'],
		};
	}

	// ---- conversations ----

	private createConversation(body: Json): Reply {
		const channelData = (body.channelData ?? {}) as {
			tenant?: { id?: string };
			channel?: { id?: string };
		};
		const tenant = (body.tenantId as string | undefined) ?? channelData.tenant?.id;
		if (tenant !== this.tenantId)
			throw new ConnectorError(
				400,
				'BadSyntax',
				'The tenant id is missing or not the bot’s tenant.',
			);
		const bot = (body.bot as { id?: string } | undefined)?.id?.replace(/^28:/, '');
		if (bot !== this.appId) throw new ConnectorError(400, 'BadSyntax', 'bot.id is not this bot.');
		if (body.isGroup === true) return this.createThread(channelData.channel?.id, body.activity);
		const members = Array.isArray(body.members) ? (body.members as Array<{ id?: unknown }>) : [];
		const userId = typeof members[0]?.id === 'string' ? members[0].id : '';
		if (members.length !== 1 || !this.graph.hasUser(userId))
			throw new ConnectorError(400, 'BadArgument', 'members must name one user of the tenant.');
		if (!this.graph.botInstalledForUser(userId, this.appId))
			throw new ConnectorError(
				403,
				'Forbidden',
				'The bot is not installed for this user (BotNotInConversationRoster).',
			);
		// Teams gives one 1:1 conversation per user and bot: creating it again returns the same id.
		const id = `a:1${createHash('sha256').update(`${this.appId}|${userId}`).digest('base64url').slice(0, 40)}`;
		this.conversations.set(id, { id, userId });
		return { status: 201, body: { id } };
	}

	private createThread(channelId: string | undefined, activity: unknown): Reply {
		const team = channelId ? this.graph.teamOfChannel(channelId) : undefined;
		if (!team || !channelId)
			throw new ConnectorError(404, 'ConversationNotFound', 'Conversation not found.');
		if (!this.graph.botInstalledInTeam(team.id, this.appId))
			throw new ConnectorError(
				403,
				'BotNotInConversationRoster',
				'The bot is not part of the conversation roster.',
			);
		if (typeof activity !== 'object' || activity === null)
			throw new ConnectorError(400, 'BadArgument', 'A channel thread starts with an activity.');
		const pending = { id: '', teamId: team.id, channelId };
		const activityId = this.record(pending, activity as Json);
		const id = `${channelId};messageid=${activityId}`;
		const conversation = { ...pending, id };
		this.conversations.set(id, conversation);
		this.activities[this.activities.length - 1].conversationId = id;
		return { status: 201, body: { id, activityId } };
	}

	private conversation(id: string): Conversation {
		const conversation = this.conversations.get(id);
		if (!conversation)
			throw new ConnectorError(404, 'ConversationNotFound', 'Conversation not found.');
		const stillInstalled = conversation.userId
			? this.graph.botInstalledForUser(conversation.userId, this.appId)
			: this.graph.botInstalledInTeam(conversation.teamId!, this.appId);
		if (!stillInstalled)
			throw new ConnectorError(
				403,
				'BotNotInConversationRoster',
				'The bot is not part of the conversation roster.',
			);
		return conversation;
	}

	/**
	 * PUT: the bot replaces one of its own activities in that conversation (Teams shows the
	 * message changed, same id). Anything else, or an activity removed, is 404 as on the Connector.
	 */
	private updateActivity(conversation: Conversation, id: string, body: Json): Reply {
		const recorded = this.activities.find(
			(a) => a.id === id && a.conversationId === conversation.id,
		);
		if (!recorded) throw new ConnectorError(404, 'ActivityNotFound', 'Activity not found.');
		this.checkActivity(body);
		const text = typeof body.text === 'string' ? body.text : '';
		this.graph.updateBotMessage(this.messageTarget(conversation), this.appId, id, text);
		recorded.activity = body;
		recorded.updates++;
		return { status: 200, body: { id } };
	}

	/** The card's message deleted (from the chat's history): updates to it are refused 404. */
	removeActivity(id: string): void {
		const index = this.activities.findIndex((a) => a.id === id);
		if (index >= 0) this.activities.splice(index, 1);
	}

	private messageTarget(conversation: Conversation): string {
		return conversation.userId
			? `chat:${this.graph.botChat(conversation.userId, this.appId)}`
			: `channel:${conversation.teamId}/${conversation.channelId}`;
	}

	private sendActivity(conversation: Conversation, body: Json): Reply {
		return { status: 201, body: { id: this.record(conversation, body) } };
	}

	/** Records the activity, and the message Teams shows for it (Graph lists it under the same id). */
	private record(conversation: Conversation, activity: Json): string {
		this.checkActivity(activity);
		const text = typeof activity.text === 'string' ? activity.text : '';
		const id = this.graph.recordBotMessage(this.messageTarget(conversation), this.appId, text);
		this.activities.push({
			conversationId: conversation.id,
			userId: conversation.userId,
			teamId: conversation.teamId,
			channelId: conversation.channelId,
			id,
			activity,
			updates: 0,
		});
		return id;
	}

	private checkActivity(activity: Json): void {
		if (activity.type !== 'message')
			throw new ConnectorError(400, 'BadArgument', 'Only message activities are emulated.');
		const text = typeof activity.text === 'string' ? activity.text : '';
		const attachments = Array.isArray(activity.attachments) ? activity.attachments : [];
		if (!text && attachments.length === 0)
			throw new ConnectorError(
				400,
				'BadArgument',
				'The activity has neither text nor attachments.',
			);
		if (Buffer.byteLength(JSON.stringify(activity)) > MAX_ACTIVITY_BYTES)
			throw new ConnectorError(413, 'MessageSizeTooBig', 'Message size too large.');
	}
}

async function signingKey(): Promise<SigningKey> {
	const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
	const kid = randomBytes(12).toString('base64url');
	const jwk = {
		...(await exportJWK(publicKey)),
		kid,
		x5t: kid,
		use: 'sig',
		alg: 'RS256',
		endorsements: ['msteams'],
	};
	return { kid, privateKey, jwk };
}

function tooMany(retryAfter: number): Reply {
	return {
		status: 429,
		headers: { 'Retry-After': String(retryAfter) },
		body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
	};
}

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
	throw new ConnectorError(400, 'BadSyntax', 'The request body is not a JSON object.');
}
