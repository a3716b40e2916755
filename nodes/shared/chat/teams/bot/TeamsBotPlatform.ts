/**
 * Microsoft Teams through the Perks app's bot: messages are sent as the app through the Bot
 * Connector (a 1:1 conversation per person, created once and remembered; a new thread per
 * channel post), people and channels are found through Microsoft Graph with the app's own
 * token (application permissions), and a person the app is not installed for gets it installed
 * through Graph first. Every call waits its turn in the credential's throttle (chat/throttle.ts).
 */
import { randomUUID } from 'node:crypto';

import type { Client } from '@microsoft/microsoft-graph-client';
import { sleep } from 'n8n-workflow';

import type {
	ChannelTarget,
	ChatChannel,
	ChatPlatform,
	ChatTeam,
	ChatUser,
	MessageTarget,
	OutgoingMessage,
	PostedMessage,
} from '../../ChatPlatform';
import { ChatPlatformError, type ErrorContext } from '../../errors';
import { QUEUE_BUDGET_MS, throttleFor } from '../../throttle';
import { toTeamsError } from '../errors';
import { createGraphClient } from '../graphClient';
import { channelPath, TeamsPlatform } from '../TeamsPlatform';
import { toBotActivity } from './activity';
import { withShowBalanceCard } from './cardAction';
import { BotConnector, type Json } from './connector';
import type { BotEndpoints } from './endpoints';
import { TEAMS_BOT_FIXES } from './fixes';
import { appGraphTransport } from './graphApp';
import type { BotHttp } from './http';
import { BotTokens, GRAPH_APP_SCOPE } from './tokens';

/** Graph wants this exact host in `@odata.bind`, whatever cloud the calls go to. */
const GRAPH_BIND_BASE = 'https://graph.microsoft.com/v1.0';
/** A fresh installation can take a moment to reach the Bot Connector: tries after installing, and the wait before each. */
const AFTER_INSTALL_TRIES = 3;
const AFTER_INSTALL_WAIT_MS = 1_000;

export interface TeamsBotPlatformOptions {
	appId: string;
	tenantId: string;
	clientSecret: string;
	endpoints: BotEndpoints;
	http: BotHttp;
	/** Shared by every execution using the same credential (default: this instance only). */
	throttleKey?: string;
	queueBudgetMs?: number;
	/** Wait before trying a conversation again after installing the app (tests shorten it). */
	afterInstallWaitMs?: number;
}

interface Known {
	/** Entra user id → 1:1 conversation id. */
	conversations: Map<string, string>;
	/** Entra user id → Graph's id of the app's 1:1 chat with them (for reading back). */
	chats: Map<string, string>;
	/** Conversations being created (or the app being installed) now, so concurrent DMs share one. */
	creating: Map<string, Promise<string>>;
	catalogId?: Promise<string>;
}

const knownByCredential = new Map<string, Known>();

export class TeamsBotPlatform implements ChatPlatform {
	readonly name = 'teams' as const;
	readonly fixes = TEAMS_BOT_FIXES;
	readonly directoryKey?: string;

	private readonly tokens: BotTokens;
	private readonly connector: BotConnector;
	private readonly graph: Client;
	/** Users and channels through Graph, as the service-account adapter finds them. */
	private readonly directory: TeamsPlatform;
	private readonly throttleKey: string;
	private readonly known: Known;

	constructor(private readonly options: TeamsBotPlatformOptions) {
		const { endpoints, http } = options;
		this.tokens = new BotTokens(
			{ appId: options.appId, clientSecret: options.clientSecret, tokenUrl: endpoints.tokenUrl },
			http,
		);
		this.connector = new BotConnector(this, http, this.tokens, endpoints.serviceUrl);
		const transport = appGraphTransport(http, this.tokens);
		this.graph = createGraphClient(endpoints.graphBaseUrl, transport);
		this.throttleKey = options.throttleKey ?? randomUUID();
		this.directoryKey = options.throttleKey
			? `teamsbot:${options.throttleKey}|${options.appId.trim()}|${options.tenantId.trim()}|${endpoints.serviceUrl}`
			: undefined;
		this.directory = new TeamsPlatform({
			transport,
			graphApiBaseUrl: endpoints.graphBaseUrl,
			throttleKey: `bot:${this.throttleKey}`,
			queueBudgetMs: options.queueBudgetMs,
		});
		this.known = knownFor(this.directoryKey);
	}

