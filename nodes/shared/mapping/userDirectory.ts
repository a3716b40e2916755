/**
 * Email → chat account for sending, per credential, shared by every execution in this n8n
 * process: one bulk listing (Slack users.list, Graph /users: 1,000 a call) replaces a lookup per
 * DM, so a company-wide funding costs about one call per DM instead of being bound by the lookup's
 * rate limit. The listing is reloaded every REFRESH_MS, and on a miss at most once per
 * MISS_RELOAD_MS; only one load runs at a time and concurrent callers wait for the same one.
 * Someone the listing does not know (yet) is looked up singly and remembered until the next
 * load. A cache never decides that someone cannot be reached: only a single active account is a
 * hit; deactivated, bot, shared or unknown addresses go to the platform's own lookup.
 * Staleness rules: docs/idempotency.md, "Recipient directory".
 */
import type { ChatPlatform, ChatUser, OutgoingMessage, PostedMessage } from '../chat/ChatPlatform';
import { type ChatErrorCode, ChatPlatformError } from '../chat/errors';
import { ChatDirectory } from './directorySync';
import { normalizeEmail } from './email';

/** A listing older than this is reloaded before use. */
export const REFRESH_MS = 15 * 60_000;
/** An address the listing does not know reloads it, but not more often than this. */
export const MISS_RELOAD_MS = 60_000;
/**
 * Past this many accounts the listing is given up until the next refresh: 20 pages, one minute
 * of Slack's Tier 2, so a huge Enterprise Grid never makes a DM wait minutes for a load.
 */
export const MAX_LISTED_USERS = 20_000;

export interface UserDirectoryOptions {
	refreshMs?: number;
	missReloadMs?: number;
	maxUsers?: number;
	now?: () => number;
}

/** Codes a DM post answers when the account behind a cached id is gone or deactivated. */
const GONE_CODES: readonly ChatErrorCode[] = ['recipient_disabled', 'recipient_not_found'];

export class UserDirectory {
	private listing?: ChatDirectory;
	private loadedAt = Number.NEGATIVE_INFINITY;
	private loadStartedAt = Number.NEGATIVE_INFINITY;
	private loading?: Promise<void>;
	/** Single lookups since the last load (normalized email → account). */
	private readonly learned = new Map<string, ChatUser>();
	/** Accounts a post found gone since the last load: never a hit until listed afresh. */
	private readonly gone = new Set<string>();
	private readonly refreshMs: number;
	private readonly missReloadMs: number;
	private readonly maxUsers: number;
	private readonly now: () => number;

	constructor(options: UserDirectoryOptions = {}) {
		this.refreshMs = options.refreshMs ?? REFRESH_MS;
		this.missReloadMs = options.missReloadMs ?? MISS_RELOAD_MS;
		this.maxUsers = options.maxUsers ?? MAX_LISTED_USERS;
		this.now = options.now ?? Date.now;
	}

	/**
	 * The account for `email`: from the listing, or from the platform's own lookup when the listing
	 * does not know it. Calls go through the caller's platform (its execution signs them), never
	 * through one kept from an earlier execution.
	 */
	async find(
		email: string,
		platform: Pick<ChatPlatform, 'listUsers' | 'findUserByEmail'>,
	): Promise<ChatUser | undefined> {
		const key = normalizeEmail(email);
		if (this.now() - this.loadedAt >= this.refreshMs) await this.reload(platform);
		let hit = this.known(key);
		// A load under way (another caller's miss) may know them: wait for it rather than look up.
		if (!hit && (this.loading || this.now() - this.loadStartedAt >= this.missReloadMs)) {
			await this.reload(platform);
			hit = this.known(key);
		}
		if (hit) return hit;
		const user = await platform.findUserByEmail(email);
		if (user?.active && !user.isBot) {
			this.learned.set(key, user);
			this.gone.delete(user.id);
		}
		return user;
	}

	/** A post said this account is gone or deactivated: stop matching it until the next load lists it. */
	forget(userId: string): void {
		this.gone.add(userId);
		for (const [key, user] of this.learned) if (user.id === userId) this.learned.delete(key);
	}

	private known(key: string): ChatUser | undefined {
		const learned = this.learned.get(key);
		if (learned && !this.gone.has(learned.id)) return learned;
		const candidates = this.listing?.candidates(key);
		// Two active accounts on one address: the platform's lookup decides (and may refuse).
		if (candidates?.active.length !== 1) return undefined;
		const [user] = candidates.active;
		return this.gone.has(user.id) ? undefined : user;
	}

	/** One load at a time: a caller arriving during a load waits for it instead of starting another. */
	private async reload(platform: Pick<ChatPlatform, 'listUsers'>): Promise<void> {
		this.loading ??= this.load(platform).finally(() => {
			this.loading = undefined;
		});
		await this.loading;
	}

	private async load(platform: Pick<ChatPlatform, 'listUsers'>): Promise<void> {
		this.loadStartedAt = this.now();
		const listing = new ChatDirectory();
		let listed = 0;
		try {
			for await (const page of platform.listUsers()) {
				listing.add(page);
				listed += page.length;
				if (listed > this.maxUsers) {
					// Too big to list: single lookups until the next refresh, and no reload on misses.
					this.listing = undefined;
					this.loadedAt = this.loadStartedAt;
					this.loadStartedAt = Number.POSITIVE_INFINITY;
					return;
				}
			}
		} catch {
			// A failed listing (scope, rate limit, outage) never fails a DM: single lookups carry on,
			// and the listing is tried again after MISS_RELOAD_MS at the earliest.
			this.loadedAt = Math.max(this.loadedAt, this.now() - this.refreshMs + this.missReloadMs);
			return;
		}
		this.listing = listing;
		this.loadedAt = this.loadStartedAt;
		this.learned.clear();
		this.gone.clear();
	}
}

const directories = new Map<string, UserDirectory>();

/** The directory of the platform's credential, or none when the platform has no shareable identity. */
export function directoryOf(platform: ChatPlatform): UserDirectory | undefined {
	const key = platform.directoryKey;
	if (!key) return undefined;
	let directory = directories.get(key);
	if (!directory) {
		directory = new UserDirectory();
		directories.set(key, directory);
	}
	return directory;
}

/** The account for an email, through the credential's directory where there is one. */
export async function findRecipientByEmail(
	platform: ChatPlatform,
	email: string,
): Promise<ChatUser | undefined> {
	const directory = directoryOf(platform);
	return directory ? await directory.find(email, platform) : await platform.findUserByEmail(email);
}

/** A DM to a resolved account; an answer saying the account is gone takes it out of the directory. */
export async function sendToRecipient(
	platform: ChatPlatform,
	userId: string,
	message: OutgoingMessage,
	tag?: string,
): Promise<PostedMessage> {
	try {
		return await platform.sendDirectMessage(userId, message, tag);
	} catch (error) {
		if (error instanceof ChatPlatformError && GONE_CODES.includes(error.code))
			directoryOf(platform)?.forget(userId);
		throw error;
	}
}
