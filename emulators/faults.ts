/**
 * Fault machinery shared by the emulators, and their one vocabulary (FaultControls): injected
 * faults, rate limits, outages, seeded random faults and answers held open, so reliability tests
 * can replay the same failures on any service.
 */
import type { Socket } from 'node:net';

/** The target that matches every call. */
export const EVERY_CALL = '*';

/**
 * The fault and rate-limit vocabulary of every service emulator. A `target` is what that service
 * routes by: a Slack method (`chat.postMessage`), a Graph route (`POST /chats/{id}/messages`), a
 * perks path prefix (`/v1/wallets`); `'*'` (EVERY_CALL) is every call.
 */
export interface FaultControls<Fault> {
	/** The next `count` calls of `target` get `fault` instead of being handled. */
	failNext(target: string, count?: number, fault?: Fault): void;
	/** The next `count` calls of `target` get 429 with this Retry-After and are not handled. */
	throttleNext(target: string, count?: number, retryAfterSeconds?: number): void;
	/** Drops the faults failNext and throttleNext queued and not yet used. */
	clearFaults(): void;
	/** Calls of `target` beyond `perSecond` in the last rolling second get 429 + Retry-After. */
	limitPerSecond(target: string, perSecond: number): void;
	/** How many calls of `target` a rate limit answered 429. */
	rateLimitedCount(target: string): number;
	/** Drops every rate limit (limitPerSecond, and the published ones where the service has them). */
	clearLimits(): void;
	/** Every call of `targets` answers `status` (default 503) for `durationMs`, unhandled. */
	outage(targets: string | readonly string[], durationMs: number, status?: number): void;
	endOutage(): void;
}

/** Whether a call of `key` is one of `targets` (`'*'` is every call); `prefix` for path prefixes. */
export function targets(
	list: string | readonly string[],
	match: (target: string, key: string) => boolean = (target, key) => target === key,
): (key: string) => boolean {
	const all = typeof list === 'string' ? [list] : list;
	return (key) => all.some((target) => target === EVERY_CALL || match(target, key));
}

/** "Fail the next N calls": faults used in the order they were queued, each by its target. */
export class FaultQueue<F> {
	private readonly queue: Array<{ matches: (key: string) => boolean; fault: F; left: number }> = [];

	add(matches: (key: string) => boolean, count: number, fault: F): void {
		if (!Number.isInteger(count) || count < 1)
			throw new Error('failNext count must be a positive integer');
		this.queue.push({ matches, fault, left: count });
	}

	/** The first queued fault for a call of `key` that `accepts` (default: any), used up by one. */
	take(key: string, accepts: (fault: F) => boolean = () => true): F | undefined {
		const index = this.queue.findIndex((entry) => entry.matches(key) && accepts(entry.fault));
		if (index < 0) return undefined;
		const entry = this.queue[index];
		if (--entry.left === 0) this.queue.splice(index, 1);
		return entry.fault;
	}

	clear(): void {
		this.queue.length = 0;
	}
}

/** limitPerSecond's windows, and how many calls a limit refused, per call key and per target. */
export class RateLimits {
	private readonly windows: Array<{
		target: string;
		matches: (key: string) => boolean;
		window: RateWindow;
	}> = [];
	private readonly refused = new Map<string, number>();

	limit(target: string, matches: (key: string) => boolean, perSecond: number): void {
		const window = new RateWindow(perSecond);
		const existing = this.windows.findIndex((entry) => entry.target === target);
		if (existing >= 0) this.windows.splice(existing, 1);
		this.windows.push({ target, matches, window });
	}

	/** 0 when a call of `key` may go, else the Retry-After seconds (the refusal counted). */
	take(key: string): number {
		for (const { target, matches, window } of this.windows) {
			if (!matches(key)) continue;
			const retryAfter = window.take();
			if (retryAfter > 0) {
				this.count(key);
				if (target !== key) this.count(target);
				return retryAfter;
			}
		}
		return 0;
	}

	/** Counts a refusal by some other limit (a service's published ones). */
	count(key: string): void {
		this.refused.set(key, this.refusedCount(key) + 1);
	}

	refusedCount(key: string): number {
		return this.refused.get(key) ?? 0;
	}

	clear(): void {
		this.windows.length = 0;
	}
}

