/**
 * The Microsoft Teams adapter: the only place that speaks Microsoft Graph (through
 * @microsoft/microsoft-graph-client). HTTP goes through an injected transport, so n8n owns the
 * OAuth2 tokens; rate limits go through our named policy, and a post is never retried when it
 * may already have gone through.
 */
import type { Client } from '@microsoft/microsoft-graph-client';

import type { ChatChannel, ChatPlatform, ChatUser, OutgoingMessage, PostedMessage } from '../ChatPlatform';
import { ChatPlatformError, type ErrorContext } from '../errors';
import { RETRY_POLICIES, retryOnRateLimit, type RetryPolicy, type Sleep } from '../../retry';
import { normalizeEmail } from '../../mapping/recipients';
import { toTeamsError } from './errors';
import { createGraphClient, relativeNextLink, type GraphTransport } from './graphClient';
import { toGraphMessage } from './message';

/** Graph's largest page for /users: 10,000 users cost 11 calls. */
const PAGE_SIZE = 999;
const USER_FIELDS = 'id,displayName,mail,userPrincipalName,otherMails,proxyAddresses,accountEnabled';

export interface TeamsPlatformOptions {
	transport: GraphTransport;
	/** The credential's "Graph API Base URL" (national clouds, tests). */
	graphApiBaseUrl?: string;
	retry?: RetryPolicy;
	sleep?: Sleep;
}

export interface ChatTeam {
	id: string;
	name: string;
	isArchived: boolean;
}

/** A Teams user with every address they can be found by (for the bulk join). */
export interface TeamsUser extends ChatUser {
	emails: string[];
}

interface GraphUser {
	id: string;
	displayName?: string | null;
	mail?: string | null;
	userPrincipalName?: string | null;
	otherMails?: string[];
	proxyAddresses?: string[];
	accountEnabled?: boolean | null;
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

interface Page<T> {
	value: T[];
	'@odata.nextLink'?: string;
}

// postToChannel takes a team too; ChatPlatform's signature follows in phase 2 of issue 7.
export class TeamsPlatform implements Omit<ChatPlatform, 'postToChannel' | 'findTaggedMessage' | 'resolveChannel'> {
	readonly name = 'teams' as const;

	private readonly client: Client;
	private meId?: string;

	constructor(private readonly options: TeamsPlatformOptions) {
		this.client = createGraphClient(options.graphApiBaseUrl, options.transport);
	}

