/** Small helpers the benchmarks share: loads from the environment, HTTP with keep-alive, memory. */
import { readFileSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';

export const MB = 1024 * 1024;

/**
 * n8n building an expression isolate only for a run that evaluates an expression: the setting the
 * README recommends for large fundings (our DM templates then evaluate none).
 */
export const N8N_LAZY_ENV = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' };
export const N8N_LAZY_TEXT = Object.entries(N8N_LAZY_ENV)
	.map(([key, value]) => `${key}=${value}`)
	.join(' ');

/** A whole number from the environment (e.g. BENCH_INGEST_EVENTS=200 for a quick run). */
export function envInt(name: string, fallback: number): number {
	const raw = process.env[name];
	const value = raw === undefined || raw === '' ? NaN : Number(raw);
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Which benchmarks to run: BENCH_ONLY=ingest,sync (default: all). */
export function selected(name: string): boolean {
	const only = process.env.BENCH_ONLY;
	return (
		!only ||
		only
			.split(',')
			.map((s) => s.trim())
			.includes(name)
	);
}

export function gc(): void {
	(globalThis as { gc?: () => void }).gc?.();
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Posted {
	status: number;
	body: string;
}

/** POST over a keep-alive agent (status 0: the request failed). */
export function post(
	url: string,
	body: Buffer,
	headers: Record<string, string>,
	timeoutMs = 60_000,
): Promise<Posted> {
	return new Promise((resolve) => {
		const req = request(
			url,
			{
				method: 'POST',
				agent,
				headers: { 'content-length': String(body.length), ...headers },
				timeout: timeoutMs,
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () =>
					resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
				);
				res.on('error', () => resolve({ status: 0, body: '' }));
			},
		);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (error) => resolve({ status: 0, body: error.message }));
		req.end(body);
	});
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(
	count: number,
	concurrency: number,
	work: (i: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
		while (next < count) await work(next++);
	});
	await Promise.all(lanes);
}

/** Samples this process's heap and RSS every 20 ms; `stop()` gives the peaks above the start. */
export function memorySampler(): { stop(): { heapMB: number; rssMB: number } } {
	gc();
	const base = process.memoryUsage();
	let heap = base.heapUsed;
	let rss = base.rss;
	const timer = setInterval(() => {
		const now = process.memoryUsage();
		heap = Math.max(heap, now.heapUsed);
		rss = Math.max(rss, now.rss);
	}, 20);
	return {
		stop() {
			clearInterval(timer);
			const now = process.memoryUsage();
			heap = Math.max(heap, now.heapUsed);
			rss = Math.max(rss, now.rss);
			return { heapMB: (heap - base.heapUsed) / MB, rssMB: (rss - base.rss) / MB };
		},
	};
}

/** The n8n process groups N8nInstance started (harness/n8n keeps them in this global). */
export function liveN8nGroups(): number[] {
	const pids = (globalThis as unknown as Record<string, Set<number> | undefined>).__N8N_E2E_PIDS__;
	return [...(pids ?? [])];
}

/** Resident memory (MB) of every process in these process groups (n8n and its task runner). */
export function groupRssMB(groups: number[]): number {
	let kb = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
			if (!groups.includes(pgrp)) continue;
			const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
			kb += Number(rss?.[1] ?? 0);
		} catch {
			// The process ended while we looked.
		}
	}
	return kb / 1024;
}

/** CPU time (ms, user + system) used so far by every process in these process groups. */
export function groupCpuMs(groups: number[]): number {
	let ticks = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (!groups.includes(Number(fields[2]))) continue;
			ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
		} catch {
			// The process ended while we looked.
		}
	}
	return ticks * 10; // Linux clock ticks are 10 ms (USER_HZ 100)
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (n: number, digits = 0): string =>
	n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