export interface RandomFaultOptions<K extends string> {
	/** Probability 0..1 that a matching call gets a fault. */
	rate: number;
	kinds: K[];
	/** Same seed and same call order → same faults. */
	seed?: number;
}

/** Picks faults at `rate` from `kinds`, reproducibly when seeded. */
export class RandomFaults<K extends string> {
	private readonly random: () => number;
	private readonly counts = new Map<K, number>();

	constructor(private readonly options: RandomFaultOptions<K>) {
		if (!(options.rate >= 0 && options.rate <= 1)) throw new Error('faultRate rate must be 0..1');
		if (options.kinds.length === 0) throw new Error('faultRate needs at least one kind');
		this.random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
	}

	/** The fault for the next matching call, if any; counted per kind. */
	draw(): K | undefined {
		if (this.random() >= this.options.rate) return undefined;
		const kinds = this.options.kinds;
		const kind = kinds[Math.floor(this.random() * kinds.length)];
		this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
		return kind;
	}

	count(kind: K): number {
		return this.counts.get(kind) ?? 0;
	}
}

/** mulberry32: a tiny 32-bit PRNG, good enough to spread faults and cheap to seed. */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	};
}

/** Every matching call answers `status` until `until` (epoch ms). */
export class Outage {
	readonly until: number;

	constructor(
		private readonly matches: (key: string) => boolean,
		durationMs: number,
		readonly status: number,
	) {
		this.until = Date.now() + durationMs;
	}

	appliesTo(key: string, now = Date.now()): boolean {
		return now < this.until && this.matches(key);
	}

	/** Whole seconds left, at least 1: the Retry-After of a 429 outage. */
	secondsLeft(now = Date.now()): number {
		return Math.max(1, Math.ceil((this.until - now) / 1000));
	}
}

/** A rolling window (one second unless time-scaled) of accepted calls. */
export class RateWindow {
	private readonly accepted: number[] = [];

	constructor(
		readonly perSecond: number,
		readonly windowMs = 1000,
	) {
		if (!Number.isInteger(perSecond) || perSecond < 1)
			throw new Error('limitPerSecond perSecond must be a positive integer');
	}

	/** Takes a slot and returns 0, or returns the whole seconds (≥ 1) until a slot frees. */
	take(now = Date.now()): number {
		const span = this.windowMs;
		while (this.accepted.length > 0 && this.accepted[0] <= now - span) this.accepted.shift();
		if (this.accepted.length < this.perSecond) {
			this.accepted.push(now);
			return 0;
		}
		return Math.max(1, Math.ceil((this.accepted[0] + span - now) / 1000));
	}
}

/**
 * A fixed window of `limit` calls per `windowMs`, usable all at once (platforms tolerate bursts);
 * a call past the limit waits until the window ends. Slack's per-minute tiers work so.
 */
export class WindowBudget {
	private start = Number.NEGATIVE_INFINITY;
	private used = 0;

	constructor(
		readonly limit: number,
		readonly windowMs: number,
	) {
		if (!Number.isInteger(limit) || limit < 1)
			throw new Error('a window budget needs a positive integer limit');
		if (!(windowMs > 0)) throw new Error('a window budget needs a positive window');
	}

	/** Takes a slot and returns 0, or returns the whole seconds (≥ 1) until the window ends. */
	take(now = Date.now()): number {
		if (now - this.start >= this.windowMs) {
			this.start = now;
			this.used = 0;
		}
		if (this.used < this.limit) {
			this.used++;
			return 0;
		}
		return Math.max(1, Math.ceil((this.start + this.windowMs - now) / 1000));
	}
}

/** Timers the emulators start (held answers, latency); cleared on stop so jest can exit. */
export class Timers {
	private readonly pending = new Set<NodeJS.Timeout>();

	later(ms: number, fn: () => void): void {
		const timer = setTimeout(() => {
			this.pending.delete(timer);
			fn();
		}, ms);
		this.pending.add(timer);
	}

	sleep(ms: number): Promise<void> {
		return new Promise((resolve) => this.later(ms, resolve));
	}

	/** Keeps the socket open without an answer for `ms`, then destroys it: a client timeout. */
	hold(socket: Socket, ms: number): void {
		this.later(ms, () => socket.destroy());
	}

	clear(): void {
		for (const timer of this.pending) clearTimeout(timer);
		this.pending.clear();
	}
}
