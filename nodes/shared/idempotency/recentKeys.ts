/**
 * An in-process, synchronous "have I seen this key?" set with expiry and a size bound.
 *
 * Claiming is a single synchronous step (no await between check and record), so two copies of
 * one event that arrive at the same moment in one n8n process cannot both pass: the race that a
 * read-then-write on workflow static data loses. It does not survive a restart; the durable
 * delivery ledger of the sending nodes covers that (see docs/idempotency.md).
 */
export class RecentKeys {
	private readonly expiresAt = new Map<string, number>();

	constructor(
		private readonly maxEntries: number,
		private readonly ttlMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** True if the key was new (and is now claimed); false if it was claimed within the TTL. */
	claim(key: string): boolean {
		const now = this.now();
		const expiry = this.expiresAt.get(key);
		if (expiry !== undefined && expiry > now) return false;
		this.expiresAt.delete(key);
		this.expiresAt.set(key, now + this.ttlMs);
		this.evict(now);
		return true;
	}

	get size(): number {
		return this.expiresAt.size;
	}

	private evict(now: number): void {
		// Map keeps insertion order, so the oldest claims come first.
		for (const [key, expiry] of this.expiresAt) {
			if (this.expiresAt.size <= this.maxEntries && expiry > now) break;
			this.expiresAt.delete(key);
		}
	}
}

/** The platform redelivers for up to 24 hours; keep ids a little longer than that. */
export const EVENT_ID_TTL_MS = 25 * 60 * 60 * 1000;

/** Shared by every Perks Trigger in this n8n process; keys are scoped by workflow and node. */
export const receivedEvents = new RecentKeys(200_000, EVENT_ID_TTL_MS);
