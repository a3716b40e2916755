/** The chat templates, imported as shipped and asked a question with a real signed request. */
import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import {
	ResponseUrlRecorder,
	send,
	slackEvent,
	slashCommand,
	teamsMention,
	teamsSecurityToken,
} from '../../emulators/chatRequests';
import type { HostedWorkflow } from '../../harness/inProcess/webhookHost';
import { hostTemplate } from '../../harness/inProcess/shippedTemplates';
import { credentialsFor } from '../../harness/inProcess/runNode';

// credentialsFor gives the Slack credential this signing secret.
const SIGNING_SECRET = 'slack-signing-secret';
const perks = new PerksEmulator();
const slack = new SlackEmulator();
const graph = new GraphEmulator();
const TEAMS_TOKEN = teamsSecurityToken('teams-outgoing-webhook-token');
const responseUrl = new ResponseUrlRecorder();
let hosted: HostedWorkflow | undefined;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), graph.start(), responseUrl.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop(), graph.stop(), responseUrl.stop()]);
});
afterEach(async () => {
	await hosted?.stop();
	hosted = undefined;
});

async function publish(file: string): Promise<HostedWorkflow> {
	const credentials = {
		...credentialsFor({ slack, perks, graph }),
		perksTeamsOutgoingWebhookApi: { securityToken: TEAMS_TOKEN },
	};
	hosted = await hostTemplate(file, {
		trigger: 'Perks Chat Trigger',
		publish: false,
		credentials,
	});
	return hosted;
}

it('/perks balance template: the asker gets their balance privately through response_url', async () => {
	const wf = await publish('perks-balance-slash-command-slack.json');
	const employee = perks.addEmployee(
		{ email: 'lucia@example.com', name: 'Lucía', locale: 'es' },
		{ balance: 90 },
	);
	const user = slack.addUser({ name: 'lucia', email: employee.email });
	const result = await send(
		wf.url,
		slashCommand(SIGNING_SECRET, { userId: user.id, text: 'saldo', responseUrl: responseUrl.url }),
	);
	expect(result.status).toBe(200);
	const [run] = await wf.settled();
	expect(run.run.status).toBe('success');
	expect(responseUrl.posts.at(-1)).toMatchObject({
		response_type: 'ephemeral',
		text: 'Tienes 90 puntos en tu saldo de beneficios.',
	});
});

it('bot question template: a DM question gets a DM answer', async () => {
	const wf = await publish('balance-question-to-slack-bot.json');
	const employee = perks.addEmployee(
		{ email: 'joao@example.com', name: 'João', locale: 'pt' },
		{ balance: 3 },
	);
	const user = slack.addUser({ name: 'joao', email: employee.email });
	const event = {
		type: 'message',
		channel_type: 'im',
		channel: 'D0JOAO0001',
		user: user.id,
		text: 'quantos pontos eu tenho?',
	};
	expect((await send(wf.url, slackEvent(SIGNING_SECRET, event))).status).toBe(200);
	await wf.settled();
	expect(slack.messagesFor(user.id).map((m) => m.text)).toEqual([
		'Você tem 3 pontos na sua carteira de benefícios. Está abaixo do seu alerta de 20 pontos.',
	]);
});

describe('"@Perks balance" template (Teams outgoing webhook)', () => {
	it("answers a signed mention with the asker's balance in the HTTP reply, found by an alias", async () => {
		const wf = await publish('perks-balance-teams-outgoing-webhook.json');
		// The perks email is one of the asker's aliases, not their mail.
		const employee = perks.addEmployee(
			{ email: 'giulia@example.com', name: 'Giulia', locale: 'it' },
			{ balance: 640 },
		);
		const asker = graph.addUser({
			displayName: 'Giulia',
			userPrincipalName: 'g.bianchi@contoso.test',
			mail: 'g.bianchi@contoso.test',
			proxyAddresses: [`smtp:${employee.email}`],
		});
		perks.addEmployee({ email: 'someone.else@example.com', name: 'Else' }, { balance: 999 });
		const result = await send(
			wf.url,
			teamsMention(TEAMS_TOKEN, { aadObjectId: asker.id, text: 'quanti punti ho?' }),
		);
		expect(result.status).toBe(200);
		expect(JSON.parse(result.text)).toEqual({
			type: 'message',
			textFormat: 'xml',
			text: 'Hai 640 punti nel tuo portafoglio benefit.',
		});
		expect(result.elapsedMs).toBeLessThan(5000);
	});

	it('refuses a mention signed with another token with 401 and runs nothing', async () => {
		const wf = await publish('perks-balance-teams-outgoing-webhook.json');
		const forged = teamsMention(Buffer.from('not the token').toString('base64'), {
			aadObjectId: 'aad-x',
			text: 'balance',
		});
		expect((await send(wf.url, forged)).status).toBe(401);
		expect(wf.executions).toHaveLength(0);
	});

	it('tells an asker the perks platform does not know how to get mapped', async () => {
		const wf = await publish('perks-balance-teams-outgoing-webhook.json');
		const stranger = graph.addUser({
			displayName: 'Stranger',
			userPrincipalName: 'stranger@contoso.test',
		});
		const result = await send(
			wf.url,
			teamsMention(TEAMS_TOKEN, { aadObjectId: stranger.id, text: 'balance' }),
		);
		expect(JSON.parse(result.text)).toMatchObject({
			type: 'message',
			text: expect.stringMatching(/^I could not find your perks account/),
		});
	});
});

describe('bot question template (Teams 1:1 chat with the service account)', () => {
	it('publishing subscribes; a question in the 1:1 chat gets the balance there, once; unpublishing deletes the subscription', async () => {
		const wf = await publish('balance-question-to-teams-chat.json');
		await wf.activate();
		expect(graph.liveSubscriptions().filter((s) => s.notificationUrl === wf.url)).toHaveLength(1);
		const employee = perks.addEmployee(
			{ email: 'ines@example.com', name: 'Inês', locale: 'pt' },
			{ balance: 210 },
		);
		const asker = graph.addUser({
			displayName: 'Inês',
			userPrincipalName: employee.email,
			mail: employee.email,
		});
		const chatId = graph.oneOnOneChat(asker.id);
		graph.sendChatMessage(asker.id, chatId, 'Quantos pontos eu tenho?');
		await graph.settled();
		await wf.settled();
		await graph.settled();
		const answers = graph
			.messagesIn(`chat:${chatId}`)
			.filter((m) => m.from === graph.serviceAccount.id);
		expect(answers.map((m) => m.body.content)).toEqual([
			expect.stringContaining('Você tem 210 pontos na sua carteira de benefícios.'),
		]);
		await wf.deactivate();
		expect(graph.liveSubscriptions().filter((s) => s.notificationUrl === wf.url)).toEqual([]);
	});
});
