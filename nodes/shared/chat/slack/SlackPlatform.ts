/**
 * The Slack adapter: the only place that speaks the Slack Web API (through @slack/web-api).
 * The SDK's own retries are off; rate limits go through our named policy, which waits a short
 * Retry-After and gives up on a long one, so a workflow never stalls for minutes.
 */
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';

import type {
	ChatChannel,
	ChatPlatform,
	ChatUser,
	OutgoingMessage,
	PostedMessage,
} from '../ChatPlatform';
import { ChatPlatformError, type ErrorContext } from '../errors';
import { renderSlack, validateSlackMessage } from '../../messages/render/slack';
import { RETRY_POLICIES, retryOnRateLimit, type RetryPolicy, type Sleep } from '../../retry';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack's page size for users.list and conversations.list; fewer, larger pages keep a 10k sync to tens of calls. */
const PAGE_SIZE = 1000;

export interface SlackPlatformOptions {
	token: string;
	apiUrl?: string;
	retry?: RetryPolicy;
	sleep?: Sleep;
}

interface SlackMember {
	id: string;
	name?: string;
	real_name?: string;
	deleted?: boolean;
	is_bot?: boolean;
	is_app_user?: boolean;
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

	private readonly client: WebClient;
	private appName?: string;

	constructor(private readonly options: SlackPlatformOptions) {
		this.client = new WebClient(options.token, {
			slackApiUrl: normalizeApiUrl(options.apiUrl),
			logger: silentLogger,
			retryConfig: { retries: 0 },
			rejectRateLimitedCalls: true,
			timeout: 30_000,
		});
	}

	async findUserByEmail(email: string): Promise<ChatUser | undefined> {
		try {
			const answer = await this.call<{ user: SlackMember }>('users.lookupByEmail', { email: email.trim() }, { user: email });
			return toChatUser(answer.user);
		} catch (error) {
			if (error instanceof ChatPlatformError && error.code === 'users_not_found') return undefined;
			throw error;
		}
	}

	async getUser(id: string): Promise<ChatUser> {
		return toChatUser((await this.call<{ user: SlackMember }>('users.info', { user: id }, { user: id })).user);
	}

	async *listUsers(): AsyncIterable<ChatUser[]> {
		let cursor: string | undefined;
		do {
			const page = await this.call<{ members: SlackMember[]; response_metadata?: { next_cursor?: string } }>(
				'users.list',
				{ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
			);
			yield page.members.map(toChatUser);
			cursor = page.response_metadata?.next_cursor || undefined;
		} while (cursor);
	}

	async searchChannels(filter = ''): Promise<ChatChannel[]> {
		const needle = filter.trim().replace(/^#/, '').toLowerCase();
		const channels: ChatChannel[] = [];
		let cursor: string | undefined;
		do {
			const page = await this.call<{ channels: SlackConversation[]; response_metadata?: { next_cursor?: string } }>(
				'conversations.list',
				{
					types: 'public_channel,private_channel',
					exclude_archived: true,
					limit: PAGE_SIZE,
					...(cursor ? { cursor } : {}),
				},
			);
			for (const channel of page.channels) {
				if (!needle || (channel.name ?? '').toLowerCase().includes(needle)) channels.push(toChatChannel(channel));
			}
			cursor = page.response_metadata?.next_cursor || undefined;
		} while (cursor);
		return channels.sort((a, b) => a.name.localeCompare(b.name));
	}

	async sendDirectMessage(userId: string, message: OutgoingMessage): Promise<PostedMessage> {
		this.validateMessage(message);
		const opened = await this.call<{ channel: { id: string } }>('conversations.open', { users: userId }, { user: userId });
		return await this.post(opened.channel.id, message, { user: userId });
	}

	async postToChannel(channel: string, message: OutgoingMessage): Promise<PostedMessage> {
		this.validateMessage(message);
		try {
			return await this.post(channel, message, { channel });
		} catch (error) {
			// Name the app in "/invite @<app>": one extra call, only when the post already failed.
			if (error instanceof ChatPlatformError && ['channel_not_found', 'not_in_channel'].includes(error.code)) {
				throw new ChatPlatformError('slack', error.code, error.message, {
					channel,
					appName: await this.lookUpAppName(),
				});
			}
			throw error;
		}
	}

	validateMessage(message: OutgoingMessage): void {
		validateSlackMessage(this.payload(message));
	}

	private payload(message: OutgoingMessage): { text: string; blocks?: unknown[] } {
		if (message.native) return { text: message.text, blocks: message.native };
		if (message.doc) return renderSlack(message.doc);
		return { text: message.text };
	}

	private async post(channel: string, message: OutgoingMessage, context: ErrorContext): Promise<PostedMessage> {
		const answer = await this.call<{ channel: string; ts: string }>(
			'chat.postMessage',
			{ channel, ...this.payload(message), unfurl_links: false },
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

	/** One Web API call, rate limits retried within the policy, every failure a ChatPlatformError. */
	private async call<T>(method: string, params: Record<string, unknown>, context: ErrorContext = {}): Promise<T> {
		return await retryOnRateLimit(
			async () => {
				try {
					return (await this.client.apiCall(method, params)) as unknown as T;
				} catch (error) {
					throw toChatError(method, error, context);
				}
			},
			(error) => (error instanceof ChatPlatformError && error.code === 'ratelimited' ? error.retryAfterSeconds : undefined),
			this.options.retry ?? RETRY_POLICIES.briefBurst,
			this.options.sleep,
		);
	}
}

export function normalizeApiUrl(url: string | undefined): string {
	const trimmed = (url ?? '').trim() || SLACK_DEFAULT_API_URL;
	return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

function toChatUser(member: SlackMember): ChatUser {
	return {
		id: member.id,
		name: member.name ?? member.id,
		realName: member.profile?.real_name ?? member.real_name,
		email: member.profile?.email,
		active: !member.deleted,
		isBot: Boolean(member.is_bot || member.is_app_user) || member.id === 'USLACKBOT',
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
			return new ChatPlatformError('slack', code, `Slack ${method} failed: ${code}${detail}`, {
				...context,
				neededScope: needed,
			});
		}
		case ErrorCode.RateLimitedError:
			return new ChatPlatformError(
				'slack',
				'ratelimited',
				`Slack ${method} was rate limited (retry after ${sdk.retryAfter ?? '?'} s)`,
				context,
				sdk.retryAfter ?? 1,
				429,
			);
		case ErrorCode.HTTPError: {
			const status = sdk.statusCode ?? 0;
			const code = status === 503 ? 'service_unavailable' : 'internal_error';
			return new ChatPlatformError('slack', code, `Slack ${method} failed with HTTP ${status}`, context, undefined, status);
		}
		default:
			return new ChatPlatformError('slack', 'unreachable', `Could not reach Slack for ${method}`, context);
	}
}
