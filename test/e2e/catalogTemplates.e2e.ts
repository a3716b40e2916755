/**
 * The rest of the template catalog in one real n8n 2.41.1: every template that no other e2e file
 * runs, imported as shipped (credentials pointing at the emulators, the Teams team picked, as
 * templateSetup does), published with the editor's "Publish" (its REST call, so an activation
 * error fails the test), and exercised once:
 * - perks events delivered signed by the perks emulator;
 * - the nightly user sync reports: published (the 02:00 schedule is registered), then run with the
 *   editor's "Execute workflow", which fires the real Schedule Trigger at once; the schedule itself
 *   is not waited for;
 * - the Error Trigger template: the low-balance workflow has it as its Error Workflow (Settings, as
 *   the sticky note says; published, as n8n 2.x requires), and a Slack fault makes a real DM fail;
 * - the chat templates: a signed slash command, a signed Slack event, a signed Teams mention.
 * Each asserts what Slack or Teams received: the live value, the right person or channel, once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { UNMATCHED_REASON_TEXT } from '../../nodes/shared/mapping/directorySync';
import {
	ResponseUrlRecorder,
	send,
	slackEvent,
	slashCommand,
	teamsMention,
} from '../../emulators/chatRequests';
import { GraphEmulator } from '../../emulators/graphApi';
import { lowBalanceEvent, perkRedeemedEvent, PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { PACKAGE_ROOT } from '../../harness/packageRoot';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	catalogCredentials,
	EditorSession,
	loadTemplate,
	pickTeam,
	SLACK_SIGNING_SECRET,
	TEAMS_OUTGOING_TOKEN,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

/** Templates another e2e file runs in a real n8n, and which one. */
const ELSEWHERE: Record<string, string> = {
	'wallet-funded-to-slack-dm.json': 'slackTemplates.e2e.ts',
	'new-perk-to-slack-channel.json': 'slackTemplates.e2e.ts',
	'wallet-funded-to-teams-dm.json': 'teamsTemplates.e2e.ts',
	'perk-redeemed-to-teams-dm.json': 'teamsTemplates.e2e.ts',
	'low-balance-to-teams-dm.json': 'teamsTemplates.e2e.ts',
	'new-perk-to-teams-channel.json': 'teamsTemplates.e2e.ts',
	'balance-question-to-slack-ai-agent.json': 'aiAgent.e2e.ts',
	'balance-question-to-teams-chat.json': 'teamsChat.e2e.ts',
	'balance-question-to-teams-bot.json': 'teamsBot.e2e.ts',
	'balance-question-to-teams-bot-ai-agent.json': 'teamsBot.e2e.ts',
};

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const graph = new GraphEmulator();
const responseUrl = new ResponseUrlRecorder();
let n8n: N8nInstance;
let editor: EditorSession;
const seconds: Record<string, number> = {};

/** The template files this file runs. */
const HERE_FILES: string[] = [];
const template = (file: string) =>
	loadTemplate(file, `catalogTpl${String(HERE_FILES.push(file)).padStart(6, '0')}`);
const REDEEMED_DM = template('perk-redeemed-to-slack-dm.json');
const REDEEMED_SLACK = template('perk-redeemed-to-slack-channel.json');
const FAILED = template('failed-delivery-to-slack-admin.json');
// Its failures go to the Error Trigger template, as the sticky note asks of an admin.
const LOW = {
	...template('low-balance-to-slack-dm.json'),
	settings: { executionOrder: 'v1' as const, errorWorkflow: FAILED.id },
};
const SYNC_SLACK = template('user-sync-report-to-slack-admin.json');
const SYNC_TEAMS = template('user-sync-report-to-teams-admin.json');
const SLASH = template('perks-balance-slash-command-slack.json');
const BOT = template('balance-question-to-slack-bot.json');
const MENTION = template('perks-balance-teams-outgoing-webhook.json');
const team = graph.addTeam({ displayName: 'Perks Company', channels: ['General', 'Celebrations'] });
const REDEEMED_TEAMS = pickTeam(template('perk-redeemed-to-teams-channel.json'), team);

