/**
 * Matching perks employees to chat accounts by email. Emails compare trimmed and
 * case-insensitively; a manual mapping (perks email → chat email or user id) wins over the
 * lookup; deactivated accounts and bots never match.
 */
import type { ChatPlatform, ChatUser } from '../chat/ChatPlatform';
import { ChatPlatformError } from '../chat/errors';
import { clip } from '../messages/clip';
import { MAX_EMAIL_LENGTH } from '../perks/contract';
import { isEmail, normalizeEmail } from './email';
import { findRecipientByEmail } from './userDirectory';

export { isEmail, normalizeEmail };

export interface ManualMapping {
	perksEmail: string;
	/** A chat email, or a chat user id. */
	chatUser: string;
}

export type MatchedBy = 'email' | 'manual_mapping' | 'user_id';

export interface Recipient {
	user: ChatUser;
	matchedBy: MatchedBy;
}

class InvalidEmailError extends Error {
	readonly code = 'invalid_email';
	readonly fix = `An email is at most ${MAX_EMAIL_LENGTH} characters: check the expression in "Email" or the perks data.`;

	constructor(email: string) {
		super(
			`The email "${clip(email.trim())}" is ${email.trim().length} characters; at most ${MAX_EMAIL_LENGTH} are allowed`,
		);
		this.name = 'InvalidEmailError';
	}
}

/**
 * The addresses a chat account provably owns: none for a bot, a deactivated or external account
 * (another workspace or tenant, a Slack Connect stranger) or an email the platform has not confirmed.
 */
export function ownedAddresses(user: ChatUser): string[] {
	if (user.isBot || !user.active || user.external || user.emailConfirmed === false) return [];
	const addresses = user.emails ?? (user.email ? [user.email] : []);
	return [...new Set(addresses.map(normalizeEmail))];
}

/** Perks email (normalized) → the chat email or id it maps to. Later rows win. */
export function mappingTable(mappings: ManualMapping[]): Map<string, string> {
	const table = new Map<string, string>();
	for (const { perksEmail, chatUser } of mappings) {
		if (perksEmail?.trim() && chatUser?.trim())
			table.set(normalizeEmail(perksEmail), chatUser.trim());
	}
	return table;
}

export async function resolveByEmail(
	platform: ChatPlatform,
	email: string,
	mappings: Map<string, string>,
): Promise<Recipient> {
	if (email.trim().length > MAX_EMAIL_LENGTH) throw new InvalidEmailError(email);
	const mapped = mappings.get(normalizeEmail(email));
	if (mapped && !isEmail(mapped))
		return {
			user: usable(platform, await platform.getUser(mapped), mapped),
			matchedBy: 'manual_mapping',
		};
	const lookup = mapped ?? email;
	// Looked up as written (trimmed, lower case), not in punycode: platforms store it so.
	const user = await findRecipientByEmail(platform, lookup.trim().toLowerCase());
	if (!user) {
		const shown = mapped ? `${clip(email.trim())} (mapped to ${clip(mapped)})` : clip(email.trim());
		throw new ChatPlatformError(platform, {
			code: 'recipient_not_found',
			message: `No ${platform.name} user has the email ${shown}`,
			context: {
				user: shown,
			},
		});
	}
	return {
		user: owner(platform, usable(platform, user, lookup), lookup),
		matchedBy: mapped ? 'manual_mapping' : 'email',
	};
}

/** An account found by email gets a DM only if that email is provably its own. */
function owner(platform: ChatPlatform, user: ChatUser, email: string): ChatUser {
	if (!user.external && user.emailConfirmed !== false) return user;
	const asked = clip(email.trim());
	const code = user.external ? 'recipient_external' : 'recipient_email_unconfirmed';
	const why = user.external ? 'belongs to another organisation' : 'has not confirmed this email';
	throw new ChatPlatformError(platform, {
		code,
		message: `The ${platform.name} account found for ${asked} ${why}`,
		context: {
			user: asked,
		},
	});
}

export async function resolveById(platform: ChatPlatform, userId: string): Promise<Recipient> {
	return {
		user: usable(platform, await platform.getUser(userId.trim()), userId),
		matchedBy: 'user_id',
	};
}

function usable(platform: ChatPlatform, user: ChatUser, name: string): ChatUser {
	const asked = clip(name.trim());
	if (user.isBot) {
		throw new ChatPlatformError(platform, {
			code: 'recipient_is_bot',
			message: `${asked} is a bot or app account, not a person`,
			context: { user: asked },
		});
	}
	if (!user.active) {
		throw new ChatPlatformError(platform, {
			code: 'recipient_disabled',
			message: `The account of ${asked} is deactivated`,
			context: { user: asked },
		});
	}
	return user;
}
