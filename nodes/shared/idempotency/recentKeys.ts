/**
 * An in-process, synchronous set of keys with expiry and a size bound: the Perks Trigger's
 * "this event is being handled right now" guard.
 *
 * Claiming is a single synchronous step (no await between check and record), so two copies of
 * one event that arrive at the same moment in one n8n process cannot both pass. A key is released
 * when its execution has answered; the expiry only frees keys whose answer never came. Exactly
 * once across processes and restarts is the delivery ledger's job (see docs/idempotency.md).
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

	release(key: string): void {
		this.expiresAt.delete(key);
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

/** Longer than any execution should take; only keys whose answer never came live this long. */
const IN_FLIGHT_TTL_MS = 15 * 60 * 1000;

/** Shared by every Perks Trigger in this n8n process; keys are scoped by mode, workflow and node. */
export const eventsInFlight = new RecentKeys(200_000, IN_FLIGHT_TTL_MS);
