/** The exactly-once reliability suite on one n8n with its default database, SQLite. */
import { N8nInstance, waitFor } from '../../harness/n8n';
import { exactlyOnceSuite } from './exactlyOnceSuite';
import { LEASE_ENV, readLog, startWorld, stopWorld, webhookIdOf, type World } from './scenarios';

let world: World;
let n8n: N8nInstance;

beforeAll(async () => {
	world = await startWorld();
	n8n = await N8nInstance.launch({
		name: 'reliability-sqlite',
		credentials: world.credentials,
		workflows: world.workflows,
		env: LEASE_ENV,
	});
	await waitFor(() => world.perks.webhooks.length >= world.workflows.length, {
		what: 'both workflows to register',
		timeoutMs: 60_000,
		instance: n8n,
	});
}, 600_000);

afterAll(async () => {
	await n8n?.dispose();
	if (world) await stopWorld(world);
});

describe('exactly once on SQLite (one n8n process)', () => {
	exactlyOnceSuite('sqlite', () => ({
		world: () => world,
		target: () => ({
			urls: (workflow) => [n8n.webhookUrl(webhookIdOf(workflow))],
			executions: async (id) => await n8n.executions(id),
			restart: async () => await n8n.restart(),
			killAndStart: async (onKilled) => {
				await n8n.kill();
				onKilled?.();
				await n8n.start();
			},
			logText: () => readLog(n8n.logFile),
			executionData: async () =>
				(await n8n.query<{ data: string }>('SELECT data FROM execution_data'))
					.map((r) => r.data)
					.join('\n'),
		}),
	}));
});
