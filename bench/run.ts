/**
 * `npm run bench`: the performance benchmarks (targets in docs/benchmarks.md), each against a baseline measured in the same run,
 * printed as ONE table (Markdown, for docs/benchmarks.md). Numbers never fail the run.
 * Loads come from the environment (see docs/benchmarks.md); BENCH_ONLY=ingest,queue,sync,fanout,
 * fanoutbot,teamsrtt,chat,startup,company picks benchmarks. Needs a build (`npm run build`) and n8n in .cache/n8n.
 */
import { cpus, loadavg, totalmem } from 'node:os';

import { PerksEmulator } from '../emulators/perksApi';
import { packAndInstall, PACKAGE_DIR_ENV, disposePackage } from '../harness/n8n/communityPackage';
import { chat } from './chat';
import { company } from './company';
import { envInt, selected } from './common';
import { fanout } from './fanout';
import { fanoutBot } from './fanoutBot';
import { graphRoundTrip } from './graphRoundTrip';
import { ingestLazyIsolates, ingestQueue, ingestSingle } from './ingest';
import { startup } from './startup';
import { graphSync, slackSync } from './sync';
import { render, type Row } from './table';

const skipped = (benchmark: string, why: string): Row => ({
	benchmark,
	figure: '-',
	baseline: '-',
	ratio: '-',
	target: '-',
	verdict: `skipped (${why})`,
});

async function step(
	rows: Row[],
	name: string,
	label: string,
	work: () => Promise<Row | Row[]>,
): Promise<void> {
	if (!selected(name)) return;
	const began = Date.now();
	process.stderr.write(`[bench] ${label}…\n`);
	try {
		const done = [await work()].flat();
		rows.push(...done);
		// Each row as soon as it is measured, so an interrupted run still leaves its figures.
		for (const row of done) process.stderr.write(`[bench] ${Object.values(row).join(' | ')}\n`);
	} catch (error) {
		// A benchmark that could not run says so in the table; the others still run.
		rows.push(
			skipped(label, `failed to run: ${String((error as Error).message ?? error).split('\n')[0]}`),
		);
	}
	process.stderr.write(`[bench] ${label}: ${Math.round((Date.now() - began) / 1000)} s\n`);
}

async function main(): Promise<void> {
	const began = Date.now();
	// Other work on a shared machine skews every figure: say how busy it was.
	const loadBefore = loadavg()[0];
	const rows: Row[] = [];
	const pkg = await packAndInstall();
	process.env[PACKAGE_DIR_ENV] = pkg.dir;
	const perks = new PerksEmulator();
	await perks.start();
	try {
		await step(rows, 'ingest', 'ingest, one n8n', () => ingestSingle(perks));
		await step(rows, 'ingest', 'ingest, one n8n, lazy isolates', () => ingestLazyIsolates(perks));
		await step(rows, 'queue', 'ingest, queue mode, 1 worker', () => ingestQueue(perks, 1));
		await step(rows, 'queue', 'ingest, queue mode, 2 workers', () => ingestQueue(perks, 2));
		const sizes = (process.env.BENCH_SYNC_SIZES ?? '10000,50000')
			.split(',')
			.map(Number)
			.filter((n) => n > 0);
		for (const size of sizes) {
			await step(rows, 'sync', `user sync Slack ${size}`, () => slackSync(size));
			await step(rows, 'sync', `user sync Graph ${size}`, () => graphSync(size));
		}
		await step(rows, 'fanout', 'fan-out', fanout);
		await step(rows, 'fanoutbot', 'fan-out through the Teams bot', fanoutBot);
		await step(rows, 'teamsrtt', 'Teams adapter, Graph round trips', graphRoundTrip);
		await step(rows, 'chat', 'chat commands', chat);
		await step(rows, 'startup', 'n8n start-up', startup);
		await step(rows, 'company', 'company scale', company);
	} finally {
		await perks.stop();
		await disposePackage(pkg);
	}
	const cpu = cpus()[0]?.model ?? 'unknown';
	console.log(
		`node ${process.version}, ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB; ` +
			`${new Date().toISOString().slice(0, 10)}; ${Math.round((Date.now() - began) / 1000)} s in all; ingest concurrency ${envInt('BENCH_INGEST_CONCURRENCY', 20)}; ` +
			`load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end\n`,
	);
	console.log(render(rows));
}

void main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
