/**
 * The exactly-once reliability suite in n8n's queue mode: main, a webhook process and two workers
 * sharing PostgreSQL and Redis. The trigger's in-flight guard is per process here, so exactly
 * once rests on the delivery ledger's atomic claims in PostgreSQL.
 */
import { createHash } from 'node:crypto';

import { signatureHeader } from '../../nodes/shared/perks/signature';
import { waitFor } from '../../harness/n8n';
import { N8nQueueCluster } from '../../harness/n8n/queueCluster';
import { walletFundedEvent } from '../../emulators/perksApi';
import { exactlyOnceSuite } from './exactlyOnceSuite';
import { ReadinessGate } from './readinessGate';
import {
	COMPANY,
	companyWithRestart,
	DM,
	LEASE_ENV,
	dmCounts,
	hire,
	readLog,
	startWorld,
	stopWorld,
	webhookIdOf,
	type World,
} from './scenarios';

let world: World;
let cluster: N8nQueueCluster;

beforeAll(async () => {
	world = await startWorld();
	cluster = await N8nQueueCluster.launch({
		name: 'reliability-queue',
		credentials: world.credentials,
		workflows: world.workflows,
		env: LEASE_ENV,
	});
	await waitFor(() => world.perks.webhooks.length >= world.workflows.length, {
		what: 'both workflows to register',
		timeoutMs: 90_000,
	});
}, 600_000);

afterAll(async () => {
	await cluster?.dispose();
	if (world) await stopWorld(world);
});

describe('exactly once in queue mode (PostgreSQL, Redis, main + webhook process + 2 workers)', () => {
	exactlyOnceSuite('queue', () => ({
		world: () => world,
		target: () => ({
			urls: (workflow) => [
				cluster.webhookUrl(webhookIdOf(workflow), 'webhook', 'webhook'),
				cluster.webhookUrl(webhookIdOf(workflow), 'webhook', 'main'),
			],
			executions: async (id) => await cluster.executions(id),
			restart: async () => await cluster.restart(),
			killAndStart: async (onKilled) => {
				await cluster.kill();
				onKilled?.();
				await cluster.start();
			},
			logText: () => cluster.logFiles.map(readLog).join('\n'),
			executionData: async () =>
				(await cluster.query<{ data: string }>('SELECT data FROM execution_data'))
					.map((r) => r.data)
					.join('\n'),
		}),
	}));
});

// Restarted in the order docs/idempotency.md recommends (receivers first, workers once the queue is
// empty). Stopping every process at once can lose an event in n8n 2.41.1, which no node can
// prevent: a worker stopping mid-run lost its database connection, could not save the failed run,
// and the webhook process answered the delivery 200 from the run it found saved ("Limits").
describe('queue mode: company scale, Slack with its published tiers, the cluster restarted midway', () => {
	it(
		`${COMPANY.employees} employees funded at once, Slack's tiers ${COMPANY.timeScale}× faster, restart (receivers first) when half have their DM → each DM once`,
		async () => {
			// The URL the template registered with the platform (the webhook process's).
			const hook = world.perks.webhooks.find((h) => h.events.includes('wallet.funded'))!;
			await companyWithRestart(
				world,
				hook.url,
				() => cluster.restartReceiversFirst(),
				'companyQueue',
			);
		},
		COMPANY.testTimeoutMs,
	);
});

/** n8n's migration lock: DbLockService's advisory lock 1005, keyed by schema and table prefix. */
const MIGRATION_LOCK = [1005, createHash('sha256').update('public:').digest().readInt32BE(0)];

describe('queue mode: events that arrive while n8n starts', () => {
	it('n8n answers 200 "starting up" to a signed event before its migrations ran and runs nothing; through a readiness gate the event gets 503 and arrives once when n8n is ready', async () => {
		const [person] = hire(world, 1, 'startup');
		const event = walletFundedEvent(person.employee, { amount: 7, balance: 70 });
		const body = Buffer.from(JSON.stringify(event));
		const hook = world.perks.webhooks.find((h) => h.events.includes('wallet.funded'))!;
		const post = async (url: string) => {
			const response = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'perks-signature': signatureHeader(hook.secret, body),
				},
				body,
			});
			return { status: response.status, text: await response.text() };
		};
		const gate = new ReadinessGate(new URL(hook.url).origin);
		await gate.start();
		try {
			await cluster.stop();
			const runsBefore = (await cluster.executions(DM.id)).length;
			// Holding the lock keeps every n8n process listening but not migrated, as a slow migration would.
			const held = cluster
				.query('SELECT pg_advisory_xact_lock($1, $2), pg_sleep(300)', MIGRATION_LOCK)
				.catch(() => undefined);
			const starting = cluster.start();
			try {
				await waitFor(
					async () => (await fetch(new URL('/healthz', hook.url)).catch(() => undefined))?.ok,
					{ what: 'the webhook process to listen', timeoutMs: 90_000, intervalMs: 100 },
				);
				const direct = await post(hook.url);
				expect(direct).toEqual({ status: 200, text: expect.stringMatching(/starting up/) });
				expect((await post(gate.via(hook.url))).status).toBe(503);
			} finally {
				await cluster.query(
					"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()",
				);
				await held;
				await starting;
			}
			// The 200 ran nothing: no execution, no DM, and the platform would not send it again.
			expect((await cluster.executions(DM.id)).length).toBe(runsBefore);
			expect(dmCounts(world, [person])).toEqual([0]);

			const result = await world.perks.deliverUntilDone(event, {
				url: gate.via(hook.url),
				secret: hook.secret,
				backoffMs: [200, 400, 800, 1600, 3200],
			});
			expect(result.outcome).toBe('delivered');
			expect(dmCounts(world, [person])).toEqual([1]);
			expect(gate.refused).toBeGreaterThan(0);
		} finally {
			await gate.stop();
		}
	});
});