	async findUserByEmail(email: string): Promise<ChatUser | undefined> {
		return await this.viaGraph(() => this.directory.findUserByEmail(email));
	}

	async getUser(id: string): Promise<ChatUser> {
		return await this.viaGraph(() => this.directory.getUser(id));
	}

	async *listUsers(): AsyncIterable<ChatUser[]> {
		await this.viaGraph(() => this.tokens.get(GRAPH_APP_SCOPE));
		const pages = this.directory.listUsers()[Symbol.asyncIterator]();
		for (;;) {
			const page = await this.viaGraph(() => pages.next());
			if (page.done) return;
			yield page.value;
		}
	}

	/** Every team in the tenant (the app cannot tell from Graph which ones it is added to), archived ones left out. */
	async searchTeams(filter = ''): Promise<ChatTeam[]> {
		const needle = filter.trim().toLowerCase();
		const page = await this.graphCall<{
			value: Array<{ id: string; displayName?: string | null; isArchived?: boolean | null }>;
		}>('team listing', {}, () =>
			this.graph.api('/teams').select('id,displayName,isArchived').get(),
		);
		return page.value
			.map((team) => ({
				id: team.id,
				name: team.displayName ?? team.id,
				isArchived: Boolean(team.isArchived),
			}))
			.filter((team) => !team.isArchived && (!needle || team.name.toLowerCase().includes(needle)))
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	async searchChannels(filter?: string, team?: string): Promise<ChatChannel[]> {
		return await this.viaGraph(() => this.directory.searchChannels(filter, team));
	}

	async resolveChannel(target: ChannelTarget): Promise<ChatChannel> {
		return await this.viaGraph(() => this.directory.resolveChannel(target));
	}

	validateMessage(message: OutgoingMessage): void {
		toBotActivity(message);
	}

	async sendDirectMessage(
		userId: string,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		const activity = withShowBalanceCard(
			toBotActivity(message, tag),
			message,
			this.options.clientSecret,
			userId,
		);
		for (let attempt = 0; ; attempt++) {
			const conversationId = await this.conversationWith(userId);
			try {
				const posted = await this.post(
					'message post',
					`conversations/${encodeURIComponent(conversationId)}/activities`,
					activity,
					{ user: userId },
				);
				return { channelId: conversationId, messageId: String(posted.id ?? '') };
			} catch (error) {
				const refused =
					error instanceof ChatPlatformError &&
					!error.ambiguous &&
					[403, 404].includes(error.httpStatus ?? 0);
				if (!refused) throw error;
				// The person removed the app, or the Connector forgot the conversation: nothing was sent,
				// so open it again (installing the app again) and send once more.
				this.known.conversations.delete(userId);
				if (attempt > 0) throw error;
			}
		}
	}

	async postToChannel(
		target: ChannelTarget,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		const activity = toBotActivity(message, tag);
		const channel = await this.resolveChannel(target);
		const teamId = target.team!.trim();
		const posted = await this.post(
			'channel post',
			'conversations',
			{
				isGroup: true,
				bot: { id: `28:${this.options.appId.trim()}` },
				tenantId: this.options.tenantId.trim(),
				channelData: {
					channel: { id: channel.id },
					team: { id: teamId },
					tenant: { id: this.options.tenantId.trim() },
				},
				activity,
			},
			{ channel: target.channel },
		);
		return { channelId: channel.id, messageId: String(posted.activityId ?? posted.id ?? '') };
	}

	/**
	 * Reads the 1:1 chat or the channel back through Graph (the app manifest's resource-specific
	 * consent lets the app read only chats and teams it is installed in). Where it may not read, the
	 * next attempt sends again rather than never.
	 */
	async findTaggedMessage(
		target: MessageTarget,
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined> {
		try {
			let where: { id: string; path: string };
			if ('userId' in target) {
				const chatId = await this.graphChatWith(target.userId);
				if (!chatId) return undefined;
				const conversation = this.known.conversations.get(target.userId);
				where = { id: conversation ?? chatId, path: `/chats/${encodeURIComponent(chatId)}` };
			} else {
				const team = target.channel.team?.trim() ?? '';
				where = { id: target.channel.channel, path: channelPath(team, target.channel.channel) };
			}
			return await this.viaGraph(() => this.directory.findTaggedAt(where, tag, sinceMs));
		} catch (error) {
			const forbidden =
				error instanceof ChatPlatformError &&
				!error.ambiguous &&
				[403, 404].includes(error.httpStatus ?? 0);
			if (forbidden) return undefined;
			throw error;
		}
	}

	/** Graph's id of the app's 1:1 chat with a person (through their installation of the app); undefined without one. */
	private async graphChatWith(userId: string): Promise<string | undefined> {
		const known = this.known.chats.get(userId);
		if (known) return known;
		const user = encodeURIComponent(userId);
		const installs = await this.graphCall<{ value: Array<{ id: string }> }>(
			'app installation lookup',
			{ user: userId },
			() =>
				this.graph
					.api(`/users/${user}/teamwork/installedApps`)
					.expand('teamsApp')
					.filter(
						encodeURIComponent(
							`teamsApp/externalId eq '${this.options.appId.trim().replace(/'/g, "''")}'`,
						),
					)
					.get(),
		);
		const installation = installs.value[0]?.id;
		if (!installation) return undefined;
		const chat = await this.graphCall<{ id: string }>('app chat lookup', { user: userId }, () =>
			this.graph
				.api(`/users/${user}/teamwork/installedApps/${encodeURIComponent(installation)}/chat`)
				.get(),
		);
		this.known.chats.set(userId, chat.id);
		return chat.id;
	}

	/** The 1:1 conversation with a person: remembered per credential; created once, installing the app if needed. */
	private async conversationWith(userId: string): Promise<string> {
		const known = this.known.conversations.get(userId);
		if (known) return known;
		let creating = this.known.creating.get(userId);
		if (!creating) {
			creating = this.createConversation(userId).finally(() => this.known.creating.delete(userId));
			this.known.creating.set(userId, creating);
		}
		return await creating;
	}

	private async createConversation(userId: string): Promise<string> {
		const open = async () =>
			await this.post(
				'conversation creation',
				'conversations',
				{
					isGroup: false,
					bot: { id: `28:${this.options.appId.trim()}` },
					members: [{ id: userId }],
					tenantId: this.options.tenantId.trim(),
					channelData: { tenant: { id: this.options.tenantId.trim() } },
				},
				{ user: userId },
				true,
			);
		let created: Json;
		try {
			created = await open();
		} catch (error) {
			if (!(error instanceof ChatPlatformError) || error.code !== 'app_not_installed') throw error;
			await this.installFor(userId);
			created = await this.afterInstall(open);
		}
		const id = String(created.id ?? '');
		this.known.conversations.set(userId, id);
		return id;
	}

	/** The Connector may learn of a fresh installation a moment later: a few tries, a second apart. */
	private async afterInstall(open: () => Promise<Json>): Promise<Json> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await open();
			} catch (error) {
				const installing = error instanceof ChatPlatformError && error.code === 'app_not_installed';
				if (!installing || attempt >= AFTER_INSTALL_TRIES) throw error;
				await sleep(this.options.afterInstallWaitMs ?? AFTER_INSTALL_WAIT_MS);
			}
		}
	}

	/** Installs the Perks app for the person (its 409 "already installed" is success). */
	private async installFor(userId: string): Promise<void> {
		const catalogId = await this.catalogId();
		try {
			await this.graphCall('app installation', { user: userId }, () =>
				this.graph.api(`/users/${encodeURIComponent(userId)}/teamwork/installedApps`).post({
					'teamsApp@odata.bind': `${GRAPH_BIND_BASE}/appCatalogs/teamsApps/${encodeURIComponent(catalogId)}`,
				}),
			);
		} catch (error) {
			if (!(error instanceof ChatPlatformError) || error.ambiguous) throw error;
			if (error.httpStatus === 409) return;
			if (error.httpStatus === 403 || error.code === 'missing_permission') {
				throw new ChatPlatformError(this, {
					code: 'app_not_installed',
					message: `${error.message}: the Perks app is not installed for this person and could not be installed`,
					context: { user: userId, neededScope: 'TeamsAppInstallation.ReadWriteSelfForUser.All' },
					httpStatus: error.httpStatus,
				});
			}
			throw error;
		}
	}

	/** The app's id in the tenant's catalog (the app package's id is the bot's app id); asked once per credential. */
	private async catalogId(): Promise<string> {
		this.known.catalogId ??= this.graphCall<{ value: Array<{ id: string }> }>(
			'app catalog lookup',
			{},
			() =>
				this.graph
					.api('/appCatalogs/teamsApps')
					.filter(
						encodeURIComponent(`externalId eq '${this.options.appId.trim().replace(/'/g, "''")}'`),
					)
					.get(),
		).then(
			(page) => {
				const id = page.value[0]?.id;
				if (id) return id;
				throw new ChatPlatformError(this, {
					code: 'app_not_in_catalog',
					message: "The Perks app is not in the tenant's Teams app catalog",
				});
			},
			(error: unknown) => {
				throw error;
			},
		);
		try {
			return await this.known.catalogId;
		} catch (error) {
			this.known.catalogId = undefined;
			throw error;
		}
	}

	/** One Bot Connector call through the credential's throttle. */
	private async post(
		what: string,
		path: string,
		body: Json,
		context: ErrorContext,
		idempotent = false,
	): Promise<Json> {
		return await this.throttled(what, () =>
			this.connector.post(what, path, body, context, idempotent),
		);
	}

	/** One Graph call with the app's token through the credential's throttle; failures restated with the bot's fixes. */
	private async graphCall<T>(
		what: string,
		context: ErrorContext,
		request: () => Promise<T>,
	): Promise<T> {
		await this.viaGraph(() => this.tokens.get(GRAPH_APP_SCOPE));
		return await this.throttled(what, async () => {
			try {
				return await request();
			} catch (error) {
				throw this.restate(toTeamsError(what, error, context, what !== 'app installation'));
			}
		});
	}

	private async throttled<T>(what: string, attempt: () => Promise<T>): Promise<T> {
		return await throttleFor(`teamsbot:${this.throttleKey}:${what}`).run(
			attempt,
			(error) =>
				error instanceof ChatPlatformError && !error.ambiguous
					? error.retryAfterSeconds
					: undefined,
			this.options.queueBudgetMs ?? QUEUE_BUDGET_MS,
		);
	}

	/** A call through the Graph directory; a token failure surfaces here as the bot's own error. */
	private async viaGraph<T>(call: () => Promise<T>): Promise<T> {
		try {
			await this.tokens.get(GRAPH_APP_SCOPE);
			return await call();
		} catch (error) {
			throw this.restate(error);
		}
	}

	/** An error raised with the service account's fixes, restated with the bot's. */
	private restate(error: unknown): unknown {
		if (!(error instanceof ChatPlatformError)) return error;
		return new ChatPlatformError(this, {
			code: error.code,
			message: error.message,
			context: error.context,
			retryAfterSeconds: error.retryAfterSeconds,
			httpStatus: error.httpStatus,
			ambiguous: error.ambiguous,
		});
	}
}

function knownFor(key: string | undefined): Known {
	const fresh = (): Known => ({ conversations: new Map(), chats: new Map(), creating: new Map() });
	if (!key) return fresh();
	let known = knownByCredential.get(key);
	if (!known) {
		known = fresh();
		knownByCredential.set(key, known);
	}
	return known;
}
