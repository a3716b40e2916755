/**
 * What the perks nodes need from a chat platform, and nothing more. Operations talk to this
 * interface only; each platform lives in its own folder (registered in platforms.ts), and only
 * files in that folder import its SDK, so a platform or an SDK can be swapped without touching a
 * node.
 */
import type { MessageDoc } from '../messages/MessageDoc';
import type { FixTable } from './errors';

export interface ChatUser {
	id: string;
	name: string;
	realName?: string;
	email?: string;
	/** Every address the account is known by (Teams: mail, sign-in name, aliases; never otherMails), lowercased; `email` when absent. */
	emails?: string[];
	/** False for deactivated (deleted) accounts. */
	active: boolean;
	/** Bots and apps are never matched to an employee. */
	isBot: boolean;
	/**
	 * Not a member of the app's own workspace or tenant (Slack: another `team_id`, or a Slack
	 * Connect stranger): its email is whatever that other organisation says, so it proves nothing.
	 */
	external?: boolean;
	/** A guest account (Slack: single- or multi-channel guest; Entra: userType Guest). */
	guest?: boolean;
	/** False when the platform does not vouch that the account owns `email` (Slack: is_email_confirmed). */
	emailConfirmed?: boolean;
}

export interface ChatChannel {
	id: string;
	name: string;
	isPrivate: boolean;
	isArchived: boolean;
}

/** A group of channels (a Microsoft Teams team); platforms without one list none. */
export interface ChatTeam {
	id: string;
	name: string;
	isArchived: boolean;
}

/** A channel, inside a team where the platform has teams (Slack ignores `team`). */
export interface ChannelTarget {
	team?: string;
	channel: string;
}

/** What to post: a MessageDoc the adapter lays out, or the platform's own payload. */
export interface OutgoingMessage {
	text: string;
	/** `text` is plain text built from data (a chat answer): shown literally, never parsed as markup. */
	literal?: boolean;
	doc?: MessageDoc;
	/** Platform-native rich content supplied by the user (Slack: Block Kit blocks; Teams: Adaptive Cards). */
	native?: unknown[];
	/** The value a DM's "Show my balance" button carries: the recipient, bound (recipientBinding.ts). */
	showBalanceFor?: string;
}

export interface PostedMessage {
	channelId: string;
	/** Slack: the message `ts`; Teams: the chatMessage id. */
	messageId: string;
}

export type MessageTarget = { userId: string } | { channel: ChannelTarget };

export interface ChatPlatform {
	/** Its registry entry's name (chat/platforms.ts). */
	readonly name: string;
	/** The fix for every error code this platform raises (neutral code → text). */
	readonly fixes: FixTable;
	/**
	 * Names the credential (never its secret) for caches every execution in the process shares:
	 * the recipient directory, DM and chat ids. Absent: nothing is shared.
	 */
	readonly directoryKey?: string;
	/** Undefined when no account has this email (compared trimmed, case-insensitively). */
	findUserByEmail(email: string): Promise<ChatUser | undefined>;
	getUser(id: string): Promise<ChatUser>;
	/** Every account, page by page, in bulk calls. */
	listUsers(): AsyncIterable<ChatUser[]>;
	/** Teams the app can post in, optionally filtered by a name fragment. */
	searchTeams(filter?: string): Promise<ChatTeam[]>;
	/** Channels the app can post to (in `team`, where the platform has teams), filtered by a name fragment. */
	searchChannels(filter?: string, team?: string): Promise<ChatChannel[]>;
	/** `tag` marks the message invisibly so `findTaggedMessage` can find it after an ambiguous failure. */
	sendDirectMessage(userId: string, message: OutgoingMessage, tag?: string): Promise<PostedMessage>;
	postToChannel(
		target: ChannelTarget,
		message: OutgoingMessage,
		tag?: string,
	): Promise<PostedMessage>;
	/** A message this app posted with `tag` since `sinceMs`, in the user's DM or the channel. */
	findTaggedMessage(
		target: MessageTarget,
		tag: string,
		sinceMs: number,
	): Promise<PostedMessage | undefined>;
	/** The channel an ID, a name or a #name stands for, so one channel is always one key. */
	resolveChannel(target: ChannelTarget): Promise<ChatChannel>;
	/** Rejects a message the platform would refuse or cut, before any call. */
	validateMessage(message: OutgoingMessage): void;
}
