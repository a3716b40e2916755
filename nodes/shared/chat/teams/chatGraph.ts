/**
 * The Graph calls behind 1:1 questions to the service account: change-notification
 * subscriptions on its chats, and reading the message a notification names. Subscriptions are
 * found by their notificationUrl, so the only thing a process must remember is the clientState
 * (kept in the node's static data); one recreated after a `subscriptionRemoved` keeps it.
 */
import type { Client } from '@microsoft/microsoft-graph-client';

import { ChatPlatformError } from '../errors';
import { toTeamsError } from './errors';
import { TEAMS_SOURCE } from './fixes';
import { createGraphClient, type GraphTransport } from './graphClient';

/** Every message in every chat the service account is in (delegated Chat.Read). */
export const CHAT_MESSAGES_RESOURCE = '/me/chats/getAllMessages';
/** Graph's longest lifetime for chat message subscriptions: 3 days. */
const MAX_MINUTES = 4320;
/** 70 hours: under Graph's limit, with room for clock skew between n8n and Graph. */
const DEFAULT_MINUTES = 4200;

export interface GraphSubscription {
	id: string;
	notificationUrl: string;
	expirationDateTime: string;
}

export interface GraphChatMessage {
	id: string;
	chatId?: string;
	messageType?: string;
	createdDateTime?: string;
	from?: {
		user?: { id?: string; displayName?: string | null } | null;
		application?: unknown;
	} | null;
	body?: { contentType?: string; content?: string };
}

/** Subscription lifetime in minutes; PERKS_GRAPH_SUBSCRIPTION_MINUTES shortens it for tests. */
export function subscriptionMinutes(): number {
	// A test setting, with no place in the editor: n8n offers nodes no other channel for it.
	// eslint-disable-next-line @n8n/community-nodes/no-restricted-globals
	const fromEnv = Number(process.env.PERKS_GRAPH_SUBSCRIPTION_MINUTES);
	return Number.isFinite(fromEnv) && fromEnv > 0 ? Math.min(fromEnv, MAX_MINUTES) : DEFAULT_MINUTES;
}

export class TeamsChatGraph {
	private readonly client: Client;

	constructor(
		transport: GraphTransport,
		graphApiBaseUrl: string | undefined,
		private readonly minutes = subscriptionMinutes(),
	) {
		this.client = createGraphClient(graphApiBaseUrl, transport);
	}

	/** Live subscriptions of this app and account that notify `url`, newest expiry first. */
	async find(url: string): Promise<GraphSubscription[]> {
		const page = await this.call<{ value: GraphSubscription[] }>('subscription listing', true, () =>
			this.client.api('/subscriptions').get(),
		);
		return page.value
			.filter((sub) => sub.notificationUrl === url)
			.sort((a, b) => Date.parse(b.expirationDateTime) - Date.parse(a.expirationDateTime));
	}

	/** Graph validates `url` (a POST with ?validationToken) before it answers. */
	async create(url: string, clientState: string): Promise<GraphSubscription> {
		return await this.call('subscription creation', true, () =>
			this.client.api('/subscriptions').post({
				changeType: 'created',
				resource: CHAT_MESSAGES_RESOURCE,
				notificationUrl: url,
				lifecycleNotificationUrl: url,
				clientState,
				expirationDateTime: this.expiry(),
			}),
		);
	}

	async renew(id: string): Promise<GraphSubscription> {
		return await this.call('subscription renewal', true, () =>
			this.client
				.api(`/subscriptions/${encodeURIComponent(id)}`)
				.patch({ expirationDateTime: this.expiry() }),
		);
	}

	/** Deleting one that is already gone is fine. */
	async remove(id: string): Promise<void> {
		try {
			await this.call('subscription removal', true, () =>
				this.client.api(`/subscriptions/${encodeURIComponent(id)}`).delete(),
			);
		} catch (error) {
			if (!(error instanceof ChatPlatformError && error.httpStatus === 404)) throw error;
		}
	}

	/** Exactly one live subscription for `url` afterwards: the newest renewed, extras deleted, one created if none. */
	async ensure(url: string, clientState: string): Promise<GraphSubscription> {
		const [newest, ...extras] = await this.find(url);
		for (const extra of extras) await this.remove(extra.id);
		if (newest) {
			try {
				return await this.renew(newest.id);
			} catch (error) {
				// It lapsed between the listing and the renewal.
				if (!(error instanceof ChatPlatformError && error.httpStatus === 404)) throw error;
			}
		}
		return await this.create(url, clientState);
	}

	/** The signed-in (service) account's user id. */
	async serviceAccountId(): Promise<string> {
		const me = await this.call<{ id: string }>('sign-in check', true, () =>
			this.client.api('/me').select('id').get(),
		);
		return me.id;
	}

	/** `resource` as a notification names it, e.g. `chats('19:…')/messages('…')`. */
	async message(resource: string): Promise<GraphChatMessage> {
		return await this.call('message read', true, () =>
			this.client.api(`/${resource.replace(/^\/+/, '')}`).get(),
		);
	}

	async chatType(chatId: string): Promise<string | undefined> {
		const chat = await this.call<{ chatType?: string }>('chat read', true, () =>
			this.client
				.api(`/chats/${encodeURIComponent(chatId)}`)
				.select('id,chatType')
				.get(),
		);
		return chat.chatType;
	}

	private expiry(): string {
		return new Date(Date.now() + this.minutes * 60_000).toISOString();
	}

	private async call<T>(what: string, idempotent: boolean, request: () => Promise<T>): Promise<T> {
		try {
			return await request();
		} catch (error) {
			const failure = toTeamsError(what, error, {}, idempotent);
			if (
				what === 'subscription creation' &&
				failure.code === 'bad_request' &&
				/Validation/i.test(failure.message)
			) {
				throw new ChatPlatformError(TEAMS_SOURCE, {
					code: 'notification_url_unreachable',
					message: failure.message,
					httpStatus: failure.httpStatus,
				});
			}
			throw failure;
		}
	}
}

/** Teams chat ids as they appear in a notification's resource: chats('<id>')/messages('<id>'). */
export function parseMessageResource(
	resource: string,
): { chatId: string; messageId: string } | undefined {
	const match = /chats\('([^']+)'\)\/messages\('([^']+)'\)/i.exec(resource);
	return match ? { chatId: match[1], messageId: match[2] } : undefined;
}
