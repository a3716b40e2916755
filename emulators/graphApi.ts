/**
 * A loopback emulator of the Microsoft Graph subset the perks nodes use, plus the Entra
 * (login.microsoftonline.com) token endpoint, for tests. It copies Graph's habits: errors are
 * `{error:{code,message}}`, lists are `{value, @odata.nextLink}`, access tokens expire, rate
 * limits are 429 + Retry-After, and only the signed-in (service) account's memberships count.
 * Only `node:http`, no frameworks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type JsonReply as Reply, LoopbackServer, serveReplies } from './loopback';
import { FaultQueue, Outage, RateLimits, RateWindow, targets, type FaultControls } from './faults';
import { PERKS_TEAMS_SCOPES } from '../credentials/PerksMicrosoftTeamsOAuth2Api.credentials';

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
	/** Entra's `Member` (default) or `Guest` (a B2B guest invited from another organisation). */
	userType?: 'Member' | 'Guest';
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
	userType: 'Member' | 'Guest';
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
	/** The author's user id (the service account for posts through the API). */
	from?: string;
	/** `message`, or `systemEventMessage` for joins, renames and the like. */
	messageType?: string;
	createdDateTime?: string;
}

/** A change-notification subscription (Graph's `subscription` resource). */
export interface EmulatedSubscription {
	readonly id: string;
	resource: string;
	changeType: string;
	notificationUrl: string;
	lifecycleNotificationUrl?: string;
	clientState?: string;
	expirationDateTime: string;
}

/** One POST the emulator made to a subscriber, and how it was answered. */
export interface NotificationDelivery {
	url: string;
	body: Json;
	status: number;
	elapsedMs: number;
}

export interface FaultOptions {
	/** Default 429 when `retryAfter` is set, else 503. */
	status?: number;
	retryAfter?: number;
	code?: string;
	message?: string;
}

/** An app-only caller (client-credentials token), as a token verifier describes it. */
export interface AppCaller {
	appId: string;
	/** Application permissions granted to the app (admin-consented app roles). */
	roles: ReadonlySet<string>;
	expiresAt: number;
}

/** A Teams app in the tenant's catalog (uploaded custom app). */
export interface EmulatedTeamsApp {
	/** The catalog id (`teamsApp.id`), what installations bind to. */
	readonly id: string;
	/** The manifest's `id`. */
	externalId: string;
	displayName: string;
	/** The bot's Microsoft App ID in the manifest. */
	botId: string;
}

export interface GraphEmulatorOptions {
	clientId?: string;
	clientSecret?: string;
	accessTokenLifetimeSeconds?: number;
	serviceAccount?: { displayName: string; userPrincipalName: string };
	/** `'published'`: Microsoft's Teams service limits per app and tenant (GRAPH_PUBLISHED_LIMITS). Default: none. */
	limits?: 'published';
	/** Divides the published limits' one-second windows (at 20 a second lasts 50 ms). Default 1. */
	timeScale?: number;
}

/**
 * Teams service limits per app per tenant (learn.microsoft.com/graph/throttling-limits), a second:
 * chat message posts, other calls (POST /chats, …) and other GETs; and at most this many requests
 * a second on one team or channel. Users and /me belong to the identity service, with larger limits.
 */
export const GRAPH_PUBLISHED_LIMITS = {
	chatMessagePosts: 20,
	otherCalls: 30,
	otherGets: 30,
	perTeamOrChannel: 4,
} as const;

/** The emulator grants what the credential asks for; `setScopes` takes some away. */
export const ALL_SCOPES: readonly string[] = PERKS_TEAMS_SCOPES;

const MAX_TOP = 999;
const MAX_SUBSCRIPTION_MINUTES = 4320;
const VALIDATION_TIMEOUT_MS = 10_000;
/** Graph wants an answer to a notification within 3 s; it gives up on the connection later. */
const NOTIFICATION_TIMEOUT_MS = 10_000;
const TENANT_ID = 'contoso-tenant-id';
const DEFAULT_TOP = 100;
const MAX_MESSAGE_BYTES = 28 * 1024;
const DEFAULT_USER_FIELDS = ['id', 'displayName', 'mail', 'userPrincipalName'];

interface Request {
	method: string;
	params: string[];
	query: URLSearchParams;
	body: Json;
	me: EmulatedGraphUser;
	/** Set for an app-only (client-credentials) caller. */
	app?: AppCaller;
}

const RSC = 'resource-specific consent';

/**
 * Routes an app-only token may call, with the application permission each needs. Every other
 * route is delegated-only (`/me`, chats): an app token there is refused, as Graph does.
 */
