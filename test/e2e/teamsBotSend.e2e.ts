/**
 * The Teams bot's sending path in a real n8n 2.41.1: the shipped wallet-funded DM and new-perk
 * channel templates switched to the Perks app as their sticky notes say (Authentication "Teams
 * Bot", the Perks Teams Bot API credential), published, and fed signed perks events; the Bot
 * Connector and Graph emulators record what Teams received. The emulator's tokens live 6 s, so
 * n8n must replace them on time.
 */
import { readFileSync } from 'node:fs';

import { BOT_CONNECTOR_SCOPE, BotConnectorEmulator } from '../../emulators/botConnector';
import { GraphEmulator } from '../../emulators/graphApi';
import { perkAddedEvent, PerksEmulator, walletFundedEvent } from '../../emulators/perksApi';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	catalogCredentials,
	copyOf,
	E2E_OWNER,
	EditorSession,
	loadTemplate,
	pickTeam,
	switchToTeamsBot,
	TEAMS_BOT_CREDENTIAL,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const TOKEN_LIFETIME_SECONDS = 6;
const INSTALL = 'POST /users/{id}/teamwork/installedApps';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
let n8n: N8nInstance;

const withApp = graph.addTeam({ displayName: 'Perks Company', channels: ['General'] });
const withoutApp = graph.addTeam({ displayName: 'Sales', channels: ['General'] });
const DM = switchToTeamsBot(loadTemplate('wallet-funded-to-teams-dm.json', 'teamsBotSendDm01'));
const channelPost = (id: string, team: typeof withApp): WorkflowJson =>
	copyOf(switchToTeamsBot(pickTeam(loadTemplate('new-perk-to-teams-channel.json', id), team)), id);
const POST_IN = channelPost('teamsBotSendCh01', withApp);
const POST_OUT = channelPost('teamsBotSendCh02', withoutApp);
const WORKFLOWS = [DM, POST_IN, POST_OUT];

const registered = (workflow: WorkflowJson) =>
	perks.webhooks.filter((w) => w.url === n8n.webhookUrl(webhookIdOf(workflow)));

let people = 0;
function person() {
	people++;
	const email = `bot.dm${people}@contoso.test`;
	const user = graph.addUser({
		displayName: `Dm ${people}`,
		userPrincipalName: email,
		mail: email,
	});
	const employee = perks.addEmployee(
		{ email, name: `Dm ${people}`, locale: 'en' },
		{ balance: 10 },
	);
	return { user, employee };
}

/** The finished executions of a workflow, once there are `count`. */
async function finished(workflow: WorkflowJson, count: number) {
	return await waitFor(
		async () => {
			const rows = await n8n.executions(workflow.id);
			return rows.length >= count && rows.every((r) => r.status !== 'running' && r.status !== 'new')
				? rows
				: undefined;
		},
		{ what: `${workflow.name} to finish`, timeoutMs: 30_000, instance: n8n },
	);
}

const botTokensSince = (from: number) =>
	bot.issued.slice(from).filter((t) => t.scope === BOT_CONNECTOR_SCOPE).length;

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
	await bot.start();
	graph.installAppInTeam(withApp.id, bot.catalogApp!.id);
	n8n = await N8nInstance.launch({
		name: 'teams-bot-send',
		credentials: catalogCredentials({ perks, graph, bot }, WORKFLOWS),
		workflows: WORKFLOWS,
	});
	await waitFor(() => WORKFLOWS.every((w) => registered(w).length > 0), {
		what: 'the bot templates to register their webhooks',
		timeoutMs: 90_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await bot.stop();
	await Promise.all([perks.stop(), graph.stop()]);
});

