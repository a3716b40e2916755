/**
 * A rate limit slows sending down instead of failing it: calls to one platform method with one
 * credential share a FIFO queue in this n8n process, with a few calls in flight at once. A 429
 * pauses the whole queue for its Retry-After (so a burst stops hammering the platform), and the
 * refused call goes first when it resumes. The 429 also teaches the rate the platform allows (the
 * calls it accepted within that Retry-After): sends are then spaced at that rate, instead of
 * bursting into the next 429 and its pause. A call that would wait past its budget fails as
 * `rate_limited` and, since nothing was sent, the event comes again with the platform's redelivery.
 */
import { sleep } from 'n8n-workflow';

/** Calls in flight per credential and method, unless the platform's adapter says otherwise. */
export const MAX_IN_FLIGHT = 4;
/** Longest a call waits in the queue (429 pauses included) before giving the event back. */
export const QUEUE_BUDGET_MS = 60_000;
/** Without Retry-After, back off this long. */
const DEFAULT_PAUSE_MS = 1_000;
/** A learned rate is kept this long after its last 429, then sending may burst again. */
const PACE_MEMORY_MS = 60_000;
/** A Retry-After longer than this is a back-off, not a rate window: count over this much at most. */
const PACE_WINDOW_MAX_MS = 10_000;
/** Spacing a little wider than the learned rate, so latency jitter does not land a call in a full window. */
const PACE_MARGIN = 1.05;
/** Wake-ups sleep in steps this long, so one nobody waits for any more ends soon (and lets jest exit). */
const WAKE_STEP_MS = 500;
/** Weight of the newest call in the running mean of call durations (the wait estimate without a pace). */
const DURATION_WEIGHT = 0.2;

export class RateLimitQueueError extends Error {
	readonly code = 'rate_limited';
	readonly ambiguous = false;
	readonly fix =
		'The chat platform is rate limiting this app and the queue is full. Nothing was sent; the perks platform redelivers the event and it is sent then. To send faster, ask the platform for higher limits.';

	constructor(waitedMs: number) {
		super(`Rate limited: waited ${Math.round(waitedMs / 1000)} s for a sending slot`);
		this.name = 'RateLimitQueueError';
	}
}

interface Waiter {
	admit: () => void;
	refuse: (error: Error) => void;
	deadline: number;
	began: number;
}

export class SendThrottle {
	private active = 0;
	private pausedUntil = 0;
	private readonly queue: Waiter[] = [];
	private wakeTime: number | undefined;
	/** When each accepted call started, over the last PACE_MEMORY_MS. */
	private readonly accepted: number[] = [];
	private pace: { intervalMs: number; until: number } | undefined;
	/** The last 429's time and window, learned from once the calls then in flight have answered. */
	private refusedAt: { at: number; windowMs: number } | undefined;
	private lastAdmitted = 0;
	/** Running mean of how long a call took, once one has answered. */
	private meanCallMs: number | undefined;

	constructor(
		private readonly maxInFlight = MAX_IN_FLIGHT,
		private readonly now: () => number = Date.now,
	) {}

	/**
	 * Runs `attempt` when a slot is free; when it fails with a wait (`retryAfterOf` gives seconds),
	 * pauses the queue and runs it again at the front, within `budgetMs` in all.
	 */
	async run<T>(
		attempt: () => Promise<T>,
		retryAfterOf: (error: unknown) => number | undefined,
		budgetMs = QUEUE_BUDGET_MS,
	): Promise<T> {
		const began = this.now();
		const deadline = began + budgetMs;
		for (let retry = false; ; retry = true) {
			await this.acquire(deadline, retry, began);
			const started = this.now();
			try {
				const result = await attempt().finally(() => this.recordDuration(this.now() - started));
				this.accepted.push(started);
				while (this.accepted[0] <= started - PACE_MEMORY_MS) this.accepted.shift();
				return result;
			} catch (error) {
				const seconds = retryAfterOf(error);
				if (seconds === undefined) throw error;
				const pauseMs = seconds > 0 ? seconds * 1000 : DEFAULT_PAUSE_MS;
				// Only a 429 met while others waited says what the platform allows: a lone call's 429 (another
				// process used the limit up, or a long Retry-After) would teach a rate far too slow.
				// The window ends when the refused call was sent, not when its 429 came back: counted from
				// the answer, the window slid by a round trip and missed calls the platform had counted,
				// so at a few hundred ms a call the learned rate fell well under the limit.
				if (this.queue.length > 0)
					this.refusedAt = { at: started, windowMs: Math.min(pauseMs, PACE_WINDOW_MAX_MS) };
				this.pausedUntil = Math.max(this.pausedUntil, this.now() + pauseMs);
				if (this.pausedUntil > deadline) throw error;
			} finally {
				// After the pause is set: releasing first would admit the next waiter into the 429.
				this.release();
			}
		}
	}

