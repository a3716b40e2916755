/**
 * The Slack adapter: the only place that speaks the Slack Web API (through @slack/web-api).
 * The SDK's own retries are off; every call waits its turn in the credential's throttle
 * (chat/throttle.ts), which rides out 429s for all executions at once within a budget.
 */
import { ErrorCode, LogLevel, WebClient, type FetchFunction, type Logger } from '@slack/web-api';

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
import { SLACK_ERROR_FIXES, SLACK_TO_NEUTRAL } from './fixes';
import { QUEUE_BUDGET_MS, throttleFor } from '../throttle';
import { slackRenderer, toSlackPayload } from './render';
import { bindRecipient } from '../recipientBinding';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack's page size for users.list and conversations.list; fewer, larger pages keep a 10k sync to tens of calls. */
const PAGE_SIZE = 1000;
/** 1,000 pages of 1,000: far beyond any workspace, short of looping forever. */
const MAX_PAGES = 1000;
/** Messages read back per conversations.history page when looking for a tagged post. */
const HISTORY_PAGE = 200;
const HISTORY_MAX_PAGES = 5;
/** Slack message metadata type that carries our delivery tag. */
export const DELIVERY_EVENT_TYPE = 'perks_delivery';

export interface SlackPlatformOptions {
	/** Sends each request and signs it: the client holds no token of its own. */
	fetch: FetchFunction;
	apiUrl?: string;
	/** Shared by every execution using the same credential. */
	throttleKey: string;
	/** Longest a call waits for its turn, 429 pauses included. */
	queueBudgetMs?: number;
	/** The app's signing secret: binds a DM's "Show my balance" button to its recipient (required for it). */
	signingSecret?: string;
}

interface SlackMember {
	id: string;
	name?: string;
	real_name?: string;
	deleted?: boolean;
	is_bot?: boolean;
	is_app_user?: boolean;
	team_id?: string;
	is_stranger?: boolean;
	is_restricted?: boolean;
	is_ultra_restricted?: boolean;
	is_email_confirmed?: boolean;
	profile?: { email?: string; real_name?: string };
}

interface SlackConversation {
	id: string;
	name?: string;
	is_private?: boolean;
	is_archived?: boolean;
}

/** Keeps the SDK quiet: its log lines could carry request details. */
const silentLogger: Logger = {
	debug: () => {},
	info: () => {},
	warn: () => {},
	error: () => {},
	setLevel: () => {},
	getLevel: () => LogLevel.ERROR,
	setName: () => {},
};

export class SlackPlatform implements ChatPlatform {
	readonly name = 'slack' as const;
	readonly fixes = SLACK_ERROR_FIXES;

	readonly directoryKey: string;
	private readonly client: WebClient;
	private readonly throttleKey: string;
	private appName?: string;
	/** User id → DM channel id, shared by the credential's executions (only history reads need it). */
	private readonly dmChannels: Map<string, string>;
	private channelsByName?: Map<string, ChatChannel>;

	constructor(private readonly options: SlackPlatformOptions) {
		this.client = new WebClient(undefined, {
			fetch: options.fetch,
			slackApiUrl: normalizeApiUrl(options.apiUrl),
			logger: silentLogger,
			retryConfig: { retries: 0 },
			rejectRateLimitedCalls: true,
			timeout: 30_000,
		});
		this.throttleKey = options.throttleKey;
		this.directoryKey = `slack:${options.throttleKey}|${normalizeApiUrl(options.apiUrl)}`;
		this.dmChannels = sharedDmChannels(this.directoryKey);
	}

	async findUserByEmail(email: string): Promise<ChatUser | undefined> {
		try {
			const answer = await this.call<{ user: SlackMember }>(
				'users.lookupByEmail',
				{ email: email.trim() },
				{ user: email },
			);
			return toChatUser(answer.user);
		} catch (error) {
			if (error instanceof ChatPlatformError && error.code === 'recipient_not_found')
				return undefined;
			throw error;
		}
	}

	/** The account, `external` unless its team_id is the app's own workspace (from auth.test). */
	async getUser(id: string): Promise<ChatUser> {
		const { user } = await this.call<{ user: SlackMember }>(
			'users.info',
			{ user: id },
			{ user: id },
		);
		// No team id from auth.test: nobody counts as the workspace's own.
		return toChatUser(user, (await this.workspaceId()) ?? '');
	}

