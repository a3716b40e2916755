/**
 * The Teams perks-event templates with the switch their sticky notes document: Authentication
 * "Teams Bot (Teams App)" and a Perks Teams Bot API credential. Published as an admin would, fed
 * signed events (twice each); the Bot Connector emulator shows what employees see.
 */
import { BotConnectorEmulator } from '../../emulators/botConnector';
import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator, perkAddedEvent, perkRedeemedEvent } from '../../emulators/perksApi';
import { watchExpressions } from './expressionWatch';
import type { HostedWorkflow } from '../../harness/inProcess/webhookHost';
import {
	dmTemplateEvent,
	hostTemplate,
	stickyNoteOf,
} from '../../harness/inProcess/shippedTemplates';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph });
let hosted: HostedWorkflow | undefined;

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
	await bot.start();
});
afterAll(async () => {
	await Promise.all([perks.stop(), bot.stop(), graph.stop()]);
});
afterEach(async () => {
	jest.restoreAllMocks();
	await hosted?.deactivate();
	await hosted?.stop();
	hosted = undefined;
});

const SENDERS = ['Send DM', 'Post to Channel'];

/** What the sticky note says to do for the app: the Authentication switch and the bot credential. */
async function publishWithBot(file: string, team?: string): Promise<HostedWorkflow> {
	expect(stickyNoteOf(file)).toMatch(
		/set \*\*Authentication\*\* to \*Teams Bot \(Teams App\)\* and pick your \*Perks Teams Bot API\* credential|set \*\*Authentication\*\* to \*Teams Bot \(Teams App\)\*, pick your \*Perks Teams Bot API\* credential/,
	);
	hosted = await hostTemplate(file, {
		id: `bot-${file}`,
		edit: (node) => {
			if (!SENDERS.includes(node.name)) return;
			node.parameters.authentication = 'teamsBot';
			node.credentials = {
				perksTeamsBotApi: { id: 'perksTeamsBotCredential', name: 'Perks Teams Bot API' },
			};
			if (team) node.parameters.team = { __rl: true, mode: 'list', value: team };
		},
		credentials: {
			perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			perksTeamsBotApi: bot.credential(),
		},
	});
	return hosted;
}

describe.each([
	['wallet-funded-to-teams-dm.json', 'wallet.funded', /100 punti/],
	['perk-redeemed-to-teams-dm.json', 'perk.redeemed', /Cena/],
	['low-balance-to-teams-dm.json', 'wallet.low_balance', /15 punti/],
])('%s with the Teams bot', (file, eventType, expected) => {
	it(`DMs the employee from the app once per ${eventType} event, installing the app first`, async () => {
		const wf = await publishWithBot(file);
		const email = `bot-${eventType.replace(/\W/g, '-')}@example.com`;
		const user = graph.addUser({
			displayName: 'Marta Rossi',
			userPrincipalName: `marta.${email}`,
			proxyAddresses: [`smtp:${email}`],
		});
		const employee = perks.addEmployee({ email, name: 'Marta Rossi', locale: 'it' });
		const event = dmTemplateEvent(perks, eventType, employee);
		const evaluated = watchExpressions();
		expect((await perks.deliver(event))[0].status).toBe(200);
		expect((await perks.deliver(event))[0].status).toBe(200);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		expect(runs[1].output('Send DM')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		expect(graph.botInstalledForUser(user.id, bot.appId)).toBe(true);
		const sent = bot.activitiesFor(user.id);
		expect(sent).toHaveLength(1);
		expect(String(sent[0].activity.text)).toMatch(expected);
		// Nothing for n8n to evaluate, as with the service account (templates.test.ts).
		expect(evaluated()).toEqual([]);
	});
});

describe.each([
	['new-perk-to-teams-channel.json', 'Museum pass'],
	['perk-redeemed-to-teams-channel.json', 'Concert'],
])('%s with the Teams bot', (file, perkName) => {
	it("posts a thread in the team's General channel, where the app is added, once per event", async () => {
		const team = graph.addTeam({ displayName: `Everyone ${file}`, channels: ['General'] });
		graph.installAppInTeam(team.id, bot.catalogApp!.id);
		const wf = await publishWithBot(file, team.id);
		const perk = perks.addPerk({ name: perkName, description: 'Nice', cost: 80 });
		const employee = perks.addEmployee({
			email: `ana.${perkName.replace(/\W/g, '')}@example.com`,
			name: 'Ana Lima',
			locale: 'pt',
		});
		const event = file.startsWith('new-perk')
			? perkAddedEvent(perk)
			: perkRedeemedEvent(employee, perk, { balance: 10 });
		await perks.deliver(event);
		await perks.deliver(event);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		const threads = bot.activitiesIn(team.channels[0].id);
		expect(threads).toHaveLength(1);
		expect(String(threads[0].activity.text)).toContain(perkName);
	});
});
