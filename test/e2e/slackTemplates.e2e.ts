/**
 * The shipped Slack templates in a real n8n 2.41.1: imported as they are (sticky note
 * included) with `n8n import:workflow`, published with `n8n publish:workflow`, then fed signed
 * events by the perks emulator while the Slack emulator records what employees would see.
 *
 * What only a real n8n shows: the templates import and publish without errors, and "never
 * twice" holds across a restart, where the trigger's in-process guard is gone and the Send DM
 * node's ledger (n8n's deduplication store, in n8n's database) must stop the second DM.
 */
import { readFileSync } from 'node:fs';

import { PerksEmulator, perkAddedEvent, walletFundedEvent } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	loadTemplate,
	setUpOwner,
	templateCredentials,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
let n8n: N8nInstance;

const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'templateWalletDm01');
const CHANNEL = loadTemplate('new-perk-to-slack-channel.json', 'templatePerkChan01');
const registered = (workflow: WorkflowJson) =>
	perks.webhooks.filter((w) => w.url === n8n.webhookUrl(webhookIdOf(workflow)));

async function finishedRuns(workflowId: string, count: number) {
	return await waitFor(
		async () => {
			const rows = await n8n.executions(workflowId);
			const done = rows.filter((row) => ['success', 'error', 'crashed'].includes(row.status));
			return done.length >= count && done.length === rows.length ? done : undefined;
		},
		{ what: `${count} finished execution(s) of ${workflowId}`, timeoutMs: 30_000, instance: n8n },
	);
}

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start()]);
	slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	n8n = await N8nInstance.launch({
		name: 'slack-templates',
		// The ids and types the templates reference, as an admin would create them.
		credentials: templateCredentials(perks, slack),
		workflows: [DM, CHANNEL],
	});
	await waitFor(() => registered(DM).length > 0 && registered(CHANNEL).length > 0, {
		what: 'both templates to register their webhooks',
		timeoutMs: 60_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop()]);
});

describe('Slack templates in a real n8n', () => {
	it('publish without errors and register exactly their events', () => {
		expect(registered(DM).map((w) => w.events)).toEqual([['wallet.funded']]);
		expect(registered(CHANNEL).map((w) => w.events)).toEqual([['catalog.perk_added']]);
		// No error-level line about publication, activation or our nodes.
		expect(
			n8n.logLines(/\| error \|/).filter((line) => /activat|publish|perks|webhook/i.test(line)),
		).toEqual([]);
		expect(n8n.logLines(/Added webhook "Perks Trigger"/)).toHaveLength(2);
	});

	it('wallet funded → one Slack DM, also for concurrent copies and for a redelivery after a restart', async () => {
		const user = slack.addUser({ name: 'ines', realName: 'Inês Costa', email: 'ines@example.com' });
		const employee = perks.addEmployee({
			email: 'Ines@Example.com',
			name: 'Inês Costa',
			locale: 'pt',
		});
		const event = walletFundedEvent(employee, { amount: 150, balance: 400, period: '2026-11' });

		const copies = await perks.deliver(event, { times: 3 });
		// One copy runs; one still in flight gets 409 (redelivered later), one after it ran 200 (skipped).
		expect(copies.map((c) => c.status).every((s) => s === 200 || s === 409)).toBe(true);
		expect(copies.some((c) => c.status === 200)).toBe(true);
		await waitFor(() => slack.messagesFor(user.id).length > 0, {
			what: 'the DM',
			timeoutMs: 30_000,
			instance: n8n,
		});
		const [dm] = slack.messagesFor(user.id);
		expect(dm.text).toMatch(/150 pontos/);
		expect(dm.text).toMatch(/400 pontos/);

		await n8n.restart();
		const [redelivery] = await perks.deliver(event);
		expect(redelivery.status).toBe(200);
		// The workflow runs again after the restart: Send DM's ledger (in n8n's database) must skip.
		const runs = await finishedRuns(DM.id, copies.filter((c) => c.status === 200).length + 1);
		expect(runs.every((r) => r.status === 'success')).toBe(true);
		await sleep(500);
		expect(slack.messagesFor(user.id)).toHaveLength(1);
	});

	it('new perk added → an announcement in #perks', async () => {
		const perk = perks.addPerk({ name: 'Museum pass', description: 'A year of museums', cost: 80 });
		const [delivery] = await perks.deliver(perkAddedEvent(perk));
		expect(delivery.status).toBe(200);
		await waitFor(() => slack.messagesFor('C0PERKS01').length > 0, {
			what: 'the announcement',
			timeoutMs: 30_000,
			instance: n8n,
		});
		expect(JSON.stringify(slack.messagesFor('C0PERKS01')[0].blocks)).toContain('Museum pass');
	});

	it("never writes a token, API key or webhook secret into n8n's log (debug level)", () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		expect(log.length).toBeGreaterThan(0);
		for (const secret of [slack.token, perks.apiKey, ...perks.webhooks.map((w) => w.secret)]) {
			expect(log).not.toContain(secret);
		}
	});
});

