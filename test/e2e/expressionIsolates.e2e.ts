/**
 * What n8n's recommended expression setting for large fundings buys (README, "A whole company at
 * once"): with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true, n8n builds an expression isolate only for a
 * run that evaluates an expression. The shipped wallet-funded DM templates, Teams and Slack,
 * evaluate none (Send DM reads `{{ $json.employeeEmail }}` itself, the credentials hold no
 * expression), so their runs build no isolate; a copy whose email is computed builds one per run.
 * Counted with n8n's own metric.
 */
import { GraphEmulator } from '../../emulators/graphApi';
import { lowBalanceEvent, PerksEmulator, walletFundedEvent } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { N8nInstance, waitFor, type WorkflowJson } from '../../harness/n8n';
import { catalogCredentials, loadTemplates, webhookIdOf } from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
let n8n: N8nInstance;
let workflows: WorkflowJson[];

const PEOPLE = 12;
const registered = (workflow: WorkflowJson) =>
	perks.webhooks.some((w) => w.url === n8n.webhookUrl(webhookIdOf(workflow)));

/** Bridges n8n's expression engine took from its pool since it started. */
async function isolatesAcquired(): Promise<number> {
	const text = await (await fetch(`${n8n.baseUrl}/metrics`)).text();
	const value = /^n8n_expression_pool_acquired_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1];
	if (value === undefined)
		throw new Error('n8n /metrics has no n8n_expression_pool_acquired_total');
	return Number(value);
}

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start(), slack.start()]);
	// Sorted by file name: low-balance first.
	const [computed, toSlack, toTeams] = loadTemplates(
		'isolates',
		/^(wallet-funded-to-(slack|teams)|low-balance-to-teams)-dm\.json$/,
	).map((t) => t.workflow);
	const sendDm = computed.nodes.find((n) => n.name === 'Send DM')!;
	sendDm.parameters = { ...sendDm.parameters, email: '={{ $json.employeeEmail.trim() }}' };
	workflows = [toTeams, toSlack, computed];
	n8n = await N8nInstance.launch({
		name: 'expression-isolates',
		credentials: catalogCredentials({ perks, graph, slack }, workflows),
		workflows,
		env: { N8N_METRICS: 'true', N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	});
	await waitFor(() => workflows.every(registered), {
		what: 'both workflows to register their webhooks',
		timeoutMs: 90_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), graph.stop(), slack.stop()]);
});

describe('expression isolates per run, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true', () => {
	const people = Array.from({ length: PEOPLE }, (_, i) => {
		const email = `person${i}@contoso.test`;
		graph.addUser({ displayName: `Person ${i}`, userPrincipalName: email, mail: email });
		slack.addUser({ name: `person${i}`, email });
		return perks.addEmployee({ email, name: `Person ${i}`, locale: 'en' }, { balance: 100 });
	});

	it(`the shipped wallet-funded templates: ${PEOPLE} Teams and ${PEOPLE} Slack DMs, no isolate`, async () => {
		const before = await isolatesAcquired();
		const answers = await Promise.all(
			people.map((p) => perks.deliver(walletFundedEvent(p, { amount: 50, balance: 150 }))),
		);
		expect(answers.flat().map((a) => a.status)).toEqual([...people, ...people].map(() => 200));
		expect(graph.messages).toHaveLength(PEOPLE);
		expect(slack.messages).toHaveLength(PEOPLE);
		expect(await isolatesAcquired()).toBe(before);
	});

	it(`the same with a computed email: ${PEOPLE} DMs, an isolate each (the metric counts)`, async () => {
		const before = await isolatesAcquired();
		const answers = await Promise.all(
			people.map((p) => perks.deliver(lowBalanceEvent(p, { balance: 5, threshold: 10 }))),
		);
		expect(answers.flat().map((a) => a.status)).toEqual(people.map(() => 200));
		expect(graph.messages).toHaveLength(2 * PEOPLE);
		expect((await isolatesAcquired()) - before).toBeGreaterThanOrEqual(PEOPLE);
	});
});
