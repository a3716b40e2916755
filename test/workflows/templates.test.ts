/**
 * The shipped templates, run as an admin would use them: imported as they are (sticky notes
 * aside, which never execute), published (the trigger registers with the perks emulator), then
 * fed signed events; the Slack emulator shows what employees see.
 */
import { readdirSync } from 'node:fs';

import type { IDataObject, INode } from 'n8n-workflow';

import { UNMATCHED_REASON_TEXT } from '../../nodes/shared/mapping/directorySync';

import { GraphEmulator } from '../../emulators/graphApi';
import {
	PerksEmulator,
	perkAddedEvent,
	perkRedeemedEvent,
	walletFundedEvent,
} from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { instantiate, loadPackage, runFromTrigger } from '../../harness/inProcess/n8nRuntime';
import type { HostedWorkflow } from '../../harness/inProcess/webhookHost';
import {
	TEMPLATE_DIR,
	dmTemplateEvent,
	hostTemplate,
	readTemplate,
	runnableTemplate,
} from '../../harness/inProcess/shippedTemplates';
import { watchExpressions } from './expressionWatch';
import { BUILT_IN_NODES, withBuiltInTriggers } from '../../harness/inProcess/builtinTriggers';
import { credentialsFor } from '../../harness/inProcess/runNode';

/** n8n nodes the AI Agent template uses at the versions n8n 2.41.1 ships; run in the e2e tier (test/e2e/aiAgent.e2e.ts), not here. */
const N8N_NODES_NOT_RUN_HERE: Record<string, number[]> = {
	'n8n-nodes-base.if': [2.3],
	'@n8n/n8n-nodes-langchain.agent': [3.1],
	'@n8n/n8n-nodes-langchain.lmChatOpenAi': [1.3],
};
const templates = readdirSync(TEMPLATE_DIR).filter((file) => file.endsWith('.json'));

const perks = new PerksEmulator();
const slack = new SlackEmulator();
const graph = new GraphEmulator();
let hosted: HostedWorkflow | undefined;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), graph.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop(), graph.stop()]);
});
afterEach(async () => {
	await hosted?.deactivate();
	await hosted?.stop();
	hosted = undefined;
});

// A DM template's only expression, `{{ $json.employeeEmail }}`, is read by Send DM itself, so with
// N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE n8n builds no expression isolate for its runs (README).
afterEach(() => jest.restoreAllMocks());

/** `pick` does what the sticky note asks of the admin beyond credentials (e.g. choose the team). */
async function publish(file: string, pick?: (node: INode) => void): Promise<HostedWorkflow> {
	hosted = await hostTemplate(file, {
		edit: pick,
		credentials: credentialsFor({ slack, perks, graph }),
	});
	return hosted;
}

describe.each(templates)('template %s', (file) => {
	it('uses only our nodes and n8n built-ins, one trigger, and a sticky note saying what to set', async () => {
		const template = readTemplate(file);
		const pkg = await loadPackage();
		const notes = template.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote');
		expect(notes).toHaveLength(1);
		expect(String(notes[0].parameters.content)).toMatch(/credential/i);
		expect(String(notes[0].parameters.content)).toMatch(/\*\*Set up\*\*/);
		const nodes = template.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
		for (const node of nodes) {
			if (node.type.startsWith('n8n-nodes-base.') || node.type.startsWith('@n8n/')) {
				expect({ ...BUILT_IN_NODES, ...N8N_NODES_NOT_RUN_HERE }[node.type]).toContain(
					node.typeVersion,
				);
				continue;
			}
			// n8n makes the tool variant of a usableAsTool node at load time; its settings are the node's.
			const isTool = node.type.endsWith('Tool');
			const type = pkg.nodeTypes.getByNameAndVersion(
				isTool ? node.type.slice(0, -'Tool'.length) : node.type,
				node.typeVersion,
			);
			if (isTool) expect(type.description.usableAsTool).toBe(true);
			const declared = (type.description.credentials ?? []).map((c) => c.name);
			for (const credentialType of Object.keys(node.credentials ?? {}))
				expect(declared).toContain(credentialType);
		}
		// One trigger: perks events, chat questions, a schedule, or another workflow's failure.
		const triggers = nodes.filter((n) => /Trigger$/.test(n.type));
		expect(triggers).toHaveLength(1);
		if (triggers[0].type.startsWith('n8n-nodes-perks.')) expect(triggers[0].webhookId).toBeTruthy();
		// One event → one destination: a chain from the trigger through every node, each output to one
		// node; only an If forks (the AI Agent template's unmapped asker gets the help answer instead).
		const reached = [triggers[0].name];
		for (let i = 0; i < reached.length; i++) {
			const main = template.connections[reached[i]]?.main;
			if (!main) continue;
			const isIf = nodes.find((n) => n.name === reached[i])?.type === 'n8n-nodes-base.if';
			expect(main).toHaveLength(isIf ? 2 : 1);
			for (const output of main) {
				expect(output).toHaveLength(1);
				reached.push(output![0].node);
			}
		}
		// AI sub-nodes (model, tools) hang off a reached node by their ai_* connections.
		for (const [from, byType] of Object.entries(template.connections)) {
			const aiTargets = Object.entries(byType)
				.filter(([kind]) => kind.startsWith('ai_'))
				.flatMap(([, outputs]) => outputs.flat());
			if (aiTargets.some((target) => target && reached.includes(target.node))) reached.push(from);
		}
		expect(reached.sort()).toEqual(nodes.map((n) => n.name).sort());
	});
});

