/**
 * The Microsoft Teams adapter: the only place that speaks Microsoft Graph (through
 * @microsoft/microsoft-graph-client). HTTP goes through an injected transport, so n8n owns the
 * OAuth2 tokens; every call waits its turn in the credential's throttle (chat/throttle.ts), and
 * a post is never retried when it may already have gone through.
 */
import { randomUUID } from 'node:crypto';

import type { Client } from '@microsoft/microsoft-graph-client';

import type {
	ChannelTarget,
	ChatChannel,
	ChatPlatform,
	ChatTeam,
	ChatUser,
	MessageTarget,
	OutgoingMessage,
	PostedMessage,
} from '../ChatPlatform';
import { type ChatErrorCode, ChatPlatformError, type ErrorContext } from '../errors';
import { MAX_IN_FLIGHT, QUEUE_BUDGET_MS, throttleFor } from '../throttle';
import { normalizeEmail } from '../../mapping/recipients';
import { carriesMarker } from './deliveryTag';
import { toTeamsError } from './errors';
import { TEAMS_ERROR_FIXES, TEAMS_SOURCE } from './fixes';
import { createGraphClient, relativeNextLink, type GraphTransport } from './graphClient';
import { toGraphMessage } from './message';

/** Graph's largest page for /users: 10,000 users cost 11 calls. */
const PAGE_SIZE = 999;
/** Never otherMails: anyone can write any address there about themselves, so it proves nothing. */
const USER_FIELDS = 'id,displayName,mail,userPrincipalName,proxyAddresses,accountEnabled,userType';

export interface TeamsPlatformOptions {
	transport: GraphTransport;
	/** The credential's "Graph API Base URL" (national clouds, tests). */
	graphApiBaseUrl?: string;
	/** Shared by every execution using the same credential (default: this instance only). */
	throttleKey?: string;
	/** Longest a call waits for its turn, 429 pauses included. */
	queueBudgetMs?: number;
}

/** A Teams user with every address they can be found by (for the bulk join). */
export interface TeamsUser extends ChatUser {
	emails: string[];
}

/**
 * A DM's two calls may have this many in flight per credential. Graph allows 20 chat posts a second
 * per app and tenant (30 other calls) and takes a few hundred ms a call: 4 at once capped DMs at
 * 4 per round trip (6 a second at 600 ms). Channel calls keep 4 (Graph allows 4 a second per team or
 * channel). More than 10 sent more calls into each 429 (docs/benchmarks.md, "Teams fan-out").
 */
const CHAT_IN_FLIGHT = 10;
const CHAT_CALLS = new Set(['message post', 'chat creation']);

/** Messages read back per page, and pages at most, when looking for a tagged post. */
const HISTORY_PAGE = 50;
const HISTORY_MAX_PAGES = 4;

interface GraphUser {
	id: string;
	displayName?: string | null;
	mail?: string | null;
	userPrincipalName?: string | null;
	proxyAddresses?: string[];
	accountEnabled?: boolean | null;
	userType?: string | null;
}

interface GraphTeam {
	id: string;
	displayName?: string | null;
	isArchived?: boolean | null;
}

interface GraphChannel {
	id: string;
	displayName?: string | null;
	membershipType?: string | null;
}

interface GraphMessage {
	id: string;
	createdDateTime?: string;
	body?: { content?: string };
}

interface Page<T> {
	value: T[];
	'@odata.nextLink'?: string;
}

export class TeamsPlatform implements ChatPlatform {
	readonly name = 'teams' as const;
	readonly fixes = TEAMS_ERROR_FIXES;

	readonly directoryKey?: string;
	private readonly client: Client;
	private readonly throttleKey: string;
	/** The service account's id and its 1:1 chat per user, shared by the credential's executions. */
	private readonly known: KnownChats;
	private readonly channelsByTeam = new Map<string, ChatChannel[]>();

	constructor(private readonly options: TeamsPlatformOptions) {
		this.client = createGraphClient(options.graphApiBaseUrl, options.transport);
		this.throttleKey = options.throttleKey ?? randomUUID();
		// Without a credential identity nothing is shared (a per-instance key would only pile up).
		this.directoryKey = options.throttleKey
			? `teams:${options.throttleKey}|${options.graphApiBaseUrl ?? ''}`
			: undefined;
		this.known = knownChats(this.directoryKey);
	}

