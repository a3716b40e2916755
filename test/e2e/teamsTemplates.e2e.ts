/**
 * The four Teams templates (three DMs, the new-perk channel post) in a real n8n 2.41.1: imported as
 * shipped (the team picked, as an admin would), published, and fed signed events by the perks
 * emulator while the Graph emulator records what Teams received.
 *
 * What only a real n8n shows: each message is sent once despite a concurrent copy and a
 * redelivery after a restart (Send DM / Post to Channel's ledger in n8n's database), and an
 * expired Teams access token is refreshed by n8n itself and saved in n8n's database, so neither
 * the next execution nor the restarted n8n refreshes again.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { GraphEmulator } from '../../emulators/graphApi';
import {
	lowBalanceEvent,
	perkAddedEvent,
	perkRedeemedEvent,
	PerksEmulator,
	walletFundedEvent,
	type EventInput,
} from '../../emulators/perksApi';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	catalogCredentials,
	loadTemplates,
	pickTeam,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
let n8n: N8nInstance;
let workflows: WorkflowJson[];

/** Named, not globbed: more *-to-teams-* templates (a channel celebration, a sync report) test elsewhere. */
const FOUR =
	/^((wallet-funded|perk-redeemed|low-balance)-to-teams-dm|new-perk-to-teams-channel)\.json$/;
const TOKEN_CALLS = 'POST /oauth2/token';
const registered = (workflow: WorkflowJson) =>
	perks.webhooks.filter((w) => w.url === n8n.webhookUrl(webhookIdOf(workflow)));
/** Graph calls made with a bearer token, newest last. */
const bearerCalls = () => graph.requests.filter((r) => r.token);

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
	const team = graph.addTeam({ displayName: 'Perks Company', channels: ['General'] });
	workflows = loadTemplates('teamsTpl', FOUR).map((t) => pickTeam(t.workflow, team));
	n8n = await N8nInstance.launch({
		name: 'teams-templates',
		credentials: catalogCredentials({ perks, graph }, workflows),
		workflows,
	});
	await waitFor(() => workflows.every((w) => registered(w).length > 0), {
		what: 'the Teams templates to register their webhooks',
		timeoutMs: 90_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), graph.stop()]);
});

/** The 1:1 chat messages between the service account and this person. */
const dmsTo = (person: { graphId: string }) =>
	graph.messagesIn(
		`chat:19:${[graph.serviceAccount.id, person.graphId].sort().join('_')}@unq.gbl.spaces`,
	);

/** Waits until every execution of the workflows has finished; returns their statuses. */
async function settled(): Promise<string[]> {
	return await waitFor(
		async () => {
			const rows = (await n8n.executions()).filter((r) =>
				workflows.some((w) => w.id === r.workflowId),
			);
			return rows.length > 0 &&
				rows.every((r) => ['success', 'error', 'crashed'].includes(r.status))
				? rows.map((r) => r.status)
				: undefined;
		},
		{ what: 'the executions to finish', timeoutMs: 30_000, instance: n8n },
	);
}

