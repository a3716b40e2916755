/**
 * The shipped wallet-funded → Slack DM template in n8n queue mode (queueCluster.ts: main, webhook
 * process, two workers, PostgreSQL, Redis): the webhook process takes the deliveries, the
 * workers run them, and a restart of every process keeps the workflow published.
 */
import { PerksEmulator, walletFundedEvent } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { matchingLines, waitFor } from '../../harness/n8n';
import { N8nQueueCluster } from '../../harness/n8n/queueCluster';
import { loadTemplate, templateCredentials, webhookIdOf } from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
let cluster: N8nQueueCluster;
let launchMs = 0;

const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'queueWalletDm01');
const registered = () =>
	perks.webhooks.filter((w) => w.url === cluster.webhookUrl(webhookIdOf(DM)));

/** `count` employees who are also in the Slack workspace (matched by email). */
function employees(count: number) {
	return slack.addUsers(count, { namePrefix: 'queue' }).map((user) => ({
		user,
		employee: perks.addEmployee({ email: user.email, name: user.realName }),
	}));
}

async function finishedRuns(count: number) {
	return await waitFor(
		async () => {
			const rows = await cluster.executions(DM.id);
			const done = rows.filter((row) => ['success', 'error', 'crashed'].includes(row.status));
			return done.length >= count && done.length === rows.length ? done : undefined;
		},
		{ what: `${count} finished execution(s) of ${DM.id}`, timeoutMs: 60_000, instance: cluster },
	);
}

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start()]);
	const began = Date.now();
	cluster = await N8nQueueCluster.launch({
		name: 'queue-mode',
		credentials: templateCredentials(perks, slack),
		workflows: [DM],
	});
	launchMs = Date.now() - began;
	await waitFor(() => registered().length > 0, {
		what: 'the template to register its webhook',
		timeoutMs: 60_000,
		instance: cluster,
	});
}, 900_000);

afterAll(async () => {
	await cluster?.dispose();
	await Promise.all([perks.stop(), slack.stop()]);
	const t = cluster?.timings;
	if (t) {
		process.stdout.write(
			`\n[e2e queue] launch ${launchMs} ms (services ${t.servicesMs} ms, prepare ${t.prepareMs} ms, ` +
				`starts ${t.startsMs.join(', ')} ms); stops ${t.stopsMs.join(', ')} ms; dispose ${t.disposeMs} ms\n`,
		);
	}
}, 120_000);

describe('n8n queue mode (main, webhook process, 2 workers, PostgreSQL, Redis)', () => {
	it('the trigger registers the webhook process URL for its event', () => {
		expect(registered().map((w) => w.events)).toEqual([['wallet.funded']]);
	});

	it('20 distinct events posted to the webhook process → 20 DMs, every execution run by a worker', async () => {
		const people = employees(20);
		const deliveries = await Promise.all(
			people.map(({ employee }, i) =>
				perks.deliver(
					walletFundedEvent(employee, { amount: 100 + i, balance: 500 + i, period: '2026-11' }),
				),
			),
		);
		expect(deliveries.flat().map((d) => [d.url, d.status])).toEqual(
			people.map(() => [cluster.webhookUrl(webhookIdOf(DM), 'webhook', 'webhook'), 200]),
		);

		const runs = await finishedRuns(20);
		expect(runs).toHaveLength(20);
		expect(runs.map((r) => [r.mode, r.status, r.finished])).toEqual(
			runs.map(() => ['webhook', 'success', true]),
		);
		await waitFor(() => people.every(({ user }) => slack.messagesFor(user.id).length > 0), {
			what: '20 DMs',
			instance: cluster,
		});
		people.forEach(({ user }, i) => {
			expect(slack.messagesFor(user.id)).toHaveLength(1);
			expect(slack.messagesFor(user.id)[0].text).toContain(String(100 + i));
		});

		// Each execution finished in a worker's log, none in main's or the webhook process's.
		const [mainLog, webhookLog, ...workerLogs] = cluster.logFiles;
		const finished = /Worker finished execution (\d+)/;
		const finishedIn = (logs: string[]) =>
			new Set(matchingLines(logs, finished).map((line) => Number(finished.exec(line)?.[1])));
		const onWorkers = finishedIn(workerLogs.slice(0, 2));
		for (const run of runs) expect(onWorkers).toContain(run.id);
		expect(finishedIn([mainLog, webhookLog]).size).toBe(0);
	});

	it('main serves the same production webhook (a second entry point)', async () => {
		const [{ user, employee }] = employees(1);
		const url = cluster.webhookUrl(webhookIdOf(DM), 'webhook', 'main');
		const [delivery] = await perks.deliver(
			walletFundedEvent(employee, { amount: 9, balance: 90 }),
			{
				url,
				secret: registered()[0].secret,
			},
		);
		expect([delivery.url, delivery.status]).toEqual([url, 200]);
		await waitFor(() => slack.messagesFor(user.id).length === 1, {
			what: 'the DM via main',
			instance: cluster,
		});
	});

	it('with worker 1 SIGKILLed, worker 2 runs the events; start() brings worker 1 back', async () => {
		await cluster.killWorker(0);
		const before = (await cluster.executions(DM.id)).length;
		const people = employees(5);
		const deliveries = await Promise.all(
			people.map(({ employee }) =>
				perks.deliver(walletFundedEvent(employee, { amount: 5, balance: 50 })),
			),
		);
		expect(deliveries.flat().map((d) => d.status)).toEqual([200, 200, 200, 200, 200]);
		const runs = (await finishedRuns(before + 5)).slice(before);
		expect(runs.map((r) => r.status)).toEqual([
			'success',
			'success',
			'success',
			'success',
			'success',
		]);
		const [, , worker1Log, worker2Log] = cluster.logFiles;
		for (const run of runs) {
			expect(
				matchingLines([worker2Log], new RegExp(`Worker finished execution ${run.id} `)),
			).toHaveLength(1);
			expect(
				matchingLines([worker1Log], new RegExp(`Worker finished execution ${run.id} `)),
			).toHaveLength(0);
		}
		await waitFor(() => people.every(({ user }) => slack.messagesFor(user.id).length === 1), {
			what: '5 DMs',
			instance: cluster,
		});

		await cluster.start();
		// start() resolved: worker 1 answered its readiness endpoint again, after a second start.
		expect(
			matchingLines([worker1Log], /^===== n8n worker 1 \(health \d+, broker \d+\) =====$/),
		).toHaveLength(2);
		expect(matchingLines([worker1Log], /signal SIGKILL/)).toHaveLength(1);
	});

	it('a restart of every n8n process keeps the workflow published', async () => {
		await cluster.restart();
		const [row] = await cluster.query<{ activeVersionId: string | null }>(
			'SELECT "activeVersionId" FROM workflow_entity WHERE id = $1',
			[DM.id],
		);
		expect(row.activeVersionId).toBeTruthy();

		const before = (await cluster.executions(DM.id)).length;
		const [{ user, employee }] = employees(1);
		const [delivery] = await perks.deliver(
			walletFundedEvent(employee, { amount: 77, balance: 770, period: '2026-12' }),
		);
		expect(delivery.status).toBe(200);
		const runs = await finishedRuns(before + 1);
		expect(runs.at(-1)?.status).toBe('success');
		await waitFor(() => slack.messagesFor(user.id).length > 0, {
			what: 'the DM after the restart',
			instance: cluster,
		});
		expect(slack.messagesFor(user.id)).toHaveLength(1);
	});
});