describe('Teams templates sending as the Perks app in a real n8n', () => {
	it('the templates switched to the bot use only the bot credential', () => {
		const senders = WORKFLOWS.flatMap((w) => w.nodes).filter((n) => n.parameters.platform);
		expect(senders.map((n) => [n.parameters.authentication, Object.keys(n.credentials!)])).toEqual(
			Array(3).fill(['teamsBot', ['perksTeamsBotApi']]),
		);
	});

	it('a DM to someone the app is not installed for installs it, then sends once', async () => {
		const { user, employee } = person();
		expect(graph.botInstalledForUser(user.id, bot.appId)).toBe(false);
		const [delivered] = await perks.deliver(
			walletFundedEvent(employee, { amount: 150, balance: 160, period: '2026-11' }),
		);
		expect(delivered.status).toBe(200);
		const [run] = await finished(DM, 1);
		expect(run.status).toBe('success');
		expect(graph.callCount(INSTALL)).toBe(1);
		expect(graph.botInstalledForUser(user.id, bot.appId)).toBe(true);
		const sent = bot.activitiesFor(user.id);
		expect(sent).toHaveLength(1);
		expect(String(JSON.stringify(sent[0].activity))).toMatch(/150/);
	});

	it('a new perk is posted as the bot where the app is added; the team without it fails with app_not_in_team and its fix', async () => {
		const perk = perks.addPerk({ name: 'Museum pass', description: 'A year of museums', cost: 80 });
		const results = await perks.deliver(perkAddedEvent(perk));
		expect(results).toHaveLength(2);
		const [posted] = await finished(POST_IN, 1);
		const [refused] = await finished(POST_OUT, 1);
		expect(posted.status).toBe('success');
		const inChannel = bot.activitiesIn(withApp.channels[0].id);
		expect(inChannel).toHaveLength(1);
		expect(JSON.stringify(inChannel[0].activity)).toContain('Museum pass');
		expect(bot.activitiesIn(withoutApp.channels[0].id)).toEqual([]);

		expect(refused.status).toBe('error');
		const [{ data }] = await n8n.query<{ data: string }>(
			'SELECT data FROM execution_data WHERE executionId = ?',
			[refused.id],
		);
		expect(data).toContain('app_not_in_team');
		expect(data).toMatch(/Manage team → Apps/);
		expect(data).not.toContain(bot.clientSecret);
	});

	it('two deliveries across the token lifetime both send, each with a token fetched in time', async () => {
		const [first, second] = [person(), person()];
		for (const { user } of [first, second]) graph.installAppForUser(user.id, bot.catalogApp!.id);
		// Whatever token n8n holds now is due for replacement.
		await sleep((TOKEN_LIFETIME_SECONDS / 2) * 1000 + 500);
		const from = bot.issued.length;
		expect(
			(await perks.deliver(walletFundedEvent(first.employee, { amount: 5, balance: 15 })))[0]
				.status,
		).toBe(200);
		await sleep(TOKEN_LIFETIME_SECONDS * 1000 + 500);
		expect(
			(await perks.deliver(walletFundedEvent(second.employee, { amount: 7, balance: 17 })))[0]
				.status,
		).toBe(200);
		expect(bot.activitiesFor(first.user.id)).toHaveLength(1);
		expect(bot.activitiesFor(second.user.id)).toHaveLength(1);
		// Two, not three: a token refused with 401 would have cost another fetch.
		expect(botTokensSince(from)).toBe(2);
	});

	it('the credential\'s "Test" passes the right secret and refuses a wrong one, never echoing it', async () => {
		const editor = await EditorSession.ofNewOwner(n8n, E2E_OWNER, 'teams-bot-send-browser');
		const data = { ...bot.credential(), openIdMetadataUrl: bot.openIdMetadataUrl };
		const credential = { ...TEAMS_BOT_CREDENTIAL, type: 'perksTeamsBotApi', data };
		const passed = await editor.testCredential(credential);
		expect(passed.status).toBe('OK');
		const wrongSecret = `wrong-${bot.clientSecret}`;
		const refused = await editor.testCredential({
			...credential,
			data: { ...data, clientSecret: wrongSecret },
		});
		expect(refused.status).toBe('Error');
		expect(JSON.stringify(refused)).not.toContain(wrongSecret);
		expect(JSON.stringify(refused)).not.toContain(bot.clientSecret);
		expect(JSON.stringify(passed)).not.toContain(bot.clientSecret);
	});

	it("never writes the bot's secret or the perks API key into n8n's log", () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		expect(log).not.toContain(bot.clientSecret);
		expect(log).not.toContain(perks.apiKey);
	});
});
