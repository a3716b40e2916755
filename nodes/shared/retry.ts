/**
 * Named retry policies for the perks API client's rate limits (as node-slack-sdk names its
 * policies); Slack and Teams sends wait in chat/throttle.ts's queue instead. Only an answer
 * that says "not done, try again after N seconds" (HTTP 429) is retried: the call had no
 * effect, so a retried post can never be posted twice.
 */
import { sleep as n8nSleep } from 'n8n-workflow';

export interface RetryPolicy {
	/** Retries after the first attempt. */
	retries: number;
	/** A longer Retry-After is not waited: the call fails at once, so a workflow never stalls for minutes. */
	maxWaitSeconds: number;
}

export const RETRY_POLICIES = {
	/** Fail on the first 429. */
	none: { retries: 0, maxWaitSeconds: 0 },
	/** Rides out a short burst; at worst 3 × 30 s. The perks API client's default. */
	briefBurst: { retries: 3, maxWaitSeconds: 30 },
} satisfies Record<string, RetryPolicy>;

export type Sleep = (ms: number) => Promise<void>;

/**
 * Runs `attempt`; when it throws an error for which `retryAfterOf` gives a wait in seconds,
 * waits that long and tries again, within the policy.
 */
export async function retryOnRateLimit<T>(
	attempt: () => Promise<T>,
	retryAfterOf: (error: unknown) => number | undefined,
	policy: RetryPolicy = RETRY_POLICIES.briefBurst,
	sleep: Sleep = n8nSleep,
): Promise<T> {
	for (let retry = 0; ; retry++) {
		try {
			return await attempt();
		} catch (error) {
			const wait = retryAfterOf(error);
			if (wait === undefined || wait > policy.maxWaitSeconds || retry >= policy.retries)
				throw error;
			await sleep(wait * 1000);
		}
	}
}