	async findUserByEmail(email: string): Promise<TeamsUser | undefined> {
		const wanted = normalizeEmail(email);
		const quoted = `'${wanted.replace(/'/g, "''")}'`;
		// One call for every address the tenant vouches for; SMTP:/smtp: both, in case Graph compares case-sensitively.
		const filter = [
			`mail eq ${quoted}`,
			`userPrincipalName eq ${quoted}`,
			`proxyAddresses/any(x:x eq 'smtp:${quoted.slice(1)})`,
			`proxyAddresses/any(x:x eq 'SMTP:${quoted.slice(1)})`,
		].join(' or ');
		const page = await this.call<Page<GraphUser>>('user lookup', { user: email }, true, () =>
			this.client.api('/users').select(USER_FIELDS).filter(encodeURIComponent(filter)).get(),
		);
		const users = page.value.map(toTeamsUser).filter((user) => user.emails.includes(wanted));
		// A disabled account never competes with an enabled one; two enabled ones are never guessed between.
		const enabled = users.filter((user) => user.active);
		if (enabled.length > 1) {
			throw new ChatPlatformError(this, {
				code: 'ambiguous_recipient',
				message: `${enabled.length} Microsoft Entra users have the address ${email.trim()}`,
				context: { user: email.trim() },
			});
		}
		return enabled[0] ?? users[0];
	}

	async getUser(id: string): Promise<TeamsUser> {
		const user = await this.call<GraphUser>('user lookup', { user: id }, true, () =>
			this.client
				.api(`/users/${encodeURIComponent(id.trim())}`)
				.select(USER_FIELDS)
				.get(),
		);
		return toTeamsUser(user);
	}

	async *listUsers(): AsyncIterable<TeamsUser[]> {
		let path: string | undefined = `/users?$select=${USER_FIELDS}&$top=${PAGE_SIZE}`;
		while (path) {
			const current: string = path;
			const page = await this.call<Page<GraphUser>>('user listing', {}, true, () =>
				this.client.api(current).get(),
			);
			yield page.value.map(toTeamsUser);
			const next = page['@odata.nextLink'];
			path = next ? relativeNextLink(next, this.options.graphApiBaseUrl ?? '') : undefined;
		}
	}