const HERE = [
	REDEEMED_DM,
	REDEEMED_SLACK,
	REDEEMED_TEAMS,
	LOW,
	FAILED,
	SYNC_SLACK,
	SYNC_TEAMS,
	SLASH,
	BOT,
	MENTION,
];
const PERKS_TRIGGERED = [REDEEMED_DM, REDEEMED_SLACK, REDEEMED_TEAMS, LOW];

const ADMIN_EMAIL = 'admin@example.com'; // what the report templates ship with
const adminSlack = slack.addUser({ name: 'admin', realName: 'Perks Admin', email: ADMIN_EMAIL });
const adminTeams = graph.addUser({
	displayName: 'Perks Admin',
	userPrincipalName: ADMIN_EMAIL,
	mail: ADMIN_EMAIL,
});
const teamsChatWith = (graphId: string) =>
	`chat:19:${[graph.serviceAccount.id, graphId].sort().join('_')}@unq.gbl.spaces`;

/** An employee in perks, Slack and Teams (same email), with this live balance. */
function person(handle: string, locale: 'en' | 'es' | 'it' | 'pt', balance: number) {
	const email = `${handle}@perks.test`;
	const employee = perks.addEmployee(
		{ email, name: `${handle[0].toUpperCase()}${handle.slice(1)} Test`, locale },
		{ balance },
	);
	const slackUser = slack.addUser({ name: handle, email });
	const teamsUser = graph.addUser({
		displayName: employee.name,
		userPrincipalName: email,
		mail: email,
	});
	return { employee, slackUser, teamsUser };
}

/** Waits until the workflow has `count` executions, all finished; returns them. */
async function finished(workflow: WorkflowJson, count: number) {
	return await waitFor(
		async () => {
			const rows = await n8n.executions(workflow.id);
			return rows.length >= count &&
				rows.every((r) => ['success', 'error', 'crashed'].includes(r.status))
				? rows
				: undefined;
		},
		{
			what: `${count} finished execution(s) of ${workflow.name}`,
			timeoutMs: 30_000,
			instance: n8n,
		},
	);
}

/** Waits for `what` to have arrived, then a little longer, so a second copy would be seen too. */
async function arrived<T>(what: string, list: () => T[]): Promise<T[]> {
	await waitFor(() => list().length > 0, { what, timeoutMs: 30_000, instance: n8n });
	await sleep(500);
	return list();
}

beforeAll(async () => {
	const began = Date.now();
	await Promise.all([perks.start(), slack.start(), graph.start(), responseUrl.start()]);
	slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	n8n = await N8nInstance.launch({
		name: 'catalog-templates',
		credentials: catalogCredentials({ perks, slack, graph }, HERE),
		workflows: HERE,
		publish: [],
		// The schedule check and the secrets check read debug lines.
		env: { N8N_LOG_LEVEL: 'debug' },
	});
	seconds.launch = (Date.now() - began) / 1000;
	const publishing = Date.now();
	editor = await EditorSession.ofNewOwner(
		n8n,
		{
			email: 'owner@perks.test',
			firstName: 'Cat',
			lastName: 'Alog',
			password: 'E2e-Catalog-Pass-1',
		},
		'perks-catalog-e2e',
	);
	for (const workflow of HERE) await editor.publish(workflow.id);
	await waitFor(() => PERKS_TRIGGERED.every((w) => registered(w).length > 0), {
		what: 'the perks-event templates to register their webhooks',
		timeoutMs: 60_000,
		instance: n8n,
	});
	seconds.publish = (Date.now() - publishing) / 1000;
}, 900_000);

