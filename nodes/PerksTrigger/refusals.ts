/**
 * Which events admission control refused lately, and how often. The platform's back-off grows with
 * each refusal (5 s, 30 s, 2 min, 10 min, …): an event refused a third and fourth time comes back
 * minutes after the rest of a busy month's funding has gone out, so the trigger takes such an
 * event late rather than refuse it again. Kept per process, as n8n gives a node no shared store
 * that answers in microseconds; a copy reaching another webhook process counts there afresh.
 */

/** Past this the platform's next try is hours away, or the event went elsewhere: forget it. */
const REMEMBER_MS = 30 * 60_000;
/** Memory bound: a month's funding of this many people refused at once, about 8 MB at most. */
const MAX_REMEMBERED = 50_000;

export class RefusalMemory {
	/** Key → refusals and when the last one was; in order of the last refusal. */
	private readonly refused = new Map<string, { times: number; at: number }>();

	constructor(private readonly now: () => number = Date.now) {}

	times(scope: string, eventId: string): number {
		this.prune();
		return this.refused.get(key(scope, eventId))?.times ?? 0;
	}

	record(scope: string, eventId: string): void {
		const k = key(scope, eventId);
		const times = (this.refused.get(k)?.times ?? 0) + 1;
		this.refused.delete(k);
		this.refused.set(k, { times, at: this.now() });
		this.prune();
	}

	forget(scope: string, eventId: string): void {
		this.refused.delete(key(scope, eventId));
	}

	get size(): number {
		return this.refused.size;
	}

	private prune(): void {
		const since = this.now() - REMEMBER_MS;
		for (const [k, entry] of this.refused) {
			if (entry.at > since && this.refused.size <= MAX_REMEMBERED) break;
			this.refused.delete(k);
		}
	}
}

const key = (scope: string, eventId: string) => `${scope}\n${eventId}`;
