/** SendThrottle with real (short) waits: order, pauses on 429, slots, and the wait budget. */
import { RateLimitQueueError, SendThrottle } from '../../../nodes/shared/chat/throttle';

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** A 429 carrying Retry-After seconds; anything else is not a rate limit. */
class RateLimited extends Error {
	constructor(readonly seconds: number) {
		super('rate limited');
	}
}
const retryAfterOf = (error: unknown) => (error instanceof RateLimited ? error.seconds : undefined);
/** Budgets in these tests: long enough for their calls, short enough to keep a failing test quick. */
const BUDGET_MS = 1500;

/** A platform accepting `limit` calls in any rolling `windowMs`, answering 429 (Retry-After = the window) beyond. */
function rollingLimit(limit: number, windowMs: number) {
	const accepted: number[] = [];
	let refused = 0;
	return {
		get refused() {
			return refused;
		},
		async call(): Promise<void> {
			const now = Date.now();
			while (accepted.length > 0 && accepted[0] <= now - windowMs) accepted.shift();
			if (accepted.length >= limit) {
				refused++;
				throw new RateLimited(windowMs / 1000);
			}
			accepted.push(now);
			await sleep(3);
		},
	};
}

describe('SendThrottle', () => {
	it('admits callers in the order they came, across callers', async () => {
		const throttle = new SendThrottle(1);
		const started: number[] = [];
		await Promise.all(
			Array.from({ length: 12 }, (_, n) =>
				throttle.run(
					async () => {
						started.push(n);
						await sleep(Math.random() * 5);
					},
					retryAfterOf,
					BUDGET_MS,
				),
			),
		);
		expect(started).toEqual(Array.from({ length: 12 }, (_, n) => n));
	});

	it('keeps at most N calls in flight', async () => {
		const throttle = new SendThrottle(3);
		let inFlight = 0;
		let most = 0;
		await Promise.all(
			Array.from({ length: 20 }, () =>
				throttle.run(
					async () => {
						most = Math.max(most, ++inFlight);
						await sleep(5 + Math.random() * 10);
						inFlight--;
					},
					retryAfterOf,
					BUDGET_MS,
				),
			),
		);
		expect(most).toBe(3);
	});

	it('a 429 pauses everyone for Retry-After and retries the refused call first', async () => {
		const throttle = new SendThrottle(1);
		const starts: Array<{ who: string; at: number }> = [];
		let refusedAt = 0;
		let refuse = true;
		const call = (who: string) =>
			throttle.run(
				async () => {
					starts.push({ who, at: Date.now() });
					if (who === 'A' && refuse) {
						refuse = false;
						refusedAt = Date.now();
						throw new RateLimited(0.3);
					}
					await sleep(2);
					return who;
				},
				retryAfterOf,
				BUDGET_MS,
			);
		const results = await Promise.all(['A', 'B', 'C', 'D'].map(call));
		expect(results).toEqual(['A', 'B', 'C', 'D']);
		expect(starts.map((s) => s.who)).toEqual(['A', 'A', 'B', 'C', 'D']);
		// Nobody started during the pause.
		for (const start of starts.slice(1)) expect(start.at).toBeGreaterThanOrEqual(refusedAt + 295);
	});

	it('a 429 with several in flight still lets the refused call go first after the pause', async () => {
		const throttle = new SendThrottle(2);
		const starts: string[] = [];
		let refuse = true;
		const call = (who: string, ms: number) =>
			throttle.run(
				async () => {
					starts.push(who);
					await sleep(ms);
					if (who === 'A' && refuse) {
						refuse = false;
						throw new RateLimited(0.2);
					}
				},
				retryAfterOf,
				BUDGET_MS,
			);
		await Promise.all([call('A', 5), call('B', 50), call('C', 1), call('D', 1)]);
		expect(starts).toEqual(['A', 'B', 'A', 'C', 'D']);
	});

	it('a call that would wait past its budget is refused as rate_limited, unsent', async () => {
		const throttle = new SendThrottle(1);
		const busy = throttle.run(async () => await sleep(400), retryAfterOf, BUDGET_MS);
		let ran = false;
		const started = Date.now();
		const error = await throttle
			.run(async () => void (ran = true), retryAfterOf, 100)
			.catch((e: unknown) => e);
		const waited = Date.now() - started;
		expect(error).toBeInstanceOf(RateLimitQueueError);
		expect(error).toMatchObject({
			code: 'rate_limited',
			ambiguous: false,
			fix: expect.any(String),
		});
		expect(waited).toBeGreaterThanOrEqual(95);
		expect(waited).toBeLessThan(350);
		expect(ran).toBe(false);
		await busy;
	});

	it('learns the allowed rate from a 429 and spaces calls at it instead of bursting into the next 429', async () => {
		const throttle = new SendThrottle(4);
		const platform = rollingLimit(4, 200);
		const calls = 48;
		const began = Date.now();
		await Promise.all(
			Array.from({ length: calls }, () =>
				throttle.run(async () => await platform.call(), retryAfterOf, 10_000),
			),
		);
		// Burst-and-pause meets a 429 in each of the 12 windows; pacing only in the first burst (≤ 4 in flight).
		expect(platform.refused).toBeLessThanOrEqual(5);
		// The floor is 12 windows of 200 ms; pacing is 5 % wider, the first burst costs one pause.
		const ms = Date.now() - began;
		expect(ms).toBeGreaterThanOrEqual(2200);
		expect(ms).toBeLessThan(4000);
	});

	it("learns the platform's rate, not a slower one, when each call takes a round trip", async () => {
		// Graph takes a few hundred ms a call: the platform counts a call when it arrives, half a window
		// after it was sent here. Counted up to the 429's answer, the window missed half the calls.
		const throttle = new SendThrottle(8);
		const platform = rollingLimit(10, 500);
		const calls = 60;
		const began = Date.now();
		await Promise.all(
			Array.from({ length: calls }, () =>
				throttle.run(
					async () => {
						await sleep(250);
						await platform.call();
					},
					retryAfterOf,
					20_000,
				),
			),
		);
		// The floor is 6 windows of 500 ms (3 s); with the window counted up to the answer it took 14.9 s.
		const ms = Date.now() - began;
		expect(ms).toBeGreaterThanOrEqual(2500);
		expect(ms).toBeLessThan(7000);
	});

	it("learns no rate from a lone call's 429 (nobody was waiting): later calls are not slowed", async () => {
		const throttle = new SendThrottle(4);
		await throttle.run(async () => undefined, retryAfterOf);
		let refuse = true;
		await throttle.run(async () => {
			if (refuse) {
				refuse = false;
				throw new RateLimited(0.1);
			}
		}, retryAfterOf);
		const began = Date.now();
		await Promise.all(
			Array.from({ length: 8 }, () => throttle.run(async () => await sleep(5), retryAfterOf)),
		);
		// A rate learned from that one success would space these 105 ms apart (over 700 ms).
		expect(Date.now() - began).toBeLessThan(400);
	});

	it('leaves no wake-up timer behind once its queue is empty', async () => {
		jest.useFakeTimers();
		try {
			const throttle = new SendThrottle(1);
			// A waiter behind a busy slot arms a wake-up for its 60 s deadline; both then finish.
			const done = Promise.all([
				throttle.run(async () => await sleep(50), retryAfterOf),
				throttle.run(async () => undefined, retryAfterOf),
			]);
			await jest.advanceTimersByTimeAsync(50);
			await done;
			// The pending wake-up gives up at its next step instead of sleeping out the 60 s.
			await jest.advanceTimersByTimeAsync(500);
			expect(jest.getTimerCount()).toBe(0);
		} finally {
			jest.useRealTimers();
		}
	});

	it("a pause longer than a waiter's budget refuses that waiter at once", async () => {
		const throttle = new SendThrottle(1);
		let release!: () => void;
		const holding = new Promise<void>((resolve) => (release = resolve));
		// A holds the slot, then is refused with a 2 s Retry-After that outlasts its own 1 s budget.
		const a = throttle
			.run(
				async () => {
					await holding;
					throw new RateLimited(2);
				},
				retryAfterOf,
				1000,
			)
			.catch((e: unknown) => e);
		let ran = false;
		const b = throttle
			.run(async () => void (ran = true), retryAfterOf, 1000)
			.catch((e: unknown) => e);
		await sleep(20);
		const refusedFrom = Date.now();
		release();
		expect(await a).toBeInstanceOf(RateLimited);
		expect(await b).toBeInstanceOf(RateLimitQueueError);
		expect(Date.now() - refusedFrom).toBeLessThan(200);
		expect(ran).toBe(false);
	});

	describe('estimatedWaitMs: how long a call queued now would wait', () => {
		/** Starts `calls` at once; from `afterMs` on, compares the estimate with when the last call really started. */
		async function estimateAgainstTruth(
			throttle: SendThrottle,
			calls: number,
			call: () => Promise<void>,
			afterMs: number,
		) {
			let lastStart = 0;
			const all = Promise.all(
				Array.from({ length: calls }, () =>
					throttle.run(
						async () => {
							lastStart = Date.now();
							await call();
						},
						retryAfterOf,
						10_000,
					),
				),
			);
			await sleep(afterMs);
			const at = Date.now();
			const estimate = throttle.estimatedWaitMs();
			await all;
			return { estimate, actual: lastStart - at };
		}

		it('is 0 with nobody waiting', async () => {
			const throttle = new SendThrottle(2);
			expect(throttle.estimatedWaitMs()).toBe(0);
			await throttle.run(async () => await sleep(5), retryAfterOf);
			expect(throttle.estimatedWaitMs()).toBe(0);
		});

		it('follows the learned pace after a 429', async () => {
			const platform = rollingLimit(4, 200);
			const { estimate, actual } = await estimateAgainstTruth(
				new SendThrottle(4),
				40,
				async () => await platform.call(),
				400,
			);
			expect(actual).toBeGreaterThan(1000);
			expect(estimate).toBeGreaterThan(actual * 0.7);
			expect(estimate).toBeLessThan(actual * 1.3);
		});

		it('without a pace, follows how fast slots free up (mean call time over the slots)', async () => {
			const { estimate, actual } = await estimateAgainstTruth(
				new SendThrottle(2),
				16,
				async () => void (await sleep(100)),
				150,
			);
			expect(actual).toBeGreaterThan(500);
			expect(estimate).toBeGreaterThan(actual * 0.7);
			expect(estimate).toBeLessThan(actual * 1.3);
		});

		it("includes the rest of a 429's pause", async () => {
			const throttle = new SendThrottle(1);
			let refuse = true;
			const first = throttle.run(async () => {
				if (refuse) {
					refuse = false;
					throw new RateLimited(1);
				}
			}, retryAfterOf);
			const second = throttle.run(async () => undefined, retryAfterOf);
			await sleep(20);
			expect(throttle.estimatedWaitMs()).toBeGreaterThan(900);
			await Promise.all([first, second]);
		});
	});
});
