/**
 * Issue 6's reliability suite in n8n's queue mode: main, a webhook process and two workers
 * sharing PostgreSQL and Redis. The trigger's in-flight guard is per process here, so exactly
 * once rests on the delivery ledger's atomic claims in PostgreSQL.
 */
import { waitFor } from '../e2e/n8nInstance';
import { N8nQueueCluster } from '../e2e/queueCluster';
import { exactlyOnceSuite } from './exactlyOnceSuite';
import { LEASE_ENV, readLog, startWorld, stopWorld, webhookIdOf, type World } from './scenarios';

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
