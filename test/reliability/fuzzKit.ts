/**
 * What the HTTP fuzz suites share (fuzz.rel.ts: Perks Trigger; fuzzChat.rel.ts: Perks Chat
 * Trigger): the seeded PRNG, weighted mutation picking, a raw HTTP sender, parallel lanes and the
 * outcome table they print. Counts and seed come from the environment (docs/benchmarks.md).
 */
import { request } from 'node:http';

export const FULL = process.env.PERKS_RELIABILITY_FULL === '1';
export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
export const CONCURRENCY = 8;
/** n8n's body limit for these runs (N8N_PAYLOAD_SIZE_MAX, MiB), small so oversize bodies stay cheap. */
export const PAYLOAD_MAX_MIB = 1;
export const READINESS_EVERY = 250;

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
export function prng(seed: number) {
	let a = seed >>> 0;
	const random = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (max: number) => Math.floor(random() * max);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)];
	const hex = (length: number) =>
		Array.from({ length }, () => '0123456789abcdef'[int(16)]).join('');
	/** Picks by weight from `[weight, item]` pairs. */
	const weighted = <T>(pairs: ReadonlyArray<readonly [number, T]>): T => {
		let r = random() * pairs.reduce((sum, [w]) => sum + w, 0);
		for (const [w, item] of pairs) if ((r -= w) < 0) return item;
		return pairs[0][1];
	};
	return { random, int, pick, hex, weighted };
}

export const now = () => Math.floor(Date.now() / 1000);

export interface Req {
	body: Buffer;
	/** Header values; an array sends the header once per value. */
	headers: Record<string, string | string[]>;
}

/** Status 0: no answer (connection cut, or nothing within `timeoutMs`). */
export function send(
	url: string,
	req: Req,
	timeoutMs = 60_000,
): Promise<{ status: number; body: string }> {
	return new Promise((resolve) => {
		const headers = { 'content-length': String(req.body.length), ...req.headers };
		const r = request(url, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
			const chunks: Buffer[] = [];
			const done = () =>
				resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', done);
			res.on('error', done);
		});
		r.on('timeout', () => r.destroy(new Error('timeout')));
		r.on('error', () => resolve({ status: 0, body: '' }));
		r.end(req.body);
	});
}

/**
 * n8n 2.41.1 parses every XML body with one xml2js parser shared by all requests
 * (dist/middlewares/body-parser.js), before any node runs. Two parses that overlap drop each
 * other's callbacks, and after that every malformed XML body waits forever, so requests with
 * these types may get no answer at all.
 */
export const XML_TYPES = ['application/xml', 'text/xml', 'application/atom+xml'];
/** How long to wait for an XML request: the perks platform's own timeout. */
export const XML_TIMEOUT_MS = 10_000;

export const oversize = (random: ReturnType<typeof prng>) =>
	Buffer.alloc(PAYLOAD_MAX_MIB * 1024 * 1024 + 1024 + random.int(64 * 1024), 0x20);

export function flipByte(body: Buffer, random: ReturnType<typeof prng>): Buffer {
	const copy = Buffer.from(body);
	const at = random.int(copy.length);
	copy[at] = copy[at] ^ (1 + random.int(255));
	return copy;
}

/** Runs `one(i)` for i = 0…total-1, `CONCURRENCY` at a time, checking `ready()` every READINESS_EVERY. */
export async function lanes(
	total: number,
	one: (i: number) => Promise<void>,
	ready: () => Promise<boolean>,
): Promise<number[]> {
	const notReady: number[] = [];
	let next = 0;
	const lane = async () => {
		while (next < total) {
			const i = next++;
			await one(i);
			if (i % READINESS_EVERY === 0 && !(await ready())) notReady.push(i);
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, lane));
	return notReady;
}

/** Counts by kind and outcome, one line per kind. */
export function outcomeTable(rows: Array<{ kind: string; outcome: string }>): string {
	const table = new Map<string, Map<string, number>>();
	for (const { kind, outcome } of rows) {
		const row = table.get(kind) ?? new Map<string, number>();
		row.set(outcome, (row.get(outcome) ?? 0) + 1);
		table.set(kind, row);
	}
	return [...table]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(
			([kind, row]) => `  ${kind.padEnd(52)} ${[...row].map(([k, n]) => `${k}: ${n}`).join(', ')}`,
		)
		.join('\n');
}
