/**
 * Keeps a Graph subscription alive while its workflow is published. n8n calls no hook
 * periodically, so Perks Chat Trigger's trigger() (run by n8n on publish and on every start, in
 * the main process) starts a timer, and its close function (unpublish, shutdown) stops it. One
 * timer per workflow and node in this process.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-globals -- n8n-workflow 2.41 has no cancellable
   sleep, and a renewal waits up to a day: an unref'd timer that unpublish clears is the honest tool. */

const renewals = new Map<string, { timer?: NodeJS.Timeout }>();

export interface RenewalSchedule {
	/** Between successful renewals. */
	everyMs: number;
	/** After a failed one. */
	retryMs: number;
}

/** A subscription of `minutes` is renewed every third of its lifetime, and retried sooner after a failure. */
export function scheduleFor(minutes: number): RenewalSchedule {
	const lifetimeMs = minutes * 60_000;
	return { everyMs: lifetimeMs / 3, retryMs: Math.min(lifetimeMs / 10, 5 * 60_000) };
}

/**
 * Replaces any timer under `key`. The first renewal comes after `firstMs`; `renew` resolves
 * false when it failed (the next try comes sooner).
 */
export function keepRenewing(
	key: string,
	schedule: RenewalSchedule,
	firstMs: number,
	renew: () => Promise<boolean>,
): void {
	stopRenewing(key);
	const entry: { timer?: NodeJS.Timeout } = {};
	const plan = (ms: number) => {
		entry.timer = setTimeout(() => {
			void renew().then((ok) => {
				// Stopped or replaced while renewing: leave it be.
				if (renewals.get(key) === entry) plan(ok ? schedule.everyMs : schedule.retryMs);
			});
		}, ms);
		// Never what keeps n8n (or a test run) from exiting.
		entry.timer.unref();
	};
	renewals.set(key, entry);
	plan(firstMs);
}

export function stopRenewing(key: string): void {
	clearTimeout(renewals.get(key)?.timer);
	renewals.delete(key);
}
