/**
 * What the perks nodes need from a chat platform, and nothing more. Operations talk to this
 * interface only; the Slack and Microsoft Teams adapters are the only files that import an SDK,
 * so a platform or an SDK can be swapped without touching a node.
 */
import type { MessageDoc } from '../messages/MessageDoc';

export type PlatformName = 'slack' | 'teams';

export interface ChatUser {
	id: string;
	name: string;
	realName?: string;
	email?: string;
	/** False for deactivated (deleted) accounts. */
	active: boolean;
	/** Bots and apps are never matched to an employee. */
	isBot: boolean;
}

export interface ChatChannel {
	id: string;
	name: string;
	isPrivate: boolean;
	isArchived: boolean;
}

/** What to post: a MessageDoc the adapter lays out, or the platform's own payload. */
export interface OutgoingMessage {
	text: string;
	doc?: MessageDoc;
	/** Platform-native rich content supplied by the user (Slack: Block Kit blocks). */
	native?: unknown[];
}

export interface PostedMessage {
	channelId: string;
	/** Slack: the message `ts`. */
	messageId: string;
}

export type MessageTarget = { userId: string } | { channel: string };

export interface ChatPlatform {
	readonly name: PlatformName;
	/** Undefined when no account has this email (compared trimmed, case-insensitively). */
	findUserByEmail(email: string): Promise<ChatUser | undefined>;
	getUser(id: string): Promise<ChatUser>;
	/** Every account, page by page, in bulk calls. */
	listUsers(): AsyncIterable<ChatUser[]>;
	/** Channels the app can post to, optionally filtered by a name fragment. */
	searchChannels(filter?: string): Promise<ChatChannel[]>;
	/** `tag` marks the message invisibly so `findTaggedMessage` can find it after an ambiguous failure. */
	sendDirectMessage(userId: string, message: OutgoingMessage, tag?: string): Promise<PostedMessage>;
	postToChannel(channel: string, message: OutgoingMessage, tag?: string): Promise<PostedMessage>;
	/** A message this app posted with `tag` since `sinceMs`, in the user's DM or the channel. */
	findTaggedMessage(target: MessageTarget, tag: string, sinceMs: number): Promise<PostedMessage | undefined>;
	/** The channel an ID, a name or a #name stands for, so one channel is always one key. */
	resolveChannel(channel: string): Promise<ChatChannel>;
	/** Rejects a message the platform would refuse or cut, before any call. */
	validateMessage(message: OutgoingMessage): void;
}