	/** Teams the service account belongs to, archived ones left out. */
	async searchTeams(filter = ''): Promise<ChatTeam[]> {
		const needle = filter.trim().toLowerCase();
		return (await this.joinedTeams())
			.filter((team) => !team.isArchived && (!needle || team.name.toLowerCase().includes(needle)))
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	async searchChannels(filter = '', team?: string): Promise<ChatChannel[]> {
		const needle = filter.trim().replace(/^#/, '').toLowerCase();
		return (await this.channelsOf(requireTeam(team)))
			.filter((channel) => !needle || channel.name.toLowerCase().includes(needle))
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	/** A channel id is used as given; a name (or #name) is looked up in the team's channels. */
	async resolveChannel(target: ChannelTarget): Promise<ChatChannel> {
		const teamId = requireTeam(target.team);
		const wanted = target.channel.trim();
		if (TEAMS_CHANNEL_ID.test(wanted))
			return { id: wanted, name: wanted, isPrivate: false, isArchived: false };
		const name = wanted.replace(/^#/, '').toLowerCase();
		const found = (await this.channelsOf(teamId)).find(
			(channel) => channel.name.toLowerCase() === name,
		);
		if (found) return found;
		throw new ChatPlatformError(this, {
			code: 'channel_not_found',
			message: `The team has no channel "${wanted}"`,
			context: {
				channel: wanted,
			},
		});
	}

	async sendDirectMessage(
		userId: string,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		const payload = toGraphMessage(message, tag);
		const chatId = await this.chatWith(userId);
		try {
			const posted = await this.call<{ id: string }>('message post', { user: userId }, false, () =>
				this.client.api(`/chats/${encodeURIComponent(chatId)}/messages`).post(payload),
			);
			return { channelId: chatId, messageId: posted.id };
		} catch (error) {
			// A cached chat Graph no longer lets us post in is asked for afresh next time.
			if (error instanceof ChatPlatformError && !error.ambiguous && error.httpStatus === 404)
				this.known.chatIds.delete(userId);
			throw error;
		}
	}

	async postToChannel(
		target: ChannelTarget,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		const payload = toGraphMessage(message, tag);
		const teamId = requireTeam(target.team);
		const posted = await this.teamCall<{ id: string }>(
			'channel post',
			teamId,
			{ channel: target.channel },
			false,
			() => this.client.api(`${channelPath(teamId, target.channel)}/messages`).post(payload),
		);
		return { channelId: target.channel, messageId: posted.id };
	}

	/** Reads the chat or channel back (newest first, a few pages) for a message carrying the tag. */
	async findTaggedMessage(
		target: MessageTarget,
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined> {
		const where =
			'userId' in target
				? await this.chatWith(target.userId).then((id) => ({
						id,
						path: `/chats/${encodeURIComponent(id)}`,
					}))
				: {
						id: target.channel.channel,
						path: channelPath(requireTeam(target.channel.team), target.channel.channel),
					};
		return await this.findTaggedAt(where, tag, sinceMs);
	}

	/** Reads a chat or channel (`path` under Graph's version, without `/messages`) back for a message with the tag. */
	async findTaggedAt(
		where: { id: string; path: string },
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined> {
		// A minute of slack for clock skew between n8n and Graph.
		const oldest = sinceMs - 60_000;
		let path: string | undefined = `${where.path}/messages?$top=${HISTORY_PAGE}`;
		for (let page = 0; path && page < HISTORY_MAX_PAGES; page++) {
			const current: string = path;
			const answer = await this.call<Page<GraphMessage>>('message history', {}, true, () =>
				this.client.api(current).get(),
			);
			const hit = answer.value.find((m) => carriesMarker(m.body?.content ?? '', tag));
			if (hit) return { channelId: where.id, messageId: hit.id };
			const last = answer.value[answer.value.length - 1]?.createdDateTime;
			if (last && Date.parse(last) < oldest) break;
			const next = answer['@odata.nextLink'];
			path = next ? relativeNextLink(next, this.options.graphApiBaseUrl ?? '') : undefined;
		}
		return undefined;
	}

	validateMessage(message: OutgoingMessage): void {
		toGraphMessage(message);
	}

	/** The 1:1 chat with a user. Graph returns the existing chat when there is one, so this is safe to repeat. */
	private async chatWith(userId: string): Promise<string> {
		const known = this.known.chatIds.get(userId);
		if (known) return known;
		const me = await this.serviceAccountId();
		const member = (id: string) => ({
			'@odata.type': '#microsoft.graph.aadUserConversationMember',
			roles: ['owner'],
			'user@odata.bind': `${GRAPH_BIND_BASE}/users('${id.replace(/'/g, "''")}')`,
		});
		const chat = await this.call<{ id: string }>('chat creation', { user: userId }, true, () =>
			this.client
				.api('/chats')
				.post({ chatType: 'oneOnOne', members: [member(me), member(userId)] }),
		);
		this.known.chatIds.set(userId, chat.id);
		return chat.id;
	}

	private async channelsOf(teamId: string): Promise<ChatChannel[]> {
		const known = this.channelsByTeam.get(teamId);
		if (known) return known;
		const page = await this.teamCall<Page<GraphChannel>>('channel listing', teamId, {}, true, () =>
			this.client
				.api(`/teams/${encodeURIComponent(teamId)}/channels`)
				.select('id,displayName,membershipType')
				.get(),
		);
		const channels = page.value.map((channel) => ({
			id: channel.id,
			name: channel.displayName ?? channel.id,
			isPrivate: channel.membershipType === 'private',
			isArchived: false,
		}));
		this.channelsByTeam.set(teamId, channels);
		return channels;
	}

	private async serviceAccountId(): Promise<string> {
		// One question for all concurrent executions; a failed one is asked again next time.
		this.known.meId ??= this.call<{ id: string }>('sign-in check', {}, true, () =>
			this.client.api('/me').select('id').get(),
		).then(
			(me) => me.id,
			(error: unknown) => {
				this.known.meId = undefined;
				throw error;
			},
		);
		return await this.known.meId;
	}

	private async joinedTeams(): Promise<ChatTeam[]> {
		const page = await this.call<Page<GraphTeam>>('team listing', {}, true, () =>
			this.client.api('/me/joinedTeams').get(),
		);
		return page.value.map((team) => ({
			id: team.id,
			name: team.displayName ?? team.id,
			isArchived: Boolean(team.isArchived),
		}));
	}

	/**
	 * A call on a team. Graph's 403/404 there do not say why, so one extra call (only after a
	 * failure) asks which teams the account is in: not a member, no such team, or archived.
	 */
	private async teamCall<T>(
		what: string,
		teamId: string,
		context: ErrorContext,
		idempotent: boolean,
		request: () => Promise<T>,
	): Promise<T> {
		try {
			return await this.call(what, context, idempotent, request);
		} catch (error) {
			const unclear: ChatErrorCode[] = ['forbidden', 'channel_not_found', 'unknown'];
			if (!(error instanceof ChatPlatformError) || !unclear.includes(error.code)) throw error;
			const joined = await this.joinedTeams().catch(() => undefined);
			if (!joined) throw error;
			const team = joined.find((t) => t.id === teamId);
			const explained = (code: ChatErrorCode, detail: string) =>
				new ChatPlatformError(this, {
					code,
					message: `${error.message}: ${detail}`,
					context,
					httpStatus: error.httpStatus,
				});
			if (!team) {
				const code = error.httpStatus === 404 ? 'team_not_found' : 'not_a_member';
				throw explained(code, `the service account is not a member of any team ${teamId}`);
			}
			if (team.isArchived) throw explained('team_archived', `the team "${team.name}" is archived`);
			if (error.code === 'forbidden') {
				throw explained(
					'not_a_member',
					`the service account is in "${team.name}" but not in this private channel`,
				);
			}
			throw error;
		}
	}

	/** One Graph call through the credential's throttle; every failure a ChatPlatformError. */
	private async call<T>(
		what: string,
		context: ErrorContext,
		idempotent: boolean,
		request: () => Promise<T>,
	): Promise<T> {
		return await throttleFor(
			`teams:${this.throttleKey}:${what}`,
			CHAT_CALLS.has(what) ? CHAT_IN_FLIGHT : MAX_IN_FLIGHT,
		).run(
			async () => {
				try {
					return await request();
				} catch (error) {
					throw toTeamsError(what, error, context, idempotent);
				}
			},
			// Only answers that say "not done, try again later" carry a wait; an ambiguous failure never does.
			(error) =>
				error instanceof ChatPlatformError && !error.ambiguous
					? error.retryAfterSeconds
					: undefined,
			this.options.queueBudgetMs ?? QUEUE_BUDGET_MS,
		);
	}
}

interface KnownChats {
	meId?: Promise<string>;
	chatIds: Map<string, string>;
}

const knownByCredential = new Map<string, KnownChats>();

function knownChats(key: string | undefined): KnownChats {
	if (!key) return { chatIds: new Map() };
	let known = knownByCredential.get(key);
	if (!known) {
		known = { chatIds: new Map() };
		knownByCredential.set(key, known);
	}
	return known;
}

/** Teams channel ids look like 19:…@thread.tacv2 (older: @thread.skype). */
const TEAMS_CHANNEL_ID = /^19:.+@thread\.[a-z0-9]+$/i;

export function channelPath(teamId: string, channelId: string): string {
	return `/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(channelId)}`;
}

/** Graph wants this exact host in `user@odata.bind`, whatever cloud the calls go to. */
const GRAPH_BIND_BASE = 'https://graph.microsoft.com/v1.0';

function requireTeam(team: string | undefined): string {
	const id = team?.trim();
	if (!id)
		throw new ChatPlatformError(TEAMS_SOURCE, {
			code: 'team_required',
			message: 'No team was given for the Teams channel',
		});
	return id;
}

/** Every address the tenant vouches for, lowercased: mail, sign-in name, proxy addresses without `smtp:`. */
function toTeamsUser(user: GraphUser): TeamsUser {
	const proxies = (user.proxyAddresses ?? [])
		.filter((a) => /^smtp:/i.test(a))
		.map((a) => a.slice(5));
	const emails = [user.mail, user.userPrincipalName, ...proxies]
		.filter((a): a is string => typeof a === 'string' && a.includes('@'))
		.map(normalizeEmail);
	return {
		id: user.id,
		name: user.displayName ?? user.userPrincipalName ?? user.id,
		realName: user.displayName ?? undefined,
		email: (user.mail ?? user.userPrincipalName ?? undefined) || undefined,
		emails: [...new Set(emails)],
		active: user.accountEnabled !== false,
		isBot: false,
		// Graph lists only this tenant's directory; another tenant's user is not found at all.
		external: false,
		guest: user.userType === 'Guest',
		emailConfirmed: true,
	};
}