const APP_ROLES: Record<string, string> = {
	'GET /users': 'User.Read.All',
	'GET /users/{id}': 'User.Read.All',
	'GET /teams': 'Team.ReadBasic.All',
	'GET /teams/{id}/channels': 'Channel.ReadBasic.All',
	'GET /teams/{id}/installedApps': 'TeamsAppInstallation.ReadForTeam.All',
	'GET /appCatalogs/teamsApps': 'AppCatalog.Read.All',
	'GET /users/{id}/teamwork/installedApps': 'TeamsAppInstallation.ReadWriteSelfForUser.All',
	'POST /users/{id}/teamwork/installedApps': 'TeamsAppInstallation.ReadWriteSelfForUser.All',
	'GET /users/{id}/teamwork/installedApps/{id}/chat':
		'TeamsAppInstallation.ReadWriteSelfForUser.All',
	// Resource-specific consent (the app manifest's ChatMessage.Read.Chat, ChannelMessage.Read.Group):
	// granted where the app is installed, checked by the handler.
	'GET /chats/{id}/messages': RSC,
	'GET /teams/{id}/channels/{id}/messages': RSC,
};

interface Route {
	method: string;
	name: string;
	pattern: RegExp;
	scope?: string;
	handle: (request: Request) => Reply | Promise<Reply>;
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

export class GraphEmulator implements FaultControls<FaultOptions> {
	readonly clientId: string;
	/** Settable: a client secret rotated in the app registration. */
	clientSecret: string;
	readonly serviceAccount: EmulatedGraphUser;
	readonly requests: RecordedRequest[] = [];
	readonly messages: RecordedMessage[] = [];
	accessTokenLifetimeSeconds: number;