describe('Teams templates in a real n8n', () => {
	const people = ['ana', 'bruno', 'carla', 'dario'].map((handle, i) => {
		const email = `${handle}@contoso.test`;
		const user = graph.addUser({ displayName: handle, userPrincipalName: email, mail: email });
		return {
			email,
			name: handle,
			locale: (['pt', 'it', 'es', 'en'] as const)[i],
			graphId: user.id,
		};
	});
	let events: EventInput[] = [];

	it('are four, publish without errors and register exactly their events', () => {
		expect(workflows.map((w) => w.name).sort()).toHaveLength(4);
		expect(
			workflows
				.flatMap((w) => registered(w).map((r) => r.events))
				.flat()
				.sort(),
		).toEqual(['catalog.perk_added', 'perk.redeemed', 'wallet.funded', 'wallet.low_balance']);
		expect(
			n8n.logLines(/\| error \|/).filter((line) => /activat|publish|perks|webhook/i.test(line)),
		).toEqual([]);
	});

	it('each event → one Teams message, also when a copy arrives concurrently', async () => {
		const [ana, bruno, carla] = people.map(({ email, name, locale }) =>
			perks.addEmployee({ email, name, locale }, { balance: 100 }),
		);
		const perk = perks.addPerk({ name: 'Museum pass', description: 'A year of museums', cost: 80 });
		events = [
			walletFundedEvent(ana, { amount: 150, balance: 400, period: '2026-11' }),
			perkRedeemedEvent(bruno, perk, { balance: 20 }),
			lowBalanceEvent(carla, { balance: 15, threshold: 20 }),
			perkAddedEvent(perk),
		];
		const copies = (
			await Promise.all(events.map((event) => perks.deliver(event, { times: 2 })))
		).flat();
		// One copy runs; the other gets 409 while it runs (redelivered later) or 200 after (skipped).
		expect(copies.every((c) => c.status === 200 || c.status === 409)).toBe(true);
		await settled();
		await sleep(500);
		expect(graph.messages).toHaveLength(4);
		const [toAna, toBruno, toCarla] = people.map(dmsTo);
		expect([toAna.length, toBruno.length, toCarla.length]).toEqual([1, 1, 1]);
		expect(toAna[0].body.content).toMatch(/150 pontos/);
		expect(toBruno[0].body.content).toMatch(/Museum pass/);
		expect(toCarla[0].body.content).toMatch(/15 puntos/);
		const posts = graph.messages.filter((m) => m.target.startsWith('channel:'));
		expect(posts).toHaveLength(1);
		expect(JSON.stringify(posts[0])).toContain('Museum pass');
	});

	it('an expired access token is refreshed by n8n, saved, and not refreshed again (not even after a restart); redeliveries after the restart send nothing', async () => {
		const firstToken = bearerCalls().at(-1)!.token;
		graph.expireAccessTokens();
		const { email, name, locale } = people[3];
		const dario = perks.addEmployee({ email, name, locale }, { balance: 10 });
		const [funded] = await perks.deliver(walletFundedEvent(dario, { amount: 50, balance: 60 }));
		expect(funded.status).toBe(200);
		expect(dmsTo(people[3])).toHaveLength(1);
		expect(graph.messages).toHaveLength(5);
		expect(graph.callCount(TOKEN_CALLS)).toBe(1);
		// At the credential's Access Token URL as typed (its tenant), not at /common.
		expect(graph.requests.filter((r) => r.route === TOKEN_CALLS).map((r) => r.path)).toEqual([
			'/login/contoso.test/oauth2/v2.0/token',
		]);
		const newToken = bearerCalls().at(-1)!.token;
		expect(newToken).not.toBe(firstToken);

		// What n8n saved, read back with its own CLI while it is stopped.
		await n8n.stop();
		const file = path.join(n8n.userFolder, 'teams-credential.json');
		await n8n.cli([
			'export:credentials',
			'--id=perksTeamsCredential',
			'--decrypted',
			`--output=${file}`,
		]);
		const [saved] = JSON.parse(await readFile(file, 'utf8')) as Array<{
			data: { oauthTokenData: { access_token: string } };
		}>;
		await rm(file);
		expect(saved.data.oauthTokenData.access_token === newToken).toBe(true);
		await n8n.start();

		const redelivered = (await Promise.all(events.map((event) => perks.deliver(event)))).flat();
		expect(redelivered.map((r) => r.status)).toEqual([200, 200, 200, 200]);
		expect((await settled()).every((status) => status === 'success')).toBe(true);
		await sleep(500);
		expect(graph.messages).toHaveLength(5);

		// A new event after the restart: sent with the saved token, no second refresh.
		const perk = perks.addPerk({
			name: 'Yoga month',
			description: 'Four weeks of classes',
			cost: 40,
		});
		expect((await perks.deliver(perkAddedEvent(perk))).map((r) => r.status)).toEqual([200]);
		expect(graph.messages).toHaveLength(6);
		expect(graph.callCount(TOKEN_CALLS)).toBe(1);
	});

	it("never writes a Graph token, the API key or a webhook secret into n8n's log (debug level)", async () => {
		const log = await readFile(n8n.logFile, 'utf8');
		const tokens = new Set(graph.requests.map((r) => r.token).filter(Boolean) as string[]);
		expect(tokens.size).toBeGreaterThanOrEqual(2);
		for (const secret of [
			...tokens,
			graph.clientSecret,
			perks.apiKey,
			...perks.webhooks.map((w) => w.secret),
		]) {
			expect(log.includes(String(secret))).toBe(false);
		}
	});
});
