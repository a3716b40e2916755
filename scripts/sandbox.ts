/**
 * The main job on a developer's machine: a real n8n 2.x with this package installed as a
 * community package, every template in workflows/ imported (those with a perks or chat trigger
 * published; the Teams 1:1 chat one subscribes with the Graph emulator), and loopback emulators of
 * the perks platform, Slack, Microsoft Graph (Teams) and the Bot Connector (the Perks Teams app)
 * seeded with four employees, plus a scripted OpenAI-compatible model for the AI Agent templates.
 * The wallet-funded Teams DM template is imported twice: as shipped, and switched to the Perks app.
 * A menu fires each perks event and each chat question and prints what Slack and Teams received;
 * Ctrl+C stops everything.
 *
 * Run it with `bash scripts/sandbox.sh` or `npm start` (they install and build what it needs first).
 * `--once` fires everything once, prints it, and exits 0 only if every expected message arrived.
 */
import { createInterface } from 'node:readline';

import { N8nInstance, waitFor } from '../harness/n8n';
import {
	catalogCredentials,
	copyOf,
	loadTemplate,
	loadTemplates,
	pickTeam,
	setUpOwner,
	switchToTeamsBot,
	webhookIdOf,
	type Template,
} from '../harness/n8n/templateSetup';
import {
	botActions,
	chatActions,
	perksEventActions,
	runNowActions,
	type Action,
} from './sandbox/actions';
import { startWorld } from './sandbox/world';

const OWNER = {
	email: 'admin@perks.local',
	firstName: 'Sandbox',
	lastName: 'Admin',
	password: 'Sandbox-Perks-1',
};

async function main(): Promise<number> {
	const once = process.argv.includes('--once');
	const world = await startWorld();
	const templates = [...loadTemplates('sandboxTpl'), botDmTemplate()].map((t) => ({
		...t,
		workflow: pickTeam(t.workflow, world.team),
	}));
	const perksTriggered = templates.filter((t) => t.trigger.kind === 'perksEvent').length;

	console.log(
		`Starting n8n with n8n-nodes-perks and ${templates.length} templates (about 30-60 s)…`,
	);
	const workflows = templates.map((t) => t.workflow);
	const n8n = await N8nInstance.launch({
		name: 'sandbox',
		credentials: catalogCredentials(world, workflows),
		workflows,
		// An Error Trigger workflow runs only when published (n8n 2.x), though nothing fires it from outside.
		publish: templates
			.filter(
				(t) =>
					t.trigger.kind !== 'manual' ||
					t.workflow.nodes.some((n) => n.type === 'n8n-nodes-base.errorTrigger'),
			)
			.map((t) => t.workflow.id),
		env: { N8N_LOG_LEVEL: 'info' },
	}).catch(async (error: unknown) => {
		await world.stop();
		throw error;
	});
	const stop = async () => {
		await n8n.dispose();
		await world.stop();
	};
	process.once('SIGINT', () => void stop().then(() => process.exit(0)));

	try {
		await waitFor(() => world.perks.webhooks.length >= perksTriggered, {
			what: `${perksTriggered} templates to register with the perks emulator`,
			timeoutMs: 90_000,
			instance: n8n,
		});
		// Publishing a Teams 1:1 chat template subscribes with Graph (after its validation handshake).
		const graphUrls = templates
			.filter((t) => t.trigger.kind === 'chat' && t.trigger.source === 'teamsChat')
			.map((t) => n8n.webhookUrl(webhookIdOf(t.workflow)));
		await waitFor(
			() =>
				graphUrls.every((url) =>
					world.graph.liveSubscriptions().some((s) => s.notificationUrl === url),
				),
			{
				what: `${graphUrls.length} templates to subscribe with Microsoft Graph`,
				timeoutMs: 90_000,
				instance: n8n,
			},
		);
		const browserId = 'perks-sandbox';
		const cookie = await setUpOwner(n8n, OWNER, browserId);
		printWelcome(n8n, world, templates);

		const actions = [
			...perksEventActions(templates, world),
			...chatActions(templates, world, n8n),
			...botActions(templates, world, n8n),
			...runNowActions(templates, world, n8n, { cookie, browserId }),
		];
		if (once) {
			let failed = 0;
			for (const action of actions) failed += (await fire(action)) ? 0 : 1;
			console.log(
				`\nsandbox: ${actions.length - failed} of ${actions.length} actions delivered what they should${failed ? ` (${failed} did not; n8n log: ${n8n.logFile})` : ''}`,
			);
			await stop();
			return failed === 0 && actions.length > 0 ? 0 : 1;
		}
		await menu(actions);
		await stop();
		return 0;
	} catch (error) {
		await stop();
		throw error;
	}
}