	private readonly loopback = new LoopbackServer(
		serveReplies((req) => this.dispatch(req), {
			toErrorReply: (error) =>
				error instanceof GraphError
					? { status: error.status, body: { error: { code: error.code, message: error.message } } }
					: {
							status: 500,
							body: { error: { code: 'InternalServerError', message: String(error) } },
						},
		}),
	);
	private granted = new Set<string>(ALL_SCOPES);
	private readonly users = new Map<string, EmulatedGraphUser>();
	/** `<field>:<lower-case address>` → users, so a `$filter` or UPN lookup is O(1), not a scan. */
	private readonly byAddress = new Map<string, EmulatedGraphUser[]>();
	/** Insertion order, to list filter matches in the order a scan would. */
	private readonly position = new Map<EmulatedGraphUser, number>();
	private readonly teams = new Map<string, EmulatedTeam>();
	private readonly teamsApps = new Map<string, EmulatedTeamsApp>();
	/** user id → installation id → catalog id. */
	private readonly userInstalls = new Map<string, Map<string, string>>();
	/** team id → catalog ids installed in it. */
	private readonly teamInstalls = new Map<string, Set<string>>();
	private appTokenVerifier?: (token: string) => AppCaller | undefined;
	/**
	 * What the tenant's Teams app setup/permission policy says about an app installing itself for a
	 * user: `allowed`, or `blocked` (Graph answers 403).
	 */
	userInstallPolicy: 'allowed' | 'blocked' = 'allowed';
	private readonly chats = new Map<string, string[]>();
	private readonly groupChats = new Set<string>();
	private readonly accessTokens = new Map<string, number>();
	private readonly refreshTokens = new Set<string>();
	private readonly codes = new Set<string>();
	private readonly faults = new FaultQueue<FaultOptions>();
	private readonly drops = new Map<string, number>();
	private readonly rateLimits = new RateLimits();
	private currentOutage?: Outage;
	private published?: {
		app: Map<string, RateWindow>;
		places: Map<string, RateWindow>;
		windowMs: number;
	};
	private readonly subscriptions = new Map<string, EmulatedSubscription>();
	/** Every notification POSTed to a subscriber (change and lifecycle), oldest first. */
	readonly deliveries: NotificationDelivery[] = [];
	private readonly pendingDeliveries = new Set<Promise<unknown>>();
	/** Every validation handshake: the URL and whether it was echoed correctly. */
	readonly validations: Array<{ url: string; ok: boolean }> = [];
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
			this.listMessages(
				`chat:${r.app ? this.appChat(r.params[0], r.app) : this.chat(r.params[0], r.me)}`,
			),
		),
		this.route('GET', '/chats/{id}', 'Chat.Read', (r) => ({
			status: 200,
			body: {
				id: this.chat(r.params[0], r.me),
				chatType: this.groupChats.has(r.params[0]) ? 'group' : 'oneOnOne',
			},
		})),
		this.route('GET', "/chats('{id}')/messages('{id}')", 'Chat.Read', (r) =>
			this.getMessage(r.params[0], r.params[1], r.me),
		),
		this.route('GET', '/chats/{id}/messages/{id}', 'Chat.Read', (r) =>
			this.getMessage(r.params[0], r.params[1], r.me),
		),
		this.route('GET', '/subscriptions', 'Chat.Read', () => ({
			status: 200,
			body: { value: this.liveSubscriptions().map((s) => this.subscriptionJson(s)) },
		})),
		this.route(
			'POST',
			'/subscriptions',
			'Chat.Read',
			async (r) => await this.createSubscription(r.body),
		),
		this.route('PATCH', '/subscriptions/{id}', 'Chat.Read', (r) =>
			this.renewSubscription(r.params[0], r.body),
		),
		this.route('DELETE', '/subscriptions/{id}', 'Chat.Read', (r) => {
			this.subscription(r.params[0]);
			this.subscriptions.delete(r.params[0]);
			return { status: 204 };
		}),
		this.route('GET', '/me/joinedTeams', 'Team.ReadBasic.All', () => this.joinedTeams()),
		this.route('GET', '/teams/{id}/channels', 'Channel.ReadBasic.All', (r) => ({
			status: 200,
			body: {
				value: (r.app ? this.anyTeam(r.params[0]) : this.team(r.params[0])).channels.map((c) => ({
					...c,
					membershipType: 'standard',
				})),
			},
		})),
		this.route('GET', '/teams', undefined, () => ({
			status: 200,
			body: {
				value: [...this.teams.values()].map(({ id, displayName, isArchived }) => ({
					id,
					displayName,
					isArchived,
				})),
			},
		})),
		this.route('GET', '/teams/{id}/installedApps', undefined, (r) => ({
			status: 200,
			body: {
				value: [...(this.teamInstalls.get(this.anyTeam(r.params[0]).id) ?? [])].map((appId) =>
					this.installationJson(`${r.params[0]}:${appId}`, appId),
				),
			},
		})),
		this.route('GET', '/appCatalogs/teamsApps', undefined, (r) => this.catalog(r.query)),
		this.route('GET', '/users/{id}/teamwork/installedApps', undefined, (r) => {
			const external = /^teamsApp\/externalId eq '([^']*)'$/.exec(
				r.query.get('$filter') ?? '',
			)?.[1];
			return {
				status: 200,
				body: {
					value: [...(this.userInstalls.get(this.userByKey(r.params[0]).id) ?? [])]
						.filter(
							([, appId]) =>
								external === undefined || this.teamsApps.get(appId)?.externalId === external,
						)
						.map(([installationId, appId]) => this.installationJson(installationId, appId)),
				},
			};
		}),
		this.route('POST', '/users/{id}/teamwork/installedApps', undefined, (r) =>
			this.installForUser(r.params[0], r.body),
		),
		this.route('GET', '/users/{id}/teamwork/installedApps/{id}/chat', undefined, (r) =>
			this.installationChat(r.params[0], r.params[1]),
		),
		this.route('POST', '/teams/{id}/channels/{id}/messages', 'ChannelMessage.Send', (r) => {
			const target = this.channelTarget(r.params[0], r.params[1]);
			if (this.teams.get(r.params[0])?.isArchived) {
				throw new GraphError(403, 'Forbidden', 'The team is archived; it is read-only.');
			}
			return this.postMessage(target, r.body);
		}),
		this.route('GET', '/teams/{id}/channels/{id}/messages', 'ChannelMessage.Send', (r) =>
			this.listMessages(
				r.app
					? this.appChannelTarget(r.params[0], r.params[1], r.app)
					: this.channelTarget(r.params[0], r.params[1]),
			),
		),
	];

	constructor(options: GraphEmulatorOptions = {}) {
		this.clientId = options.clientId ?? 'perks-client-id';
		this.clientSecret = options.clientSecret ?? 'perks-client-secret';
		this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600;
		if (options.limits === 'published') this.usePublishedLimits(options.timeScale);
		this.serviceAccount = this.addUser(
			options.serviceAccount ?? {
				displayName: 'Perks Bot',
				userPrincipalName: 'perks-bot@contoso.test',
			},
		);
	}

	// ---- lifecycle ----

	async start(): Promise<string> {
		return this.loopback.start();
	}

	async stop(): Promise<void> {
		await this.loopback.stop();
	}

	/** Where /users next-page links point; a hostile or misconfigured Graph may name another host. */
	nextLinkBaseUrl?: string;

	/** The credential's "Graph API Base URL". */
	get graphBaseUrl(): string {
		return this.loopback.originOf('GraphEmulator');
	}

	/** Entra's login host for the credential's URLs: `<this>/<tenant>/oauth2/v2.0/token` and `…/authorize`. */
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
			userType: input.userType ?? 'Member',
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

	// ---- 1:1 chats with the service account, and change notifications ----

	/** The 1:1 chat between the service account and this user (created if needed), as POST /chats does. */
	oneOnOneChat(userId: string): string {
		const ids = [this.serviceAccount.id, this.userByKey(userId).id];
		const id = `19:${[...ids].sort().join('_')}@unq.gbl.spaces`;
		if (!this.chats.has(id)) this.chats.set(id, ids);
		return id;
	}

	/** A group chat of the service account and these users. */
	groupChat(userIds: string[]): string {
		const id = `19:${randomBytes(8).toString('hex')}@thread.v2`;
		this.chats.set(id, [this.serviceAccount.id, ...userIds.map((u) => this.userByKey(u).id)]);
		this.groupChats.add(id);
		return id;
	}

	/**
	 * A person writes in a chat: the message is stored and every live subscription on the
	 * service account's chats is notified (await `settled()` for the answers).
	 */
	sendChatMessage(
		fromUserId: string,
		chatId: string,
		text: string,
		options: { messageType?: string } = {},
	): RecordedMessage {
		if (!this.chats.get(chatId)?.includes(fromUserId))
			throw new Error(`${fromUserId} is not in chat ${chatId}`);
		const html = `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`;
		const message = this.storeMessage(
			`chat:${chatId}`,
			fromUserId,
			{ contentType: 'html', content: html },
			options.messageType,
		);
		this.notifyChatMessage(chatId, message);
		return message;
	}

	/** Graph's lifecycle notification to the subscription's lifecycleNotificationUrl; `subscriptionRemoved` also removes it. */
	sendLifecycleEvent(
		subscriptionId: string,
		event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
	): Promise<NotificationDelivery> {
		const sub = this.subscriptions.get(subscriptionId);
		if (!sub) throw new Error(`no subscription ${subscriptionId}`);
		if (event === 'subscriptionRemoved') this.subscriptions.delete(subscriptionId);
		const value = {
			subscriptionId,
			subscriptionExpirationDateTime: sub.expirationDateTime,
			tenantId: TENANT_ID,
			clientState: sub.clientState ?? null,
			lifecycleEvent: event,
			resource: sub.resource,
		};
		return this.deliver(sub.lifecycleNotificationUrl ?? sub.notificationUrl, { value: [value] });
	}

	/** POSTs a recorded notification body again, as Graph does when it thinks the first was lost. */
	redeliver(delivery: NotificationDelivery): Promise<NotificationDelivery> {
		return this.deliver(delivery.url, delivery.body);
	}

	/** Live (unexpired) subscriptions; expired ones are gone, as in Graph. */
	liveSubscriptions(): EmulatedSubscription[] {
		const now = Date.now();
		for (const [id, sub] of this.subscriptions)
			if (Date.parse(sub.expirationDateTime) <= now) this.subscriptions.delete(id);
		return [...this.subscriptions.values()];
	}

	/** Resolves when every notification POST made so far has been answered. */
	async settled(): Promise<void> {
		while (this.pendingDeliveries.size > 0) await Promise.allSettled([...this.pendingDeliveries]);
	}

	private notifyChatMessage(chatId: string, message: RecordedMessage): void {
		const members = this.chats.get(chatId) ?? [];
		for (const sub of this.liveSubscriptions()) {
			const all =
				sub.resource === '/me/chats/getAllMessages' && members.includes(this.serviceAccount.id);
			if (!all && sub.resource !== `/chats/${chatId}/messages`) continue;
			const value = {
				subscriptionId: sub.id,
				subscriptionExpirationDateTime: sub.expirationDateTime,
				changeType: 'created',
				resource: `chats('${chatId}')/messages('${message.id}')`,
				resourceData: {
					id: message.id,
					'@odata.type': '#Microsoft.Graph.chatMessage',
					'@odata.id': `chats('${chatId}')/messages('${message.id}')`,
				},
				clientState: sub.clientState ?? null,
				tenantId: TENANT_ID,
			};
			void this.deliver(sub.notificationUrl, { value: [value] });
		}
	}

	private deliver(url: string, body: Json): Promise<NotificationDelivery> {
		const started = Date.now();
		const done = fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(NOTIFICATION_TIMEOUT_MS),
		})
			.then(async (res) => {
				await res.text();
				return res.status;
			})
			.catch(() => 0)
			.then((status) => {
				const delivery = { url, body, status, elapsedMs: Date.now() - started };
				this.deliveries.push(delivery);
				return delivery;
			});
		this.pendingDeliveries.add(done);
		void done.finally(() => this.pendingDeliveries.delete(done));
		return done;
	}

	// ---- subscriptions ----

	private async createSubscription(body: Json): Promise<Reply> {
		const {
			resource,
			changeType,
			notificationUrl,
			lifecycleNotificationUrl,
			clientState,
			expirationDateTime,
		} = body;
		if (
			typeof resource !== 'string' ||
			typeof notificationUrl !== 'string' ||
			typeof changeType !== 'string'
		) {
			throw new GraphError(
				400,
				'InvalidRequest',
				'resource, changeType and notificationUrl are required.',
			);
		}
		if (!/^(\/me\/chats\/getAllMessages|\/chats\/[^/]+\/messages)$/.test(resource)) {
			throw new GraphError(400, 'InvalidRequest', `Unsupported resource '${resource}'.`);
		}
		if (typeof clientState === 'string' && clientState.length > 128) {
			throw new GraphError(400, 'InvalidRequest', 'clientState must be at most 128 characters.');
		}
		const expires = this.checkExpiration(expirationDateTime);
		for (const url of new Set(
			[notificationUrl, lifecycleNotificationUrl].filter((u): u is string => typeof u === 'string'),
		)) {
			await this.validateEndpoint(url);
		}
		const sub: EmulatedSubscription = {
			id: randomUUID(),
			resource,
			changeType,
			notificationUrl,
			...(typeof lifecycleNotificationUrl === 'string' ? { lifecycleNotificationUrl } : {}),
			...(typeof clientState === 'string' ? { clientState } : {}),
			expirationDateTime: expires,
		};
		this.subscriptions.set(sub.id, sub);
		return { status: 201, body: this.subscriptionJson(sub) };
	}

	private renewSubscription(id: string, body: Json): Reply {
		const sub = this.subscription(id);
		sub.expirationDateTime = this.checkExpiration(body.expirationDateTime);
		return { status: 200, body: this.subscriptionJson(sub) };
	}

	private subscription(id: string): EmulatedSubscription {
		const sub = this.liveSubscriptions().find((s) => s.id === id);
		if (!sub)
			throw new GraphError(
				404,
				'ResourceNotFound',
				`The object was not found: subscription '${id}'.`,
			);
		return sub;
	}

	/** At most 4,320 minutes (3 days) ahead for chat messages, and in the future. */
	private checkExpiration(value: unknown): string {
		const at = typeof value === 'string' ? Date.parse(value) : NaN;
		if (
			!Number.isFinite(at) ||
			at <= Date.now() ||
			at > Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000 + 60_000
		) {
			throw new GraphError(
				400,
				'InvalidRequest',
				`expirationDateTime must be in the next ${MAX_SUBSCRIPTION_MINUTES} minutes.`,
			);
		}
		return new Date(at).toISOString();
	}

	/** Graph's handshake: the endpoint must echo the token as text/plain with 200 within 10 s. */
	private async validateEndpoint(url: string): Promise<void> {
		const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
		const target = new URL(url);
		target.searchParams.set('validationToken', token);
		let ok = false;
		try {
			const res = await fetch(target, {
				method: 'POST',
				headers: { 'content-type': 'text/plain; charset=utf-8' },
				signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
			});
			const text = await res.text();
			ok =
				res.status === 200 &&
				/^text\/plain/i.test(res.headers.get('content-type') ?? '') &&
				text === token;
		} catch {
			ok = false;
		}
		this.validations.push({ url, ok });
		if (!ok) {
			throw new GraphError(
				400,
				'ValidationError',
				'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
			);
		}
	}

	private subscriptionJson(sub: EmulatedSubscription): Json {
		return { ...sub, applicationId: this.clientId, creatorId: this.serviceAccount.id };
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

	/** The next `count` calls of a route (e.g. `POST /chats/{id}/messages`; `'*'`: any) get this fault. */
	failNext(route: string, count = 1, fault: FaultOptions = {}): void {
		this.faults.add(targets(route), count, { ...fault });
	}

	clearFaults(): void {
		this.faults.clear();
	}

	/** Every call of these routes (`'*'`: all) answers `status` for `durationMs`, unhandled. */
	outage(routes: string | readonly string[], durationMs: number, status = 503): void {
		this.currentOutage = new Outage(targets(routes), durationMs, status);
	}

	endOutage(): void {
		this.currentOutage = undefined;
	}

	/**
	 * The next `count` calls of a route are carried out (a message is stored) but their answer is
	 * lost: the connection is cut instead, as when a timeout or reset hits after Graph acted.
	 */
	dropAnswerNext(route: string, count = 1): void {
		this.drops.set(route, (this.drops.get(route) ?? 0) + count);
	}

	/** The next `count` calls of a route get 429 with this Retry-After and are not handled. */
	throttleNext(route: string, count = 1, retryAfterSeconds = 1): void {
		this.failNext(route, count, { status: 429, retryAfter: retryAfterSeconds });
	}

	/** Microsoft's published Teams limits from now on (GRAPH_PUBLISHED_LIMITS), each a rolling second. */
	usePublishedLimits(timeScale = 1): void {
		if (!(timeScale > 0)) throw new Error('timeScale must be positive');
		this.published = { app: new Map(), places: new Map(), windowMs: 1000 / timeScale };
	}

	/** Drops every rate limit: limitPerSecond() and the published ones. */
	clearLimits(): void {
		this.rateLimits.clear();
		this.published = undefined;
	}

	/** Calls of a route beyond `perSecond` in the last rolling second get 429 + Retry-After and are not handled. */
	limitPerSecond(route: string, perSecond: number): void {
		this.rateLimits.limit(route, targets(route), perSecond);
	}

	/** How many calls of a route a rate limit (limitPerSecond, the published ones) answered 429. */
	rateLimitedCount(route: string): number {
		return this.rateLimits.refusedCount(route);
	}

	callCount(route: string): number {
		return this.requests.filter((r) => r.route === route).length;
	}

	clearRecords(): void {
		this.requests.length = 0;
		this.messages.length = 0;
	}

	// ---- HTTP ----

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
		const limited =
			this.outageReply(`${method} ${route.name}`) ??
			this.rateLimitReply(`${method} ${route.name}`) ??
			this.publishedLimitReply(method, route, path);
		if (limited) return limited;
		const fault = this.faults.take(`${method} ${route.name}`);
		if (fault) return faultReply(fault);
		const app = token ? this.appCaller(token) : undefined;
		if (app) this.authorizeApp(app, `${method} ${route.name}`);
		else {
			this.authenticate(token);
			if (!route.scope || !this.granted.has(route.scope)) throw this.missingScope(route);
		}
		const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
		const reply = await route.handle({
			method,
			params,
			query: url.searchParams,
			body,
			me: this.serviceAccount,
			app,
		});
		const drops = this.drops.get(`${method} ${route.name}`) ?? 0;
		if (drops > 0) this.drops.set(`${method} ${route.name}`, drops - 1);
		return drops > 0 ? { ...reply, lost: 'reset' } : reply;
	}

	private route(
		method: string,
		name: string,
		scope: string | undefined,
		handle: Route['handle'],
	): Route {
		// `chats('<id>')/messages('<id>')` is how Graph names a message in a notification's resource.
		const escaped = name.replace(/[()]/g, '\\$&').replace(/'\{id\}'/g, "'([^']+)'");
		const pattern = new RegExp(`^${escaped.replace(/\{id\}/g, '([^/]+)')}$`);
		return { method, name, pattern, scope, handle };
	}

	private outageReply(route: string): Reply | undefined {
		const outage = this.currentOutage;
		if (!outage?.appliesTo(route)) return undefined;
		if (outage.status === 429) return faultReply({ retryAfter: outage.secondsLeft() });
		return faultReply({ status: outage.status });
	}

	private rateLimitReply(route: string): Reply | undefined {
		const retryAfter = this.rateLimits.take(route);
		return retryAfter === 0 ? undefined : faultReply({ retryAfter });
	}

	/** The per-app class a call counts in, then the team (or channel) it touches; identity calls are free here. */
	private publishedLimitReply(method: string, route: Route, path: string): Reply | undefined {
		const limits = this.published;
		if (!limits || route.name === '/me' || route.name.startsWith('/users')) return undefined;
		const kind =
			method === 'POST' && route.name === '/chats/{id}/messages'
				? 'chatMessagePosts'
				: method === 'GET'
					? 'otherGets'
					: 'otherCalls';
		const window = (map: Map<string, RateWindow>, key: string, perSecond: number) => {
			let found = map.get(key);
			if (!found) {
				found = new RateWindow(perSecond, limits.windowMs);
				map.set(key, found);
			}
			return found;
		};
		const team = /^\/teams\/([^/]+)(?:\/channels\/([^/]+))?/.exec(path);
		const retryAfter =
			window(limits.app, kind, GRAPH_PUBLISHED_LIMITS[kind]).take() ||
			(team
				? window(limits.places, team[2] ?? team[1], GRAPH_PUBLISHED_LIMITS.perTeamOrChannel).take()
				: 0);
		if (retryAfter === 0) return undefined;
		const key = `${method} ${route.name}`;
		this.rateLimits.count(key);
		return faultReply({ retryAfter });
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
		if (!route.scope)
			return new GraphError(
				403,
				'Forbidden',
				`${route.name} needs an application permission: call it with an app-only token.`,
			);
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
			body['@odata.nextLink'] =
				`${this.nextLinkBaseUrl ?? this.graphBaseUrl}/v1.0/users?${pairs.join('&')}`;
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
		const message = this.storeMessage(target, this.serviceAccount.id, {
			contentType: content.contentType ?? 'text',
			content: content.content,
		});
		if (attachments) message.attachments = attachments;
		// Graph notifies a chat's subscribers of every new message, the subscriber's own included.
		if (target.startsWith('chat:')) this.notifyChatMessage(target.slice('chat:'.length), message);
		return { status: 201, body: this.messageJson(message) };
	}

	private storeMessage(
		target: string,
		from: string,
		body: RecordedMessage['body'],
		messageType = 'message',
	): RecordedMessage {
		const message: RecordedMessage = {
			id: String(Date.now() + ++this.seq),
			target,
			body,
			from,
			messageType,
			createdDateTime: new Date().toISOString(),
		};
		this.messages.push(message);
		return message;
	}

	private messageJson(message: RecordedMessage): Json {
		const author = this.users.get(message.from ?? '');
		return {
			...message,
			chatId: message.target.startsWith('chat:') ? message.target.slice('chat:'.length) : undefined,
			from: author ? { user: { id: author.id, displayName: author.displayName } } : null,
		};
	}

	private getMessage(chatId: string, messageId: string, me: EmulatedGraphUser): Reply {
		const target = `chat:${this.chat(chatId, me)}`;
		const message = this.messagesIn(target).find((m) => m.id === messageId);
		if (!message) throw notFound(`Message '${messageId}'`);
		return { status: 200, body: this.messageJson(message) };
	}

	private listMessages(target: string): Reply {
		return {
			status: 200,
			body: {
				value: this.messagesIn(target)
					.reverse()
					.map((m) => this.messageJson(m)),
			},
		};
	}

	// ---- Teams apps: catalog and installations (app-only callers) ----

	/** Accepts app-only tokens this verifier vouches for (the Bot Connector emulator's Entra). */
	trustAppTokens(verifier: (token: string) => AppCaller | undefined): void {
		this.appTokenVerifier = verifier;
	}

	/** Uploads a Teams app to the tenant's catalog; returns its catalog entry. */
	publishTeamsApp(input: {
		botId: string;
		externalId?: string;
		displayName?: string;
	}): EmulatedTeamsApp {
		const app: EmulatedTeamsApp = {
			id: this.nextId(),
			externalId: input.externalId ?? input.botId,
			displayName: input.displayName ?? 'Perks',
			botId: input.botId,
		};
		this.teamsApps.set(app.id, app);
		return app;
	}

	/** Installs a catalog app for a user, as an admin policy or the user would. */
	installAppForUser(userId: string, catalogId: string): string {
		const user = this.userByKey(userId);
		const installs = this.userInstalls.get(user.id) ?? new Map<string, string>();
		this.userInstalls.set(user.id, installs);
		const existing = [...installs].find(([, appId]) => appId === catalogId);
		if (existing) return existing[0];
		const installationId = `${user.id}:${catalogId}`;
		installs.set(installationId, catalogId);
		return installationId;
	}

	uninstallAppForUser(userId: string): void {
		this.userInstalls.delete(userId);
	}

	/** Adds a catalog app to a team (Manage team → Apps → Add). */
	installAppInTeam(teamId: string, catalogId: string): void {
		const installed = this.teamInstalls.get(teamId) ?? new Set<string>();
		installed.add(catalogId);
		this.teamInstalls.set(teamId, installed);
	}

	/** Whether an app whose bot is `botId` is installed for this user. */
	botInstalledForUser(userId: string, botId: string): boolean {
		return [...(this.userInstalls.get(userId)?.values() ?? [])].some(
			(appId) => this.teamsApps.get(appId)?.botId === botId,
		);
	}

	/** Whether an app whose bot is `botId` is installed in this team. */
	botInstalledInTeam(teamId: string, botId: string): boolean {
		return [...(this.teamInstalls.get(teamId) ?? [])].some(
			(appId) => this.teamsApps.get(appId)?.botId === botId,
		);
	}

	/** The team a channel id belongs to, whoever is a member. */
	teamOfChannel(channelId: string): EmulatedTeam | undefined {
		return [...this.teams.values()].find((t) => t.channels.some((c) => c.id === channelId));
	}

	hasUser(id: string): boolean {
		return this.users.has(id);
	}

	private appCaller(token: string): AppCaller | undefined {
		if (this.accessTokens.has(token)) return undefined;
		return this.appTokenVerifier?.(token);
	}

	private authorizeApp(app: AppCaller, route: string): void {
		if (app.expiresAt <= Date.now()) {
			throw new GraphError(
				401,
				'InvalidAuthenticationToken',
				'Lifetime validation failed, the token is expired.',
			);
		}
		const role = APP_ROLES[route];
		if (role === RSC) return;
		if (!role) {
			throw new GraphError(
				403,
				'Forbidden',
				`${route} is not supported with application permissions (app-only token).`,
			);
		}
		if (!app.roles.has(role)) {
			throw new GraphError(
				403,
				route.includes('/users') && !route.includes('teamwork')
					? 'Authorization_RequestDenied'
					: 'Forbidden',
				`Missing role permissions on the request. API requires one of '${role}'. Roles on the request '${[...app.roles].join(',')}'.`,
			);
		}
	}

	private anyTeam(id: string): EmulatedTeam {
		const team = this.teams.get(id);
		if (!team) throw notFound(`Team '${id}'`);
		return team;
	}

	/** `$filter=externalId eq '…'` or `appDefinitions/any(a:a/bot/id eq '…')`; both the adapter's forms. */
	private catalog(query: URLSearchParams): Reply {
		const filter = query.get('$filter') ?? '';
		const external = /^externalId eq '([^']*)'$/.exec(filter)?.[1];
		const bot = /^appDefinitions\/any\((\w+):\1\/bot\/id eq '([^']*)'\)$/.exec(filter)?.[2];
		if (filter && external === undefined && bot === undefined)
			throw new GraphError(400, 'BadRequest', `Invalid filter clause: ${filter}`);
		const value = [...this.teamsApps.values()]
			.filter(
				(a) =>
					(external === undefined || a.externalId === external) &&
					(bot === undefined || a.botId === bot),
			)
			.map((a) => ({
				id: a.id,
				externalId: a.externalId,
				displayName: a.displayName,
				distributionMethod: 'organization',
			}));
		return { status: 200, body: { value } };
	}

	private installForUser(userKey: string, body: Json): Reply {
		const user = this.userByKey(userKey);
		const bind = body['teamsApp@odata.bind'];
		const catalogId =
			typeof bind === 'string'
				? /\/appCatalogs\/teamsApps\/([^/'()]+)$/.exec(bind)?.[1]
				: undefined;
		if (!catalogId || !this.teamsApps.has(catalogId))
			throw new GraphError(
				400,
				'BadRequest',
				'teamsApp@odata.bind does not name an app in the catalog.',
			);
		if (this.userInstallPolicy === 'blocked') {
			throw new GraphError(
				403,
				'Forbidden',
				'The Teams app permission policy assigned to the user does not allow this app.',
			);
		}
		if ([...(this.userInstalls.get(user.id)?.values() ?? [])].includes(catalogId))
			throw new GraphError(409, 'Conflict', 'The app is already installed for this user.');
		this.installAppForUser(user.id, catalogId);
		return { status: 201 };
	}

	/** The 1:1 chat of a user and an app's bot (Graph's id for the bot's personal conversation). */
	botChat(userId: string, botId: string): string {
		const id = `19:${userId}_${botId}@unq.gbl.spaces`;
		if (!this.chats.has(id)) this.chats.set(id, [userId, `app:${botId}`]);
		return id;
	}

	/** A message the app's bot posted (through the Bot Connector), as Graph then lists it; returns its id. */
	recordBotMessage(target: string, botId: string, content: string): string {
		return this.storeMessage(target, `app:${botId}`, { contentType: 'html', content }).id;
	}

	/** A bot's message edited by that bot (Bot Connector activity update): false when it has none such. */
	updateBotMessage(target: string, botId: string, id: string, content: string): boolean {
		const message = this.messagesIn(target).find((m) => m.id === id && m.from === `app:${botId}`);
		if (!message) return false;
		message.body = { contentType: 'html', content };
		return true;
	}

	private installationChat(userKey: string, installationId: string): Reply {
		const user = this.userByKey(userKey);
		const appId = this.userInstalls.get(user.id)?.get(installationId);
		const app = appId ? this.teamsApps.get(appId) : undefined;
		if (!app) throw notFound(`Installation '${installationId}'`);
		return { status: 200, body: { id: this.botChat(user.id, app.botId), chatType: 'oneOnOne' } };
	}

	/** A chat the app's bot is in, readable with its resource-specific consent (installed there). */
	private appChat(id: string, app: AppCaller): string {
		const members = this.chats.get(id);
		if (!members?.includes(`app:${app.appId}`)) throw notFound(`Chat '${id}'`);
		const user = members.find((m) => !m.startsWith('app:'))!;
		if (!this.botInstalledForUser(user, app.appId))
			throw new GraphError(
				403,
				'Forbidden',
				'The app has no resource-specific consent for this chat.',
			);
		return id;
	}

	private appChannelTarget(teamId: string, channelId: string, app: AppCaller): string {
		const team = this.anyTeam(teamId);
		if (!team.channels.some((c) => c.id === channelId)) throw notFound(`Channel '${channelId}'`);
		if (!this.botInstalledInTeam(team.id, app.appId))
			throw new GraphError(
				403,
				'Forbidden',
				'The app has no resource-specific consent for this team.',
			);
		return `channel:${teamId}/${channelId}`;
	}

	private installationJson(id: string, catalogId: string): Json {
		const app = this.teamsApps.get(catalogId);
		return {
			id,
			teamsApp: app
				? { id: app.id, externalId: app.externalId, displayName: app.displayName }
				: null,
		};
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
