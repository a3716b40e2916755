/**
 * Benchmarks that print numbers (never pass/fail): `npm run bench`. Results go to
 * docs/benchmarks.md with the command and the machine they ran on.
 *
 * 1. Directory sync: Map User by Email "Sync Users" over 10,000 employees and 10,000 Slack users,
 *    in-process n8n against the loopback emulators: wall time, API calls, memory.
 * 2. Trigger deliveries: signature check + validation + flattening + duplicate guard per event.
 * 3. The duplicate guard's memory at its 200,000-id bound.
 */
import { cpus } from 'node:os';

import { PerksEmulator, walletFundedEvent } from '../test/emulators/perksApi';
import { SlackEmulator } from '../test/emulators/slackApi';
import { runNode } from '../test/fixtures/runNode';
import { TYPE } from '../test/fixtures/workflows';
import { handleDelivery } from '../nodes/PerksTrigger/receive';
import { RecentKeys, IN_FLIGHT_TTL_MS } from '../nodes/shared/idempotency/recentKeys';
import { signatureHeader } from '../nodes/shared/perks/signature';

const MB = 1024 * 1024;

function gc(): void {
	(globalThis as { gc?: () => void }).gc?.();
}

async function directorySync(size: number): Promise<void> {
	const perks = new PerksEmulator();
	const slack = new SlackEmulator();
	await Promise.all([perks.start(), slack.start()]);
	try {
		const users = slack.addUsers(size);
		perks.seedEmployees(size, (i) => ({ email: users[i].email }));
		gc();
		const heapBefore = process.memoryUsage().heapUsed;
		const started = performance.now();
		const result = await runNode(TYPE.mapUser, { platform: 'slack', operation: 'syncUsers', syncOutput: 'all' }, [{}], { slack, perks });
		const ms = performance.now() - started;
		const heapAfter = process.memoryUsage().heapUsed;
		const items = result.output('Subject');
		const summary = items[items.length - 1];
		console.log(`sync ${size} employees x ${size} Slack users: ${ms.toFixed(0)} ms, ` +
			`${slack.calls.length} Slack calls (${slack.callCount('users.list')} users.list), ` +
			`${perks.requests.length} perks calls, matched ${summary.matched}/${summary.employees}, ` +
			`heap +${((heapAfter - heapBefore) / MB).toFixed(1)} MB (incl. output items), rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB`);
	} finally {
		await Promise.all([perks.stop(), slack.stop()]);
	}
}

function deliveries(count: number): void {
	const secret = 'whsec_benchmark_secret';
	const employee = { id: 'emp_1', email: 'ada@example.com', name: 'Ada', locale: 'en', active: true };
	const bodies = Array.from({ length: count }, () => Buffer.from(JSON.stringify(walletFundedEvent(employee, { amount: 10, balance: 20 }))));
	const now = Math.floor(Date.now() / 1000);
	const headers = bodies.map((body) => signatureHeader(secret, body, now));
	const recent = new RecentKeys(200_000, IN_FLIGHT_TTL_MS);
	const started = performance.now();
	let startedRuns = 0;
	for (let i = 0; i < count; i++) {
		const outcome = handleDelivery({
			rawBody: bodies[i],
			signatureHeader: headers[i],
			secrets: [secret],
			selectedEvents: ['wallet.funded'],
			dedupeScope: 'wf:node',
			inFlight: recent,
			nowSeconds: now,
		});
		if (outcome.action === 'start') startedRuns++;
	}
	const ms = performance.now() - started;
	console.log(`trigger: ${count} signed deliveries verified, validated, flattened in ${ms.toFixed(0)} ms ` +
		`(${((count / ms) * 1000).toFixed(0)}/s, ${((ms * 1000) / count).toFixed(1)} µs each), ${startedRuns} started`);
}

function guardMemory(entries: number): void {
	gc();
	const before = process.memoryUsage().heapUsed;
	const recent = new RecentKeys(entries, IN_FLIGHT_TTL_MS);
	for (let i = 0; i < entries; i++) recent.claim(`wf_0123456789:node-0123456789:evt_01JABCDEFGHJKMNPQRSTV${i}`);
	gc();
	const after = process.memoryUsage().heapUsed;
	console.log(`duplicate guard: ${recent.size} ids held in ${((after - before) / MB).toFixed(1)} MB ` +
		`(${((after - before) / recent.size).toFixed(0)} bytes each)`);
}

async function main(): Promise<void> {
	console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`);
	await directorySync(10_000);
	deliveries(20_000);
	guardMemory(200_000);
}

void main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