describe('the real n8n editor API, signed in', () => {
	let cookie = '';
	const browserId = 'perks-e2e-browser';

	beforeAll(async () => {
		cookie = await setUpOwner(
			n8n,
			{
				email: 'owner@perks.local',
				firstName: 'E2e',
				lastName: 'Owner',
				password: 'E2e-Owner-Pass-1',
			},
			browserId,
		);
	});

	async function signedIn(urlPath: string): Promise<unknown> {
		const response = await fetch(`${n8n.baseUrl}${urlPath}`, {
			headers: { cookie, 'browser-id': browserId },
		});
		expect(response.status).toBe(200);
		return await response.json();
	}

	it('the editor lists our five nodes and three credential types', async () => {
		const nodes = (await signedIn('/types/nodes.json')) as Array<{ name: string }>;
		const ours = nodes.filter((n) => n.name.startsWith('n8n-nodes-perks.')).map((n) => n.name);
		for (const name of [
			'perksTrigger',
			'perksBalanceLookup',
			'perksMapUserByEmail',
			'perksSendDm',
			'perksPostToChannel',
		]) {
			expect(ours).toContain(`n8n-nodes-perks.${name}`);
		}
		const credentials = (await signedIn('/types/credentials.json')) as Array<{ name: string }>;
		const credentialNames = credentials.map((c) => c.name);
		for (const name of ['perksApi', 'perksSlackApi', 'perksSlackOAuth2Api'])
			expect(credentialNames).toContain(name);
	});

	/** The editor's "Test" button: the stored credential `id`, with the values typed in the dialog. */
	async function testCredential(type: string, data: Record<string, unknown>) {
		const id = type === 'perksApi' ? 'perksApiCredential' : 'perksSlackBotCredential';
		const response = await fetch(`${n8n.baseUrl}/rest/credentials/test`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie, 'browser-id': browserId },
			body: JSON.stringify({ credentials: { id, name: `test ${type}`, type, data } }),
		});
		expect(response.status).toBe(200);
		return ((await response.json()) as { data: { status: string; message: string } }).data;
	}

	it('Perks API: GET /v1/account accepts the key and refuses a wrong one', async () => {
		expect(
			await testCredential('perksApi', { baseUrl: perks.baseUrl, apiKey: perks.apiKey }),
		).toMatchObject({ status: 'OK' });
		expect(
			await testCredential('perksApi', { baseUrl: perks.baseUrl, apiKey: 'wrong' }),
		).toMatchObject({ status: 'Error' });
		expect(perks.requests.filter((r) => r.path === '/v1/account').length).toBeGreaterThanOrEqual(2);
	});

	it('Perks Slack Bot API: auth.test accepts the bot token and refuses a wrong one', async () => {
		expect(
			await testCredential('perksSlackApi', { accessToken: slack.token, apiUrl: slack.apiUrl }),
		).toMatchObject({ status: 'OK' });
		const refused = await testCredential('perksSlackApi', {
			accessToken: 'xoxb-not-the-token',
			apiUrl: slack.apiUrl,
		});
		expect(refused).toMatchObject({ status: 'Error', message: expect.stringMatching(/bot token/) });
		expect(slack.callCount('auth.test')).toBeGreaterThanOrEqual(2);
	});
});
