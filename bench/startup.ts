/**
 * n8n start-up with and without our package: time from `n8n start` to /healthz/readiness and
 * resident memory of n8n's process group (n8n + its task runner) after it settles. N8nInstance
 * always installs the package, so the "without" folder has `.n8n/nodes` removed before starting.
 * The first start of each folder (database migrations) is not counted; later starts alternate.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { N8nInstance, sleep } from '../harness/n8n';
import { envInt, fmt, groupRssMB, liveN8nGroups, median } from './common';
import { ratio, type Row } from './table';

const SETTLE_MS = 3_000;

async function startOnce(n8n: N8nInstance): Promise<{ ms: number; rssMB: number }> {
	await n8n.start();
	const ms = n8n.timings.startsMs[n8n.timings.startsMs.length - 1];
	await sleep(SETTLE_MS);
	const rssMB = groupRssMB(liveN8nGroups());
	await n8n.stop();
	return { ms, rssMB };
}

export async function startup(): Promise<Row[]> {
	const runs = envInt('BENCH_STARTUP_RUNS', 3);
	const env = { N8N_LOG_LEVEL: 'warn' };
	const withPkg = await N8nInstance.create({ name: 'bench-start-with', env });
	const without = await N8nInstance.create({ name: 'bench-start-without', env });
	try {
		await rm(path.join(without.userFolder, '.n8n', 'nodes'), { recursive: true, force: true });
		for (const n8n of [withPkg, without]) await startOnce(n8n);
		const a: Array<{ ms: number; rssMB: number }> = [];
		const b: Array<{ ms: number; rssMB: number }> = [];
		for (let i = 0; i < runs; i++) {
			a.push(await startOnce(withPkg));
			b.push(await startOnce(without));
		}
		const [msA, msB] = [median(a.map((r) => r.ms)), median(b.map((r) => r.ms))];
		const [rssA, rssB] = [median(a.map((r) => r.rssMB)), median(b.map((r) => r.rssMB))];
		return [
			{
				benchmark: `n8n start-up time, with the package vs without (median of ${runs})`,
				figure: `${fmt(msA)} ms`,
				baseline: `${fmt(msB)} ms`,
				ratio: ratio(msA, msB),
				target: 'none set (reference)',
				verdict: 'n/a',
			},
			{
				benchmark: `n8n memory after start-up (RSS, n8n + task runner), with vs without`,
				figure: `${fmt(rssA)} MB`,
				baseline: `${fmt(rssB)} MB`,
				ratio: ratio(rssA, rssB),
				target: 'none set (reference)',
				verdict: `n/a (+${fmt(rssA - rssB)} MB)`,
			},
		];
	} finally {
		await Promise.all([withPkg.dispose(), without.dispose()]);
	}
}