	/**
	 * The workspace the token belongs to, asked once per credential (auth.test) and kept a while.
	 * Not the request's team_id: a Slack Connect stranger's command may carry their own team, and
	 * the question item passes through the workflow, where any node may change it.
	 */
	private async workspaceId(): Promise<string | undefined> {
		const key = `${this.throttleKey}|${normalizeApiUrl(this.options.apiUrl)}`;
		const known = workspaceIds.get(key);
		if (known && known.until > Date.now()) return await known.id;
		const id = this.call<{ team_id?: string }>('auth.test', {}).then((a) => a.team_id);
		workspaceIds.set(key, { id, until: Date.now() + WORKSPACE_ID_TTL_MS });
		// A failed auth.test is not remembered: the next question asks again.
		id.catch(() => workspaceIds.delete(key));
		return await id;
	}

	async *listUsers(): AsyncIterable<ChatUser[]> {
		for await (const page of this.pages<{ members: SlackMember[] }>('users.list', {
			limit: PAGE_SIZE,
		})) {
			yield page.members.map((member) => toChatUser(member));
		}
	}

	async searchChannels(filter = ''): Promise<ChatChannel[]> {
		const needle = filter.trim().replace(/^#/, '').toLowerCase();
		const channels = (await this.allChannels()).filter(
			(c) => !needle || c.name.toLowerCase().includes(needle),
		);
		return channels.sort((a, b) => a.name.localeCompare(b.name));
	}

	/** Slack has no teams: every channel is in the workspace. */
	async searchTeams(): Promise<ChatTeam[]> {
		return [];
	}

	async resolveChannel({ channel }: ChannelTarget): Promise<ChatChannel> {
		const trimmed = channel.trim();
		if (SLACK_CHANNEL_ID.test(trimmed))
			return { id: trimmed, name: trimmed, isPrivate: false, isArchived: false };
		const name = trimmed.replace(/^#/, '').toLowerCase();
		if (!this.channelsByName) {
			this.channelsByName = new Map(
				(await this.allChannels()).map((c) => [c.name.toLowerCase(), c]),
			);
		}
		const found = this.channelsByName.get(name);
		if (found) return found;
		throw new ChatPlatformError(this, {
			code: 'channel_not_found',
			message: `Slack has no channel "${trimmed}" that the app can see`,
			context: {
				channel: trimmed,
				appName: await this.lookUpAppName(),
			},
		});
	}

	private async allChannels(): Promise<ChatChannel[]> {
		const channels: ChatChannel[] = [];
		const params = {
			types: 'public_channel,private_channel',
			exclude_archived: true,
			limit: PAGE_SIZE,
		};
		for await (const page of this.pages<{ channels: SlackConversation[] }>(
			'conversations.list',
			params,
		)) {
			channels.push(...page.channels.map(toChatChannel));
		}
		return channels;
	}

	/** Cursor paging that stops with an error on a repeated cursor or past the page cap, never loops. */
	private async *pages<T>(method: string, params: Record<string, unknown>): AsyncIterable<T> {
		const seen = new Set<string>();
		let cursor: string | undefined;
		for (let page = 1; ; page++) {
			const answer = await this.call<T & { response_metadata?: { next_cursor?: string } }>(method, {
				...params,
				...(cursor ? { cursor } : {}),
			});
			yield answer as T;
			cursor = answer.response_metadata?.next_cursor || undefined;
			if (!cursor) return;
			if (seen.has(cursor)) {
				throw new ChatPlatformError(this, {
					code: 'pagination_loop',
					message: `Slack ${method} repeated a page cursor after ${page} pages`,
				});
			}
			if (page >= MAX_PAGES) {
				throw new ChatPlatformError(this, {
					code: 'too_many_pages',
					message: `Slack ${method} went past ${MAX_PAGES} pages`,
				});
			}
			seen.add(cursor);
		}
	}

	async sendDirectMessage(
		userId: string,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		message = this.withBalanceButton(message, userId);
		this.validateMessage(message);
		// Posting to the user id lands in the app's DM with them: no conversations.open (Tier 3)
		// per DM. The answer names the DM channel, kept for a later history read.
		try {
			const posted = await this.post(userId, message, tag, { user: userId });
			this.dmChannels.set(userId, posted.channelId);
			return posted;
		} catch (error) {
			throw asRecipientError(error, userId);
		}
	}

	async postToChannel(
		{ channel }: ChannelTarget,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage> {
		this.validateMessage(message);
		try {
			return await this.post(channel, message, tag, { channel });
		} catch (error) {
			// Name the app in "/invite @<app>": one extra call, only when the post already failed.
			if (
				error instanceof ChatPlatformError &&
				['channel_not_found', 'not_a_member'].includes(error.code)
			) {
				throw new ChatPlatformError(this, {
					code: error.code,
					message: error.message,
					context: {
						channel,
						appName: await this.lookUpAppName(),
					},
				});
			}
			throw error;
		}
	}

	/** Reads the conversation back (newest first, a few pages) for a message carrying our tag. */
	async findTaggedMessage(
		target: MessageTarget,
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined> {
		// The DM channel a post answered with; conversations.open only when no post has named it.
		const channel = 'userId' in target ? await this.openDm(target.userId) : target.channel.channel;
		try {
			return await this.findInHistory(channel, tag, sinceMs);
		} catch (error) {
			// A public channel posted to with chat:write.public is unreadable until the app joins it.
			if (
				!(error instanceof ChatPlatformError && error.code === 'not_a_member') ||
				'userId' in target
			)
				throw error;
			await this.call('conversations.join', { channel }, { channel });
			return await this.findInHistory(channel, tag, sinceMs);
		}
	}

	private async findInHistory(
		channel: string,
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined> {
		// A minute of slack for clock skew between n8n and Slack.
		const oldest = String(Math.max(0, Math.floor(sinceMs / 1000) - 60));
		let pages = 0;
		for await (const page of this.pages<{ messages?: SlackHistoryMessage[] }>(
			'conversations.history',
			{
				channel,
				oldest,
				limit: HISTORY_PAGE,
				include_all_metadata: true,
			},
		)) {
			const hit = page.messages?.find(
				(m) =>
					m.metadata?.event_type === DELIVERY_EVENT_TYPE &&
					m.metadata.event_payload?.delivery === tag,
			);
			if (hit) return { channelId: channel, messageId: hit.ts };
			if (++pages >= HISTORY_MAX_PAGES) break;
		}
		return undefined;
	}

	/** A DM asked to offer "Show my balance" gets it, bound to its recipient with the signing secret. */
	private withBalanceButton(message: OutgoingMessage, userId: string): OutgoingMessage {
		if (!message.doc?.showBalance) return message;
		return { ...message, showBalanceFor: bindRecipient(this.signingSecretForButton(), userId) };
	}

	/** Without the secret a click could not be verified: refused, never sent without the asked-for button. */
	private signingSecretForButton(): string {
		const secret = this.options.signingSecret?.trim();
		if (secret) return secret;
		throw new ChatPlatformError(this, {
			code: 'signing_secret_required',
			message: 'The "Show my balance" button needs the Slack credential\'s Signing Secret',
		});
	}

	validateMessage(message: OutgoingMessage): void {
		if (message.doc?.showBalance) this.signingSecretForButton();
		slackRenderer.validate(message);
	}

	private async openDm(userId: string): Promise<string> {
		let channel = this.dmChannels.get(userId);
		if (!channel) {
			channel = (
				await this.call<{ channel: { id: string } }>(
					'conversations.open',
					{ users: userId },
					{ user: userId },
				)
			).channel.id;
			this.dmChannels.set(userId, channel);
		}
		return channel;
	}

	private async post(
		channel: string,
		message: OutgoingMessage,
		tag: string | undefined,
		context: ErrorContext,
	): Promise<PostedMessage> {
		const metadata = tag
			? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { delivery: tag } } }
			: {};
		const answer = await this.call<{ channel: string; ts: string }>(
			'chat.postMessage',
			{ channel, ...toSlackPayload(message), unfurl_links: false, ...metadata },
			context,
		);
		return { channelId: answer.channel, messageId: answer.ts };
	}

	private async lookUpAppName(): Promise<string | undefined> {
		if (this.appName) return this.appName;
		try {
			const identity = await this.call<{ user?: string }>('auth.test', {});
			this.appName = identity.user;
		} catch {
			this.appName = undefined; // the invite hint then says <app name>
		}
		return this.appName;
	}

	/** One Web API call through the credential's throttle; every failure a ChatPlatformError. */
	private async call<T>(
		method: string,
		params: Record<string, unknown>,
		context: ErrorContext = {},
	): Promise<T> {
		return await throttleFor(`slack:${this.throttleKey}:${method}`).run(
			async () => {
				try {
					return (await this.client.apiCall(method, params)) as unknown as T;
				} catch (error) {
					throw toChatError(method, error, context);
				}
			},
			(error) =>
				error instanceof ChatPlatformError && error.code === 'rate_limited'
					? error.retryAfterSeconds
					: undefined,
			this.options.queueBudgetMs ?? QUEUE_BUDGET_MS,
		);
	}
}

const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

/** Per credential and workspace; at most one entry per person DMed, like the directory. */
const dmChannelsByCredential = new Map<string, Map<string, string>>();

function sharedDmChannels(key: string): Map<string, string> {
	let channels = dmChannelsByCredential.get(key);
	if (!channels) {
		channels = new Map();
		dmChannelsByCredential.set(key, channels);
	}
	return channels;
}

/**
 * A post to a user id that Slack refuses as an archived or unknown conversation means the person
 * is deactivated or gone (their DM is archived): said as such, so the directory forgets them.
 */
const RECIPIENT_CODES: Partial<Record<ChatErrorCode, ChatErrorCode>> = {
	channel_archived: 'recipient_disabled',
	channel_not_found: 'recipient_not_found',
};

function asRecipientError(error: unknown, userId: string): unknown {
	if (!(error instanceof ChatPlatformError)) return error;
	const code = RECIPIENT_CODES[error.code];
	if (!code) return error;
	return new ChatPlatformError(SLACK, { code, message: error.message, context: { user: userId } });
}

/** Each credential's workspace id; re-asked hourly in case a token was swapped for another workspace's. */
const workspaceIds = new Map<string, { id: Promise<string | undefined>; until: number }>();
const WORKSPACE_ID_TTL_MS = 60 * 60 * 1000;
/** The error source for failures raised outside an instance. */
const SLACK = { name: 'slack', fixes: SLACK_ERROR_FIXES };

interface SlackHistoryMessage {
	ts: string;
	metadata?: { event_type?: string; event_payload?: { delivery?: string } };
}

export function normalizeApiUrl(url: string | undefined): string {
	const trimmed = (url ?? '').trim() || SLACK_DEFAULT_API_URL;
	return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** With `ownTeamId`, an account of any other team is `external` (without it, only strangers are). */
function toChatUser(member: SlackMember, ownTeamId?: string): ChatUser {
	const otherTeam = ownTeamId !== undefined && member.team_id !== ownTeamId;
	return {
		id: member.id,
		name: member.name ?? member.id,
		realName: member.profile?.real_name ?? member.real_name,
		email: member.profile?.email,
		active: !member.deleted,
		isBot: Boolean(member.is_bot || member.is_app_user) || member.id === 'USLACKBOT',
		external: Boolean(member.is_stranger) || otherTeam,
		guest: Boolean(member.is_restricted || member.is_ultra_restricted),
		// Missing counts as unconfirmed: a profile email Slack does not vouch for is a claim.
		emailConfirmed: member.is_email_confirmed === true,
	};
}

function toChatChannel(channel: SlackConversation): ChatChannel {
	return {
		id: channel.id,
		name: channel.name ?? channel.id,
		isPrivate: Boolean(channel.is_private),
		isArchived: Boolean(channel.is_archived),
	};
}

/** Only codes and Slack's own error names reach the message: never the token or request details. */
function toChatError(method: string, error: unknown, context: ErrorContext): ChatPlatformError {
	const sdk = error as {
		code?: string;
		data?: { error?: string; needed?: string };
		retryAfter?: number;
		statusCode?: number;
	};
	switch (sdk?.code) {
		case ErrorCode.PlatformError: {
			const code = sdk.data?.error ?? 'unknown';
			const needed = sdk.data?.needed;
			const detail = needed ? ` (needs scope ${needed})` : '';
			return new ChatPlatformError(SLACK, {
				code: Object.hasOwn(SLACK_TO_NEUTRAL, code) ? SLACK_TO_NEUTRAL[code] : 'unknown',
				message: `Slack ${method} failed: ${code}${detail}`,
				context: {
					...context,
					neededScope: needed,
				},
			});
		}
		case ErrorCode.RateLimitedError:
			return new ChatPlatformError(SLACK, {
				code: 'rate_limited',
				message: `Slack ${method} was rate limited (retry after ${sdk.retryAfter ?? '?'} s)`,
				context,
				retryAfterSeconds: sdk.retryAfter ?? 1,
				httpStatus: 429,
			});
		case ErrorCode.HTTPError: {
			// Slack may have acted before failing: a post is then looked for before it is sent again.
			const status = sdk.statusCode ?? 0;
			const code = status === 503 ? 'service_unavailable' : 'internal_error';
			return new ChatPlatformError(SLACK, {
				code,
				message: `Slack ${method} failed with HTTP ${status}`,
				context,
				httpStatus: status,
				ambiguous: true,
			});
		}
		default: {
			// A refused connection never reached Slack; a reset or timeout may have, after Slack acted.
			const cause = (sdk as { original?: { code?: string } }).original?.code ?? '';
			const neverSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(cause);
			return new ChatPlatformError(SLACK, {
				code: 'unreachable',
				message: `Could not reach Slack for ${method}`,
				context,
				ambiguous: !neverSent,
			});
		}
	}
}
