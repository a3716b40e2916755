/**
 * The shipped templates, run as an admin would use them: imported as they are (sticky notes
 * aside, which never execute), published (the trigger registers with the perks emulator), then
 * fed signed events; the Slack emulator shows what employees see.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import { GraphEmulator } from './emulators/graphApi';
import {
	PerksEmulator,
	lowBalanceEvent,
	perkAddedEvent,
	perkRedeemedEvent,
	walletFundedEvent,
} from './emulators/perksApi';
import { SlackEmulator } from './emulators/slackApi';
import { PACKAGE_ROOT, loadPackage, type WorkflowJson } from './harness/n8nRuntime';
import { hostWorkflow, type HostedWorkflow } from './harness/webhookHost';
import { credentialsFor } from './fixtures/runNode';

const TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'workflows');
const templates = readdirSync(TEMPLATE_DIR).filter((file) => file.endsWith('.json'));

function readTemplate(file: string): WorkflowJson & { nodes: INode[] } {
	return JSON.parse(readFileSync(path.join(TEMPLATE_DIR, file), 'utf8'));
}

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

/** `pick` does what the sticky note asks of the admin beyond credentials (e.g. choose the team). */
async function publish(file: string, pick: (node: INode) => void = () => {}): Promise<HostedWorkflow> {
	const template = readTemplate(file);
	const nodes = template.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
	nodes.forEach(pick);
	const runnable = { ...template, id: file, nodes };
	hosted = await hostWorkflow(runnable, 'Perks Trigger', { credentials: credentialsFor({ slack, perks, graph }) });
	await hosted.activate();
	return hosted;
}

describe.each(templates)('template %s', (file) => {
	it('uses only our nodes and credential types, with a sticky note saying what to set', async () => {
		const template = readTemplate(file);
		const pkg = await loadPackage();
		const notes = template.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote');
		expect(notes).toHaveLength(1);
		expect(String(notes[0].parameters.content)).toMatch(/credential/i);
		const nodes = template.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
		for (const node of nodes) {
			const type = pkg.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
			const declared = (type.description.credentials ?? []).map((c) => c.name);
			for (const credentialType of Object.keys(node.credentials ?? {})) expect(declared).toContain(credentialType);
		}
		// One trigger: perks events (Perks Trigger) or chat questions (Perks Chat Trigger).
		const triggers = nodes.filter((n) => /^n8n-nodes-perks\.perks(Chat)?Trigger$/.test(n.type));
		expect(triggers).toHaveLength(1);
		expect(triggers[0].webhookId).toBeTruthy();
	});
});

describe('wallet funded → Slack DM', () => {
	it('registers for wallet.funded and DMs the employee once per event', async () => {
		const wf = await publish('wallet-funded-to-slack-dm.json');
		expect(perks.webhooks.find((w) => w.url === wf.url)?.events).toEqual(['wallet.funded']);
		const user = slack.addUser({ name: 'marta', realName: 'Marta Rossi', email: 'marta@example.com' });
		const employee = perks.addEmployee({ email: 'Marta@Example.com', name: 'Marta Rossi', locale: 'it' });
		const event = walletFundedEvent(employee, { amount: 100, balance: 250, period: '2026-11' });

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
	});
});

describe('new perk added → Slack channel', () => {
	it('announces the new perk in #perks', async () => {
		slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
		const wf = await publish('new-perk-to-slack-channel.json');
		const perk = perks.addPerk({ name: 'Cooking class', description: 'Learn to make pasta', cost: 60, image_url: 'https://perks.example.com/pasta.png' });
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
		graph.addUser({ displayName: 'Marta Rossi', userPrincipalName: `marta.${email}`, proxyAddresses: [`smtp:${email}`] });
		const employee = perks.addEmployee({ email, name: 'Marta Rossi', locale: 'it' });
		const event =
			eventType === 'wallet.funded'
				? walletFundedEvent(employee, { amount: 100, balance: 250, period: '2026-11' })
				: eventType === 'perk.redeemed'
					? perkRedeemedEvent(employee, perks.addPerk({ name: 'Cena', description: 'Una cena', cost: 40 }), { balance: 60 })
					: lowBalanceEvent(employee, { balance: 15 });
		const before = graph.messages.length;
		expect((await perks.deliver(event))[0].status).toBe(200);
		expect((await perks.deliver(event))[0].status).toBe(200);
		const runs = await wf.settled();
		expect(runs.map((r) => r.run.status)).toEqual(['success', 'success']);
		expect(runs[1].output('Send DM')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		const sent = graph.messages.slice(before);
		expect(sent).toHaveLength(1);
		expect(sent[0].body.content).toMatch(expected);
	});
});

describe('new perk added → Teams channel', () => {
	it('announces the new perk in the chosen team\'s General channel', async () => {
		const team = graph.addTeam({ displayName: 'Everyone', channels: ['General'] });
		const wf = await publish('new-perk-to-teams-channel.json', (node) => {
			if (node.name === 'Post to Channel') node.parameters.team = { __rl: true, mode: 'list', value: team.id };
		});
		const perk = perks.addPerk({ name: 'Museum pass', description: 'A year of museums', cost: 80 });
		expect((await perks.deliver(perkAddedEvent(perk)))[0].status).toBe(200);
		const [run] = await wf.settled();
		expect(run.run.status).toBe('success');
		const [announcement] = graph.messagesIn(`channel:${team.id}/${team.channels[0].id}`);
		expect(announcement.body.content).toContain('Museum pass');
	});
});