/** The wallet-funded Teams DM template switched to the Perks app, as its sticky note tells an admin. */
function botDmTemplate(): Template {
	const file = 'wallet-funded-to-teams-dm.json';
	const workflow = copyOf(switchToTeamsBot(loadTemplate(file, 'sandboxBot')), 'sandboxBot01');
	return {
		file: `${file}, switched to the Perks app (Teams bot)`,
		workflow,
		trigger: { kind: 'perksEvent', events: ['wallet.funded'] },
	};
}

function printWelcome(
	n8n: N8nInstance,
	world: Awaited<ReturnType<typeof startWorld>>,
	templates: ReturnType<typeof loadTemplates>,
): void {
	console.log(`\nn8n editor: ${n8n.baseUrl}  (sign in as ${OWNER.email} / ${OWNER.password})`);
	console.log(
		`Emulators: perks API ${world.perks.baseUrl}, Slack ${world.slack.apiUrl}, Microsoft Graph ${world.graph.graphBaseUrl}, Bot Connector ${world.bot.serviceUrl}`,
	);
	console.log(
		`AI model: an emulator at ${world.openAi.baseUrl}, not OpenAI: its answers are scripted (it calls the balance tool, then repeats the number it got)`,
	);
	console.log(
		`Employees (in perks, Slack and Teams): ${world.people.map((p) => `${p.name} <${p.employee.email}> ${p.employee.locale}`).join(', ')}`,
	);
	console.log(`n8n log: ${n8n.logFile}\n\nTemplates:`);
	for (const { file, trigger } of templates) {
		console.log(`  ${file}: ${howFired(trigger)}`);
	}
}

function howFired(trigger: Template['trigger']): string {
	if (trigger.kind === 'perksEvent') return `published, fired by ${trigger.events.join(', ')}`;
	if (trigger.kind === 'manual')
		return trigger.runNow
			? `imported; ${trigger.why}, and the menu does too`
			: `imported, not fired here: ${trigger.why}`;
	if (trigger.source === 'teamsBot')
		return `published, fired by a 1:1 message to the Perks app's bot (signed as the Bot Connector signs)${trigger.ai ? ` (${trigger.ai}: the scripted emulator, not OpenAI)` : ''}`;
	if (trigger.source === 'teamsChat')
		return 'published (subscribed with Graph), fired by a 1:1 Teams chat message';
	return `published, fired by a ${trigger.source} question${trigger.ai ? ` (${trigger.ai}: the scripted emulator, not OpenAI)` : ''}`;
}

async function fire(action: Action): Promise<boolean> {
	console.log(`\n→ ${action.label}`);
	const outcome = await action
		.run()
		.catch((error: unknown) => ({ ok: false, lines: [String(error)] }));
	for (const line of outcome.lines) console.log(`  ${line}`);
	if (!outcome.ok) console.log('  ✗ not everything expected arrived');
	return outcome.ok;
}

async function menu(actions: Action[]): Promise<void> {
	const show = () => {
		console.log('\nWhat to fire (Ctrl+C stops):');
		actions.forEach((action, i) => console.log(`  ${i + 1}. ${action.label}`));
		console.log('  a. all of them    Enter: the next one    q: quit');
	};
	show();
	let next = 0;
	for await (const line of createInterface({ input: process.stdin })) {
		const choice = line.trim().toLowerCase();
		if (choice === 'q') return;
		if (choice === 'a') for (const action of actions) await fire(action);
		else if (/^\d+$/.test(choice) && actions[Number(choice) - 1])
			await fire(actions[Number(choice) - 1]);
		else if (choice === '') await fire(actions[next++ % actions.length]);
		else console.log('Type a number, a, q, or press Enter.');
		show();
	}
}

void main()
	.then((code) => process.exit(code))
	.catch((error) => {
		console.error(error);
		process.exit(1);
	});