describe('wallet funded → Slack DM', () => {
	it('registers for wallet.funded and DMs the employee once per event', async () => {
		const wf = await publish('wallet-funded-to-slack-dm.json');
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual(['wallet.funded']);
		const user = slack.addUser({
			name: 'marta',
			realName: 'Marta Rossi',
			email: 'marta@example.com',
		});
		const employee = perks.addEmployee({
			email: 'Marta@Example.com',
			name: 'Marta Rossi',
			locale: 'it',
		});
		const event = walletFundedEvent(employee, { amount: 100, balance: 250, period: '2026-11' });
		const evaluated = watchExpressions();

		expect((await perks.deliver(event))[0].status).toBe(200);
		expect((await perks.deliver(event))[0].status).toBe(200);
		// The redelivery runs the workflow again; Send DM's ledger skips the second DM.
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		expect(runs[1].output('Send DM')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		const dms = slack.messagesFor(user.id);
		expect(dms).toHaveLength(1);
		expect(dms[0].text).toMatch(/100 punti/);
		expect(dms[0].text).toMatch(/250 punti/);
		expect(evaluated()).toEqual([]);
	});
});

describe('new perk added → Slack channel', () => {
	it('announces the new perk in #perks', async () => {
		slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
		const wf = await publish('new-perk-to-slack-channel.json');
		const perk = perks.addPerk({
			name: 'Cooking class',
			description: 'Learn to make pasta',
			cost: 60,
			image_url: 'https://perks.example.com/pasta.png',
		});
		expect((await perks.deliver(perkAddedEvent(perk)))[0].status).toBe(200);
		const [run] = await wf.settled();
		expect(run.run.status).toBe('success');
		const [announcement] = slack.messagesFor('C0PERKS01');
		expect(JSON.stringify(announcement.blocks)).toContain('Cooking class');
		expect(JSON.stringify(announcement.blocks)).toContain('https://perks.example.com/pasta.png');
	});
});

describe.each([
	['wallet-funded-to-teams-dm.json', 'wallet.funded', /100 punti/],
	['perk-redeemed-to-teams-dm.json', 'perk.redeemed', /Cena/],
	['low-balance-to-teams-dm.json', 'wallet.low_balance', /15 punti/],
])('%s', (file, eventType, expected) => {
	it(`registers for ${eventType} and DMs the employee in Teams once per event`, async () => {
		const wf = await publish(file);
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual([eventType]);
		const email = `${eventType.replace(/\W/g, '-')}@example.com`;
		graph.addUser({
			displayName: 'Marta Rossi',
			userPrincipalName: `marta.${email}`,
			proxyAddresses: [`smtp:${email}`],
		});
		const employee = perks.addEmployee({ email, name: 'Marta Rossi', locale: 'it' });
		const event = dmTemplateEvent(perks, eventType, employee);
		const before = graph.messages.length;
		const evaluated = watchExpressions();
		expect((await perks.deliver(event))[0].status).toBe(200);
		expect((await perks.deliver(event))[0].status).toBe(200);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		expect(runs[1].output('Send DM')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		const sent = graph.messages.slice(before);
		expect(sent).toHaveLength(1);
		expect(sent[0].body.content).toMatch(expected);
		expect(evaluated()).toEqual([]);
	});
});

describe('new perk added → Teams channel', () => {
	it("announces the new perk in the chosen team's General channel", async () => {
		const team = graph.addTeam({ displayName: 'Everyone', channels: ['General'] });
		const wf = await publish('new-perk-to-teams-channel.json', (node) => {
			if (node.name === 'Post to Channel')
				node.parameters.team = { __rl: true, mode: 'list', value: team.id };
		});
		const perk = perks.addPerk({ name: 'Museum pass', description: 'A year of museums', cost: 80 });
		expect((await perks.deliver(perkAddedEvent(perk)))[0].status).toBe(200);
		const [run] = await wf.settled();
		expect(run.run.status).toBe('success');
		const [announcement] = graph.messagesIn(`channel:${team.id}/${team.channels[0].id}`);
		expect(announcement.body.content).toContain('Museum pass');
	});
});

describe.each([
	['perk-redeemed-to-slack-dm.json', 'perk.redeemed', /Cena/],
	['low-balance-to-slack-dm.json', 'wallet.low_balance', /15 punti/],
])('%s', (file, eventType, expected) => {
	it(`registers for ${eventType} and DMs the employee in Slack once per event`, async () => {
		const wf = await publish(file);
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual([eventType]);
		const email = `slack-${eventType.replace(/\W/g, '-')}@example.com`;
		const user = slack.addUser({ name: email.split('@')[0], email });
		const employee = perks.addEmployee({ email, name: 'Marta Rossi', locale: 'it' });
		const event = dmTemplateEvent(perks, eventType, employee);
		const evaluated = watchExpressions();
		expect((await perks.deliver(event))[0].status).toBe(200);
		expect((await perks.deliver(event))[0].status).toBe(200);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		expect(runs[1].output('Send DM')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		const dms = slack.messagesFor(user.id);
		expect(dms).toHaveLength(1);
		expect(dms[0].text).toMatch(expected);
		expect(evaluated()).toEqual([]);
	});
});

describe('perk redeemed → channel celebration', () => {
	it('celebrates the redemption in #perks (Slack), once per event', async () => {
		const channel = slack.getChannel('perks') ?? slack.addChannel({ name: 'perks' });
		const wf = await publish('perk-redeemed-to-slack-channel.json');
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual(['perk.redeemed']);
		const employee = perks.addEmployee({
			email: 'ana.celebrated@example.com',
			name: 'Ana Souza',
			locale: 'pt',
		});
		const event = perkRedeemedEvent(
			employee,
			perks.addPerk({ name: 'Spa day', description: 'Relax', cost: 90 }),
			{ balance: 10 },
		);
		const before = slack.messagesFor(channel.id).length;
		await perks.deliver(event);
		await perks.deliver(event);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		const posted = slack.messagesFor(channel.id).slice(before);
		expect(posted).toHaveLength(1);
		expect(JSON.stringify(posted[0].blocks)).toContain('Ana Souza redeemed *Spa day*');
	});

	it("celebrates the redemption in the chosen team's General channel (Teams)", async () => {
		const team = graph.addTeam({ displayName: 'Celebrations', channels: ['General'] });
		const wf = await publish('perk-redeemed-to-teams-channel.json', (node) => {
			if (node.name === 'Post to Channel')
				node.parameters.team = { __rl: true, mode: 'list', value: team.id };
		});
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual(['perk.redeemed']);
		const employee = perks.addEmployee({
			email: 'ana.teams@example.com',
			name: 'Ana Lima',
			locale: 'pt',
		});
		await perks.deliver(
			perkRedeemedEvent(
				employee,
				perks.addPerk({ name: 'Concert', description: 'Music', cost: 70 }),
				{ balance: 5 },
			),
		);
		const [run] = await wf.settled();
		expect(run.run.status).toBe('success');
		const [celebration] = graph.messagesIn(`channel:${team.id}/${team.channels[0].id}`);
		expect(celebration.body.content).toContain('Ana Lima');
		expect(celebration.body.content).toContain('Concert');
	});
});

/** A template whose trigger is an n8n built-in, run from that trigger's output (what the real one emits). */
async function runFromBuiltIn(
	file: string,
	trigger: string,
	item: IDataObject,
	services: Parameters<typeof credentialsFor>[0],
	edit: (node: INode) => void = () => {},
) {
	const pkg = withBuiltInTriggers(await loadPackage());
	const workflow = instantiate(pkg, runnableTemplate(file, edit));
	return await runFromTrigger(
		pkg,
		workflow,
		trigger,
		[{ json: item }],
		{ credentials: credentialsFor(services) },
		'trigger',
	);
}

const SCHEDULE_ITEM = {
	timestamp: '2026-11-02T02:00:00.000+00:00',
	'Readable date': 'November 2nd 2026, 2:00:00 am',
	Hour: '02',
	Timezone: 'UTC',
};

describe('nightly user sync → unmatched report to an admin', () => {
	it('Slack: the admin gets one DM with the counts and each unmatched employee with the reason', async () => {
		const directory = new PerksEmulator();
		const chat = new SlackEmulator();
		await Promise.all([directory.start(), chat.start()]);
		try {
			const admin = chat.addUser({ name: 'admin', email: 'admin@example.com' });
			chat.addUser({ name: 'matched', email: 'matched@example.com' });
			chat.addUser({ name: 'gone', email: 'gone@example.com', deleted: true });
			directory.addEmployee({ email: 'matched@example.com', name: 'Matt Ched' });
			directory.addEmployee({ email: 'gone@example.com', name: 'Gon Away' });
			directory.addEmployee({ email: 'nowhere@example.com', name: 'No Where' });
			const run = await runFromBuiltIn(
				'user-sync-report-to-slack-admin.json',
				'Schedule Trigger',
				SCHEDULE_ITEM,
				{ slack: chat, perks: directory },
			);
			expect(run.run.status).toBe('success');
			expect(run.output('Sync Users')).toHaveLength(3); // two unmatched rows + the summary
			const dms = chat.messagesFor(admin.id);
			expect(dms).toHaveLength(1);
			expect(dms[0].text!.split('\n')).toEqual([
				'Perks user sync (slack): 1 of 3 employees matched, 2 unmatched.',
				`• Gon Away (gone@example.com): ${UNMATCHED_REASON_TEXT.deactivated_in_chat}`,
				`• No Where (nowhere@example.com): ${UNMATCHED_REASON_TEXT.not_in_chat}`,
			]);
		} finally {
			await Promise.all([directory.stop(), chat.stop()]);
		}
	});

	it('Teams: 60 unmatched employees are reported 50 at a time, with how many more there are', async () => {
		const directory = new PerksEmulator();
		const chat = new GraphEmulator();
		await Promise.all([directory.start(), chat.start()]);
		try {
			chat.addUser({
				displayName: 'Admin',
				userPrincipalName: 'admin@example.com',
				mail: 'admin@example.com',
			});
			chat.addUser({
				displayName: 'Alias',
				userPrincipalName: 'a.lias@corp.example.com',
				proxyAddresses: ['smtp:alias@example.com'],
			});
			directory.addEmployee({ email: 'alias@example.com', name: 'Al Ias' });
			directory.seedEmployees(60);
			const run = await runFromBuiltIn(
				'user-sync-report-to-teams-admin.json',
				'Schedule Trigger',
				SCHEDULE_ITEM,
				{ graph: chat, perks: directory },
			);
			expect(run.run.status).toBe('success');
			const sent = chat.messages.filter((m) => m.target.startsWith('chat:'));
			expect(sent).toHaveLength(1);
			expect(chat.chatIds).toHaveLength(1);
			const content = sent[0].body.content;
			expect(content).toContain(
				'Perks user sync (teams): 1 of 61 employees matched, 60 unmatched.',
			);
			expect(content.match(/No chat account has this email/g)).toHaveLength(50);
			expect(content).toContain('… and 10 more');
			expect(content).not.toContain('Al Ias');
		} finally {
			await Promise.all([directory.stop(), chat.stop()]);
		}
	});
});

describe('failed delivery → admin (Error Workflow)', () => {
	it("DMs the admin the failed execution's error, as Send DM wrote it", async () => {
		const admin = slack.addUser({ name: 'admin-errors', email: 'admin.errors@example.com' });
		// A real failed delivery first: Slack refuses the DM.
		const wf = await publish('wallet-funded-to-slack-dm.json');
		slack.addUser({ name: 'nadia', email: 'nadia@example.com' });
		const employee = perks.addEmployee({ email: 'nadia@example.com', name: 'Nadia', locale: 'en' });
		const event = walletFundedEvent(employee, { amount: 10, balance: 10, period: '2026-11' });
		slack.failNext('chat.postMessage', 1, { error: 'msg_too_long' });
		await perks.deliver(event);
		const [failed] = await wf.settled();
		const error = failed.error('Send DM');
		expect(error?.message).toContain(`(delivery ${event.id} → nadia@example.com, attempt 1`);

		// What n8n's Error Trigger emits for that execution.
		const item = {
			execution: {
				id: '231',
				url: 'http://127.0.0.1:5678/workflow/wf/executions/231',
				error: { message: error!.message, stack: 'stack' },
				lastNodeExecuted: 'Send DM',
				mode: 'webhook',
			},
			workflow: { id: 'wf', name: 'Perks: wallet funded → Slack DM' },
		};
		const run = await runFromBuiltIn(
			'failed-delivery-to-slack-admin.json',
			'Error Trigger',
			item,
			{ slack },
			(node) => {
				if (node.name === 'Send DM') node.parameters.email = admin.email!; // what the sticky note asks
			},
		);
		expect(run.run.status).toBe('success');
		const [dm] = slack.messagesFor(admin.id);
		expect(dm.text).toContain(
			'Perks workflow *Perks: wallet funded → Slack DM* failed at *Send DM*',
		);
		expect(dm.text).toContain(error!.message);
		expect(dm.text).toContain('Execution: http://127.0.0.1:5678/workflow/wf/executions/231');
		expect(dm.text).not.toContain(slack.token);
	});
});