	async findUserByEmail(email: string): Promise<TeamsUser | undefined> {
		const wanted = normalizeEmail(email);
		const quoted = `'${wanted.replace(/'/g, "''")}'`;
		// One call for every place an address can live; SMTP:/smtp: both, in case Graph compares case-sensitively.
		const filter = [
			`mail eq ${quoted}`,
			`userPrincipalName eq ${quoted}`,
			`otherMails/any(x:x eq ${quoted})`,
			`proxyAddresses/any(x:x eq 'smtp:${quoted.slice(1)})`,
			`proxyAddresses/any(x:x eq 'SMTP:${quoted.slice(1)})`,
		].join(' or ');
		const page = await this.call<Page<GraphUser>>('user lookup', { user: email }, true, () =>
			this.client.api('/users').select(USER_FIELDS).filter(encodeURIComponent(filter)).get(),
		);
		const users = page.value.map(toTeamsUser).filter((user) => user.emails.includes(wanted));
		// An enabled account wins over a disabled one with the same alias.
		return users.find((user) => user.active) ?? users[0];
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
			const page = await this.call<Page<GraphUser>>('user listing', {}, true, () => this.client.api(current).get());
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
		const teamId = requireTeam(team);
		const needle = filter.trim().replace(/^#/, '').toLowerCase();
		const page = await this.teamCall<Page<GraphChannel>>('channel listing', teamId, {}, true, () =>
			this.client
				.api(`/teams/${encodeURIComponent(teamId)}/channels`)
				.select('id,displayName,membershipType')
				.get(),
		);
		return page.value
			.map((channel) => ({
				id: channel.id,
				name: channel.displayName ?? channel.id,
				isPrivate: channel.membershipType === 'private',
				isArchived: false,
			}))
			.filter((channel) => !needle || channel.name.toLowerCase().includes(needle))
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	async sendDirectMessage(userId: string, message: OutgoingMessage): Promise<PostedMessage> {
		const payload = toGraphMessage(message);
		const me = await this.serviceAccountId();
		const member = (id: string) => ({
			'@odata.type': '#microsoft.graph.aadUserConversationMember',
			roles: ['owner'],
			'user@odata.bind': `${GRAPH_BIND_BASE}/users('${id.replace(/'/g, "''")}')`,
		});
		// Graph returns the existing 1:1 chat when there is one, so this is safe to repeat.
		const chat = await this.call<{ id: string }>('chat creation', { user: userId }, true, () =>
			this.client.api('/chats').post({ chatType: 'oneOnOne', members: [member(me), member(userId)] }),
		);
		const posted = await this.call<{ id: string }>('message post', { user: userId }, false, () =>
			this.client.api(`/chats/${encodeURIComponent(chat.id)}/messages`).post(payload),
		);
		return { channelId: chat.id, messageId: posted.id };
	}

	async postToChannel(target: { team?: string; channel: string }, message: OutgoingMessage): Promise<PostedMessage> {
		const payload = toGraphMessage(message);
		const teamId = requireTeam(target.team);
		const path = `/teams/${encodeURIComponent(teamId)}/channels/${encodeURIComponent(target.channel)}/messages`;
		const posted = await this.teamCall<{ id: string }>('channel post', teamId, { channel: target.channel }, false, () =>
			this.client.api(path).post(payload),
		);
		return { channelId: target.channel, messageId: posted.id };
	}

	validateMessage(message: OutgoingMessage): void {
		toGraphMessage(message);
	}

	private async serviceAccountId(): Promise<string> {
		this.meId ??= (
			await this.call<{ id: string }>('sign-in check', {}, true, () => this.client.api('/me').select('id').get())
		).id;
		return this.meId;
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
			const unclear = ['forbidden', 'channel_not_found', 'unknown'];
			if (!(error instanceof ChatPlatformError) || !unclear.includes(error.code)) throw error;
			const joined = await this.joinedTeams().catch(() => undefined);
			if (!joined) throw error;
			const team = joined.find((t) => t.id === teamId);
			const explained = (code: string, detail: string) =>
				new ChatPlatformError('teams', code, `${error.message}: ${detail}`, context, undefined, error.httpStatus);
			if (!team) {
				const code = error.httpStatus === 404 ? 'team_not_found' : 'not_a_member';
				throw explained(code, `the service account is not a member of any team ${teamId}`);
			}
			if (team.isArchived) throw explained('team_archived', `the team "${team.name}" is archived`);
			if (error.code === 'forbidden') {
				throw explained('not_a_member', `the service account is in "${team.name}" but not in this private channel`);
			}
			throw error;
		}
	}

	/** One Graph call, rate limits retried within the policy, every failure a ChatPlatformError. */
	private async call<T>(
		what: string,
		context: ErrorContext,
		idempotent: boolean,
		request: () => Promise<T>,
	): Promise<T> {
		return await retryOnRateLimit(
			async () => {
				try {
					return await request();
				} catch (error) {
					throw toTeamsError(what, error, context, idempotent);
				}
			},
			(error) => (error instanceof ChatPlatformError ? error.retryAfterSeconds : undefined),
			this.options.retry ?? RETRY_POLICIES.briefBurst,
			this.options.sleep,
		);
	}
}

/** Graph wants this exact host in `user@odata.bind`, whatever cloud the calls go to. */
const GRAPH_BIND_BASE = 'https://graph.microsoft.com/v1.0';

function requireTeam(team: string | undefined): string {
	const id = team?.trim();
	if (!id) throw new ChatPlatformError('teams', 'team_required', 'No team was given for the Teams channel');
	return id;
}

/** Every address of a user, lowercased: mail, sign-in name, other mails, proxy addresses without `smtp:`. */
function toTeamsUser(user: GraphUser): TeamsUser {
	const proxies = (user.proxyAddresses ?? []).filter((a) => /^smtp:/i.test(a)).map((a) => a.slice(5));
	const emails = [user.mail, user.userPrincipalName, ...(user.otherMails ?? []), ...proxies]
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
	};
}