afterAll(async () => {
	const began = Date.now();
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop(), graph.stop(), responseUrl.stop()]);
	seconds.dispose = (Date.now() - began) / 1000;
	process.stdout.write(
		`\n[e2e catalog] ${Object.entries(seconds)
			.map(([k, s]) => `${k} ${s.toFixed(1)} s`)
			.join(', ')}\n`,
	);
});

const registered = (workflow: WorkflowJson) =>
	perks.webhooks.filter((w) => w.url === n8n.webhookUrl(webhookIdOf(workflow)));

describe('the template catalog in a real n8n', () => {
	it('covers every template in workflows/: here, or in the e2e file named for it', () => {
		const files = readdirSync(path.join(PACKAGE_ROOT, 'workflows')).filter((f) =>
			f.endsWith('.json'),
		);
		const uncovered = files.filter((file) => !ELSEWHERE[file] && !HERE_FILES.includes(file));
		expect({ uncovered }).toEqual({ uncovered: [] });
		expect(HERE).toHaveLength(HERE_FILES.length);
		// Each file named runs a real n8n and loads templates.
		for (const e2e of new Set(Object.values(ELSEWHERE))) {
			const source = readFileSync(path.join(__dirname, e2e), 'utf8');
			expect([source.includes('N8nInstance.launch'), source.includes('loadTemplate')]).toEqual([
				true,
				true,
			]);
		}
	});

	it('publish from the editor without errors; the perks-event ones register exactly their events', async () => {
		// The schedules n8n registered on publishing: 02:00 every day (n8n picks the second).
		for (const workflow of [SYNC_SLACK, SYNC_TEAMS]) {
			const cron = new RegExp(
				`Registered cron .*"groupId":"${workflow.id}".*"cron":"\\d+ 0 2 \\* \\* \\*"`,
			);
			await waitFor(() => n8n.logLines(cron).length === 1, {
				what: `${workflow.name}'s 02:00 schedule`,
				instance: n8n,
			});
		}
		expect(registered(REDEEMED_DM).map((w) => w.events)).toEqual([['perk.redeemed']]);
		expect(registered(REDEEMED_SLACK).map((w) => w.events)).toEqual([['perk.redeemed']]);
		expect(registered(REDEEMED_TEAMS).map((w) => w.events)).toEqual([['perk.redeemed']]);
		expect(registered(LOW).map((w) => w.events)).toEqual([['wallet.low_balance']]);
		expect(
			n8n
				.logLines(/\| error \|/)
				.filter((line) =>
					/activat|publish|perks|webhook|schedule trigger|error trigger/i.test(line),
				),
		).toEqual([]);
	});

	it("perk redeemed → the employee's Slack DM, a #perks celebration and a Teams General celebration, each once", async () => {
		const { employee, slackUser } = person('bruna', 'pt', 300);
		const perk = perks.addPerk({
			name: 'Aula de surf',
			description: 'Duas horas no mar',
			cost: 80,
		});
		const results = await perks.deliver(perkRedeemedEvent(employee, perk, { balance: 220 }));
		expect(results.map((r) => r.status)).toEqual([200, 200, 200]);

		const dms = await arrived('the DM', () => slack.messagesFor(slackUser.id));
		expect(dms).toHaveLength(1);
		expect(dms[0].text).toContain('Aula de surf');
		expect(JSON.stringify(dms[0].blocks)).toContain('220 pontos');
		const celebrations = await arrived('#perks', () => slack.messagesFor('C0PERKS01'));
		expect(celebrations).toHaveLength(1);
		expect(JSON.stringify(celebrations[0].blocks)).toContain(
			`${employee.name} redeemed *Aula de surf*`,
		);
		const general = `channel:${team.id}/${team.channels[0].id}`;
		const teamsPosts = await arrived('the Teams celebration', () => graph.messagesIn(general));
		expect(teamsPosts).toHaveLength(1);
		expect(teamsPosts[0].body.content).toContain(employee.name);
		expect(teamsPosts[0].body.content).toContain('Aula de surf');
		expect(graph.messagesIn(`channel:${team.id}/${team.channels[1].id}`)).toHaveLength(0);
		for (const workflow of [REDEEMED_DM, REDEEMED_SLACK, REDEEMED_TEAMS]) {
			expect((await finished(workflow, 1)).map((r) => r.status)).toEqual(['success']);
		}
	});

	it('low balance → a Slack DM to the employee with the balance, once', async () => {
		const { employee, slackUser } = person('elena', 'es', 17);
		const [result] = await perks.deliver(lowBalanceEvent(employee, { balance: 17, threshold: 25 }));
		expect(result.status).toBe(200);
		const dms = await arrived('the DM', () => slack.messagesFor(slackUser.id));
		expect(dms).toHaveLength(1);
		expect(dms[0].text).toContain('ha bajado a 17 puntos (tu aviso está configurado en 25 puntos)');
		expect((await finished(LOW, 1)).map((r) => r.status)).toEqual(['success']);
	});

	it('failed delivery → the admin gets a Slack DM naming the workflow, the node, the event, the person and the execution', async () => {
		const { employee, slackUser } = person('oscar', 'en', 9);
		const event = lowBalanceEvent(employee, { balance: 9, threshold: 20 });
		slack.failNext('chat.postMessage', 1, { error: 'msg_too_long' });
		const [result] = await perks.deliver(event);
		expect(result.status).toBe(500);
		const runs = await finished(LOW, 2);
		expect(runs[1].status).toBe('error');

		const reports = await arrived('the admin report', () => slack.messagesFor(adminSlack.id));
		expect(reports).toHaveLength(1);
		const text = reports[0].text!;
		expect(text).toContain(`Perks workflow *${LOW.name}* failed at *Send DM*`);
		expect(text).toContain(`delivery ${event.id} → ${employee.email}, attempt 1`);
		expect(text).toContain(`Execution: ${n8n.baseUrl}/workflow/${LOW.id}/executions/${runs[1].id}`);
		expect(slack.messagesFor(slackUser.id)).toHaveLength(0);
		expect((await finished(FAILED, 1)).map((r) => [r.mode, r.status])).toEqual([
			['error', 'success'],
		]);
	});

	it('nightly user sync (Slack), run now: the admin gets one DM with the counts and each unmatched employee with the reason', async () => {
		perks.addEmployee({ email: 'gone@perks.test', name: 'Gon Away' });
		perks.addEmployee({ email: 'noor@perks.test', name: 'Noor Haddad' });
		slack.addUser({ name: 'gone', email: 'gone@perks.test', deleted: true });
		graph.addUser({
			displayName: 'Gon Away',
			userPrincipalName: 'gone@perks.test',
			mail: 'gone@perks.test',
		});
		const total = perks.employees.length;
		const before = slack.messagesFor(adminSlack.id).length;

		await editor.run(SYNC_SLACK.id, 'Schedule Trigger');
		const reports = await arrived('the report', () =>
			slack.messagesFor(adminSlack.id).slice(before),
		);
		expect(reports).toHaveLength(1);
		expect(reports[0].text!.split('\n')).toEqual([
			`Perks user sync (slack): ${total - 2} of ${total} employees matched, 2 unmatched.`,
			`• Gon Away (gone@perks.test): ${UNMATCHED_REASON_TEXT.deactivated_in_chat}`,
			`• Noor Haddad (noor@perks.test): ${UNMATCHED_REASON_TEXT.not_in_chat}`,
		]);
		expect((await finished(SYNC_SLACK, 1)).map((r) => [r.mode, r.status])).toEqual([
			['manual', 'success'],
		]);
	});

	it('nightly user sync (Teams), run now: the admin gets one Teams DM with the report', async () => {
		const total = perks.employees.length;
		await editor.run(SYNC_TEAMS.id, 'Schedule Trigger');
		const reports = await arrived('the report', () =>
			graph.messagesIn(teamsChatWith(adminTeams.id)),
		);
		expect(reports).toHaveLength(1);
		const content = reports[0].body.content;
		expect(content).toContain(
			`Perks user sync (teams): ${total - 1} of ${total} employees matched, 1 unmatched.`,
		);
		expect(content).toContain(
			`Noor Haddad (noor@perks.test): ${UNMATCHED_REASON_TEXT.not_in_chat}`,
		);
		expect(content).not.toContain('Gon Away');
		expect((await finished(SYNC_TEAMS, 1)).map((r) => [r.mode, r.status])).toEqual([
			['manual', 'success'],
		]);
	});

	it("/perks saldo (signed slash command) → the asker's live balance, privately, once", async () => {
		const { slackUser } = person('lucia', 'es', 137);
		const request = slashCommand(SLACK_SIGNING_SECRET, {
			userId: slackUser.id,
			text: 'saldo',
			responseUrl: responseUrl.url,
		});
		const answer = await send(n8n.webhookUrl(webhookIdOf(SLASH)), request);
		expect(answer.status).toBe(200);
		expect(answer.elapsedMs).toBeLessThan(3000);
		const posts = await arrived('the answer at response_url', () => responseUrl.posts);
		expect(posts).toHaveLength(1);
		expect(posts[0]).toMatchObject({
			response_type: 'ephemeral',
			text: 'Tienes 137 puntos en tu saldo de beneficios.',
		});
		expect(slack.messagesFor(slackUser.id)).toHaveLength(0);
	});

	it('a DM to the Slack bot ("quanti punti ho?", signed event) → the balance in a DM to the asker, once', async () => {
		const { slackUser } = person('marco', 'it', 42);
		const event = {
			type: 'message',
			channel_type: 'im',
			channel: 'D0MARCO001',
			user: slackUser.id,
			text: 'quanti punti ho?',
		};
		const answer = await send(
			n8n.webhookUrl(webhookIdOf(BOT)),
			slackEvent(SLACK_SIGNING_SECRET, event),
		);
		expect(answer.status).toBe(200);
		const dms = await arrived('the DM', () => slack.messagesFor(slackUser.id));
		expect(dms.map((m) => m.text)).toEqual(['Hai 42 punti nel tuo portafoglio benefit.']);
		expect((await finished(BOT, 1)).map((r) => r.status)).toEqual(['success']);
	});

	it('"@Perks quantos pontos eu tenho?" (signed Teams outgoing webhook) → the asker\'s live balance in the thread, within 5 s', async () => {
		const { teamsUser } = person('ana', 'pt', 512);
		const before = graph.messages.length;
		const answer = await send(
			n8n.webhookUrl(webhookIdOf(MENTION)),
			teamsMention(TEAMS_OUTGOING_TOKEN, {
				aadObjectId: teamsUser.id,
				text: 'quantos pontos eu tenho?',
			}),
		);
		expect(answer.status).toBe(200);
		expect(answer.elapsedMs).toBeLessThan(5000);
		expect(JSON.parse(answer.text)).toEqual({
			type: 'message',
			textFormat: 'xml',
			text: 'Você tem 512 pontos na sua carteira de benefícios.',
		});
		// The reply is the HTTP answer: nothing else is posted to Teams.
		expect(graph.messages.length).toBe(before);
		expect((await finished(MENTION, 1)).map((r) => r.status)).toEqual(['success']);
	});

	it("never writes a token, API key, signing secret or webhook secret into n8n's log (debug level)", () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		expect(log.length).toBeGreaterThan(0);
		for (const secret of [
			slack.token,
			perks.apiKey,
			SLACK_SIGNING_SECRET,
			TEAMS_OUTGOING_TOKEN,
			...perks.webhooks.map((w) => w.secret),
		]) {
			expect(log).not.toContain(secret);
		}
	});
});
