/**
 * What this jest worker started, kept on globalThis so the test environment (test/e2e/
 * environment.ts) can kill leftover process groups and print logs when a test fails.
 */

/** Live process groups, so the test environment can kill leftovers at teardown. */
export const LIVE_PIDS_KEY = '__N8N_E2E_PIDS__';
export const LOG_FILES_KEY = '__N8N_E2E_LOGS__';
export function registry<T>(key: string): Set<T> {
	const g = globalThis as unknown as Record<string, Set<T> | undefined>;
	return (g[key] ??= new Set<T>());
}

export const E2E_GLOBAL_KEYS = { livePids: LIVE_PIDS_KEY, logFiles: LOG_FILES_KEY } as const;
