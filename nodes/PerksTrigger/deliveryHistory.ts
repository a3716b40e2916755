/**
 * Which events this process has seen before, and how often it refused each: the platform sends no
 * attempt number, and its back-off grows with every refusal (5 s, 30 s, 2 min, 10 min, …), so
 * admission control favours what comes again over what comes first (admission.ts).
 */

/** Remembered events per process: a 10,000-person funding fits; the oldest go first beyond it. */
const CAPACITY = 50_000;
/** Past the platform's 5th retry (about 47 minutes after the first delivery). */
const TTL_MS = 2 * 3_600_000;

export type Arrival =
	/** Never seen here (or forgotten). */
	| { kind: 'first' }
	/** Seen before: refused, or admitted and answered late or with a failure. */
	| { kind: 'again'; refusals: number };

export class DeliveryHistory {
	private readonly seen = new Map<string, { refusals: number; at: number }>();

	constructor(
		private readonly now: () => number = Date.now,
		private readonly capacity = CAPACITY,
	) {}

	arrival(key: string): Arrival {
		const entry = this.seen.get(key);
		if (!entry || this.now() - entry.at > TTL_MS) return { kind: 'first' };
		return { kind: 'again', refusals: entry.refusals };
	}

	admitted(key: string): void {
		this.remember(key, this.seen.get(key)?.refusals ?? 0);
	}

	refused(key: string): void {
		const entry = this.seen.get(key);
		const fresh = entry && this.now() - entry.at <= TTL_MS;
		this.remember(key, (fresh ? entry.refusals : 0) + 1);
	}

	get size(): number {
		return this.seen.size;
	}

	private remember(key: string, refusals: number): void {
		// Re-inserted, so the Map's order stays oldest first.
		this.seen.delete(key);
		this.seen.set(key, { refusals, at: this.now() });
		for (const oldest of this.seen.keys()) {
			if (this.seen.size <= this.capacity) break;
			this.seen.delete(oldest);
		}
	}
}
