/** Waiting for an effect: polling, sleeping, an HTTP endpoint that answers 200. */

export async function isHttpOk(url: string): Promise<boolean> {
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
		return response.status === 200;
	} catch {
		return false;
	}
}

/** Polls until `check` returns something truthy; throws with `what` after the timeout. */
export async function waitFor<T>(
	check: () => T | Promise<T>,
	options: {
		what: string;
		timeoutMs?: number;
		intervalMs?: number;
		instance?: { logTail(lines: number): string };
	},
): Promise<NonNullable<T>> {
	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	while (true) {
		const value = await check();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) {
			const tail = options.instance
				? `\n----- last lines of the n8n log -----\n${options.instance.logTail(60)}`
				: '';
			throw new Error(
				`Timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.what}${tail}`,
			);
		}
		await sleep(options.intervalMs ?? 100);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