	/**
	 * How long a call queued now would wait for its slot: the rest of a 429 pause, then everyone ahead
	 * of it at the learned pace, or, with no pace learned, at the rate the slots free up (mean call
	 * duration over the slots). 0 with nobody waiting.
	 */
	estimatedWaitMs(): number {
		const now = this.now();
		const paused = Math.max(0, this.pausedUntil - now);
		if (this.queue.length === 0) return paused;
		const pace = this.pace && this.pace.until > now ? this.pace.intervalMs : 0;
		const freeing = (this.meanCallMs ?? 0) / this.maxInFlight;
		return paused + this.queue.length * Math.max(pace, freeing);
	}

	private recordDuration(ms: number): void {
		this.meanCallMs =
			this.meanCallMs === undefined
				? ms
				: this.meanCallMs + DURATION_WEIGHT * (ms - this.meanCallMs);
	}

	private async acquire(deadline: number, atFront: boolean, began: number): Promise<void> {
		await new Promise<void>((admit, refuse) => {
			const waiter = { admit, refuse, deadline, began };
			if (atFront) this.queue.unshift(waiter);
			else this.queue.push(waiter);
			this.pump();
		});
	}

	/** The calls accepted within the window before the 429 are what the platform allows per window. */
	private learnPace(now: number): void {
		if (!this.refusedAt) return;
		const { at, windowMs } = this.refusedAt;
		this.refusedAt = undefined;
		const count = this.accepted.filter((t) => t > at - windowMs && t <= at).length;
		// None accepted: the limit was used up elsewhere (another process), so there is no rate to learn.
		if (count > 0) {
			this.pace = { intervalMs: (windowMs / count) * PACE_MARGIN, until: now + PACE_MEMORY_MS };
		}
	}

	private release(): void {
		this.active--;
		this.pump();
	}

	/** Admits waiters while slots are free and the queue is not paused; refuses those past their deadline. */
	private pump(): void {
		const now = this.now();
		for (let i = this.queue.length - 1; i >= 0; i--) {
			const waiter = this.queue[i];
			// Past its budget, or the platform asked for a pause that outlasts it: refuse now.
			if (waiter.deadline <= now || this.pausedUntil > waiter.deadline) {
				this.queue.splice(i, 1);
				waiter.refuse(new RateLimitQueueError(now - waiter.began));
			}
		}
		if (this.queue.length === 0) {
			this.wakeTime = undefined; // nobody to wake: a pending wake-up ends at its next step
			return;
		}
		if (now < this.pausedUntil) {
			this.wakeAt(this.pausedUntil);
			return;
		}
		if (this.pace && this.pace.until <= now) this.pace = undefined;
		this.learnPace(now);
		while (this.active < this.maxInFlight && this.queue.length > 0) {
			const slot = this.pace ? this.lastAdmitted + this.pace.intervalMs : now;
			if (slot > now) {
				this.wakeAt(slot);
				break;
			}
			this.active++;
			this.lastAdmitted = now;
			this.queue.shift()!.admit();
		}
		// Waiters behind busy slots are woken by releases; the earliest deadline bounds the wait.
		if (this.queue.length > 0) this.wakeAt(Math.min(...this.queue.map((w) => w.deadline)));
	}

	private wakeAt(time: number): void {
		if (this.wakeTime !== undefined && this.wakeTime <= time) return;
		this.wakeTime = time;
		void this.wakeUp(time);
	}

	private async wakeUp(time: number): Promise<void> {
		// Given up when an earlier wake-up replaced it or the queue emptied (wakeTime changed).
		while (this.wakeTime === time && this.now() < time) {
			await sleep(Math.max(0, Math.min(WAKE_STEP_MS, time - this.now())));
		}
		if (this.wakeTime !== time) return;
		this.wakeTime = undefined;
		this.pump();
	}
}

const throttles = new Map<string, SendThrottle>();

/**
 * The longest a send queued now would wait in any of this process's queues: what a caller that is
 * about to start more sends (the Perks Trigger) weighs against the time it has to answer.
 */
export function estimatedSendWaitMs(): number {
	let longest = 0;
	for (const throttle of throttles.values())
		longest = Math.max(longest, throttle.estimatedWaitMs());
	return longest;
}

/** The throttle shared by every execution in this process for one credential and method. */
export function throttleFor(key: string, maxInFlight = MAX_IN_FLIGHT): SendThrottle {
	let throttle = throttles.get(key);
	if (!throttle) {
		throttle = new SendThrottle(maxInFlight);
		throttles.set(key, throttle);
	}
	return throttle;
}
