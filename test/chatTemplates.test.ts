/** The chat templates, imported as shipped and asked a question with a real signed request. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import { PerksEmulator } from './emulators/perksApi';
import { SlackEmulator } from './emulators/slackApi';
import { ResponseUrlRecorder, send, slackEvent, slashCommand } from './emulators/chatRequests';
import { PACKAGE_ROOT, type WorkflowJson } from './harness/n8nRuntime';
import { hostWorkflow, type HostedWorkflow } from './harness/webhookHost';
import { credentialsFor } from './fixtures/runNode';

// credentialsFor gives the Slack credential this signing secret.
const SIGNING_SECRET = 'slack-signing-secret';
const perks = new PerksEmulator();
const slack = new SlackEmulator();
const responseUrl = new ResponseUrlRecorder();
let hosted: HostedWorkflow | undefined;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), responseUrl.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop(), responseUrl.stop()]);
});
afterEach(async () => {
	await hosted?.stop();
	hosted = undefined;
});

async function publish(file: string): Promise<HostedWorkflow> {
	const template = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'workflows', file), 'utf8')) as WorkflowJson & { nodes: INode[] };
	const runnable = { ...template, id: file, nodes: template.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote') };
	hosted = await hostWorkflow(runnable, 'Perks Chat Trigger', { credentials: credentialsFor({ slack, perks }) });
	return hosted;
}

it('/perks balance template: the asker gets their balance privately through response_url', async () => {
	const wf = await publish('perks-balance-slash-command-slack.json');
	const employee = perks.addEmployee({ email: 'lucia@example.com', name: 'Lucía', locale: 'es' }, { balance: 90 });
	const user = slack.addUser({ name: 'lucia', email: employee.email });
	const result = await send(wf.url, slashCommand(SIGNING_SECRET, { userId: user.id, text: 'saldo', responseUrl: responseUrl.url }));
	expect(result.status).toBe(200);
	const [run] = await wf.settled();
	expect(run.run.status).toBe('success');
	expect(responseUrl.posts.at(-1)).toMatchObject({ response_type: 'ephemeral', text: 'Tienes 90 puntos en tu saldo de beneficios.' });
});

it('bot question template: a DM question gets a DM answer', async () => {
	const wf = await publish('balance-question-to-slack-bot.json');
	const employee = perks.addEmployee({ email: 'joao@example.com', name: 'João', locale: 'pt' }, { balance: 3 });
	const user = slack.addUser({ name: 'joao', email: employee.email });
	const event = { type: 'message', channel_type: 'im', channel: 'D0JOAO0001', user: user.id, text: 'quantos pontos eu tenho?' };
	expect((await send(wf.url, slackEvent(SIGNING_SECRET, event))).status).toBe(200);
	await wf.settled();
	expect(slack.messagesFor(user.id).map((m) => m.text)).toEqual([
		'Você tem 3 pontos na sua carteira de benefícios. Está abaixo do seu alerta de 20 pontos.',
	]);
});
