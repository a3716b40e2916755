/**
 * The platform's redelivery (perks-contract.md, "Delivery"): a delivery without a 2xx answer
 * within the timeout is sent again with the same id and body, re-signed, after the next backoff
 * delay; 400 and 410 are final.
 */
import { signatureHeader } from '../nodes/shared/perks/signature';

/**
 * The platform's 8 retries over 24 hours, backing off from seconds to hours (perks-contract.md,
 * "Delivery"): 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 4 h, 12 h (about 18 h in all).
 */
export const CONTRACT_BACKOFF_MS = [
	5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 14_400_000, 43_200_000,
];
const DEFAULT_TIMEOUT_MS = 10_000;
const FINAL_STATUSES = [400, 410];

export interface RedeliveryOptions {
	/** Deliver to this URL only (a webhook registered outside the emulator). */
	url?: string;
	secret?: string;
	/** An attempt without an answer in this time failed. Default 10 s, as the platform. */
	timeoutMs?: number;
	/** The delay before each retry; its length is the number of retries. Default: the contract's. */
	backoffMs?: number[];
	/**
	 * Divides the back-off (3,600: the contract's 18 hours in 18 s). The timeout is not scaled: the
	 * receiver's work takes as long as it takes; set `timeoutMs` for that.
	 */
	timeScale?: number;
	/** Sends each attempt this many times concurrently (duplicate deliveries). Default 1. */
	copies?: number;
	/**
	 * Once this settles, back-off delays end at once: a benchmark counts the retries still due
	 * without waiting hours for them.
	 */
	hurry?: Promise<void>;
	/** Told of every attempt as it ends (progress of a long run). */
	onAttempt?: (attempt: DeliveryAttempt) => void;
}

export interface DeliveryAttempt {
	/** 1 for the first delivery, 2 for the first retry, …; copies share their round. */
	round: number;
	/** HTTP status, or 0 for a network error or no answer within the timeout. */
	status: number;
	/** When it was sent (epoch ms), and how long until its answer or the timeout. */
	at: number;
	ms: number;
	error?: string;
}

export interface RedeliveryResult {
	eventId: string;
	outcome: 'delivered' | 'dropped' | 'exhausted';
	attempts: DeliveryAttempt[];
}

export async function redeliver(
	target: { url: string; secret: string },
	eventId: string,
	body: Buffer,
	options: RedeliveryOptions,
): Promise<RedeliveryResult> {
	const scale = options.timeScale ?? 1;
	if (!(scale > 0)) throw new Error('timeScale must be positive');
	const backoff = (options.backoffMs ?? CONTRACT_BACKOFF_MS).map((ms) => ms / scale);
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const copies = options.copies ?? 1;
	const attempts: DeliveryAttempt[] = [];
	for (let round = 1; ; round++) {
		const sends = Array.from({ length: copies }, () => attemptOnce(target, body, timeoutMs, round));
		const results = await Promise.all(sends);
		attempts.push(...results);
		for (const a of results) options.onAttempt?.(a);
		if (results.some((a) => a.status >= 200 && a.status < 300))
			return { eventId, outcome: 'delivered', attempts };
		if (results.some((a) => FINAL_STATUSES.includes(a.status)))
			return { eventId, outcome: 'dropped', attempts };
		if (round > backoff.length) return { eventId, outcome: 'exhausted', attempts };
		await backOff(backoff[round - 1], options.hurry);
	}
}

async function backOff(ms: number, hurry: Promise<void> | undefined): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
	await (hurry ? Promise.race([wait, hurry]) : wait);
	clearTimeout(timer);
}

/** Runs `task` over `items` with at most `concurrency` at once; results in input order. */
export async function mapBounded<T, R>(
	items: readonly T[],
	concurrency: number,
	task: (item: T) => Promise<R>,
): Promise<R[]> {
	if (!Number.isInteger(concurrency) || concurrency < 1)
		throw new Error('concurrency must be a positive integer');
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await task(items[index]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	return results;
}

/**
 * One send on its own request: the timeout aborts it, so a late answer can never be read as a
 * later attempt's answer.
 */
async function attemptOnce(
	target: { url: string; secret: string },
	body: Buffer,
	timeoutMs: number,
	round: number,
): Promise<DeliveryAttempt> {
	const started = Date.now();
	const headers = {
		'content-type': 'application/json',
		'user-agent': 'PerksEmulator/1.0',
		'perks-signature': signatureHeader(target.secret, body, Math.floor(started / 1000)),
	};
	try {
		const response = await fetch(target.url, {
			method: 'POST',
			headers,
			body,
			// A 3xx is not a 2xx: the platform does not follow redirects.
			redirect: 'manual',
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		const attempt: DeliveryAttempt = {
			round,
			status: response.status,
			at: started,
			ms: Date.now() - started,
		};
		// A refusal's reason (the Perks Trigger's admission control says why it answered 503).
		if (response.status === 503) attempt.error = `503 ${reasonOf(text)}`;
		return attempt;
	} catch (error) {
		return {
			round,
			status: 0,
			at: started,
			ms: Date.now() - started,
			error: describe(error, timeoutMs),
		};
	}
}

function describe(error: unknown, timeoutMs: number): string {
	// The abort is a DOMException, which is not always `instanceof Error` (e.g. under jest).
	const e = error as {
		name?: string;
		message?: string;
		cause?: { code?: string; message?: string };
	};
	if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
	if (typeof e?.message !== 'string') return String(error);
	return e.cause ? `${e.message}: ${e.cause.code ?? e.cause.message}` : e.message;
}

function reasonOf(text: string): string {
	try {
		return String((JSON.parse(text) as { reason?: unknown }).reason ?? 'no reason');
	} catch {
		return 'not JSON';
	}
}
