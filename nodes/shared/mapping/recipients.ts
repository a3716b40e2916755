/**
 * Matching perks employees to chat accounts by email. Emails compare trimmed and
 * case-insensitively; a manual mapping (perks email → chat email or user id) wins over the
 * lookup; deactivated accounts and bots never match.
 */
import type { ChatPlatform, ChatUser } from '../chat/ChatPlatform';
import { ChatPlatformError } from '../chat/errors';

export interface ManualMapping {
	perksEmail: string;
	/** A chat email, or a chat user id (Slack: U…/W…). */
	chatUser: string;
}

export type MatchedBy = 'email' | 'manual_mapping' | 'user_id';

export interface Recipient {
	user: ChatUser;
	matchedBy: MatchedBy;
}

export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

export function isEmail(value: string): boolean {
	return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}

/** Perks email (normalized) → the chat email or id it maps to. Later rows win. */
export function mappingTable(mappings: ManualMapping[]): Map<string, string> {
	const table = new Map<string, string>();
	for (const { perksEmail, chatUser } of mappings) {
		if (perksEmail?.trim() && chatUser?.trim()) table.set(normalizeEmail(perksEmail), chatUser.trim());
	}
	return table;
}

export async function resolveByEmail(
	platform: ChatPlatform,
	email: string,
	mappings: Map<string, string>,
): Promise<Recipient> {
	const mapped = mappings.get(normalizeEmail(email));
	if (mapped && !isEmail(mapped)) return { user: usable(platform, await platform.getUser(mapped), mapped), matchedBy: 'manual_mapping' };
	const lookup = mapped ?? email;
	const user = await platform.findUserByEmail(normalizeEmail(lookup));
	if (!user) {
		const shown = mapped ? `${email} (mapped to ${mapped})` : email;
		throw new ChatPlatformError(platform.name, 'users_not_found', `No ${platform.name} user has the email ${shown}`, {
			user: shown,
		});
	}
	return { user: usable(platform, user, lookup), matchedBy: mapped ? 'manual_mapping' : 'email' };
}

export async function resolveById(platform: ChatPlatform, userId: string): Promise<Recipient> {
	return { user: usable(platform, await platform.getUser(userId.trim()), userId), matchedBy: 'user_id' };
}

function usable(platform: ChatPlatform, user: ChatUser, asked: string): ChatUser {
	if (user.isBot) {
		throw new ChatPlatformError(platform.name, 'cannot_dm_bot', `${asked} is a bot or app account, not a person`, { user: asked });
	}
	if (!user.active) {
		throw new ChatPlatformError(platform.name, 'user_disabled', `The account of ${asked} is deactivated`, { user: asked });
	}
	return user;
}
