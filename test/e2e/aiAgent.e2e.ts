/**
 * The AI Agent template in a real n8n 2.41.1: a signed Slack DM to the bot goes through Find
 * Asker to n8n's AI Agent (OpenAI Chat Model pointed at a loopback OpenAI emulator, our Balance
 * Lookup as its tool), and the answer comes back as a DM. The emulated model reads the balance
 * from the tool's result, so the DM can only hold the number the perks emulator served.
 */
import { readFileSync } from 'node:fs';

import { MESSAGE_STRINGS } from '../../nodes/shared/messages/i18n';
import { send, slackEvent } from '../../emulators/chatRequests';
import { OpenAiEmulator } from '../../emulators/openAi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	loadTemplate,
	SLACK_SIGNING_SECRET,
	templateCredentials,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const openAi = new OpenAiEmulator();
let n8n: N8nInstance;

const AI = loadTemplate('balance-question-to-slack-ai-agent.json', 'templateAiAgent01');
/** The same template with the model node's "Use Responses API" off (Chat Completions), as for servers without /responses. */
const AI_COMPLETIONS: WorkflowJson = {
	...AI,
	id: 'templateAiAgent02',
	nodes: AI.nodes.map((node) => {
		if (node.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi')
			return { ...node, parameters: { ...node.parameters, responsesApiEnabled: false } };
		if (node.webhookId) return { ...node, webhookId: 'c0a1e7e0-0000-4000-8000-000000000002' };
		return node;
	}),
};
const lookups = () =>
	perks.requests.filter((r) => r.path.endsWith('/employees/lookup')).map((r) => r.query.email);

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), openAi.start()]);
	n8n = await N8nInstance.launch({
		name: 'ai-agent',
		credentials: [
			...templateCredentials(perks, slack),
			// The id the template references; the Base URL is what an admin would set for a compatible server.
			{
				id: 'openAiCredential',
				name: 'OpenAI account',
				type: 'openAiApi',
				data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
			},
		],
		workflows: [AI, AI_COMPLETIONS],
	});
	// n8n publishes after it is ready: the webhook answers 404 until this line.
	await waitFor(() => n8n.logLines(/Added webhook "Perks Chat Trigger"/).length === 2, {
		what: "both copies' webhooks",
		timeoutMs: 60_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop(), openAi.stop()]);
});

function dm(userId: string, text: string, eventId: string) {
	return slackEvent(
		SLACK_SIGNING_SECRET,
		{ type: 'message', channel_type: 'im', channel: `D${userId}`, user: userId, text },
		{ eventId },
	);
}

describe('AI Agent template in a real n8n', () => {
	it("answers a DM question with the asker's live balance, read through the tool with the asker's email", async () => {
		// Someone else with a distinctive balance, who must never show up.
		const other = perks.addEmployee(
			{ email: 'bob@example.com', name: 'Bob', locale: 'en' },
			{ balance: 777 },
		);
		slack.addUser({ name: 'bob', email: other.email });
		// A fresh random balance, so the answer cannot come from anywhere but the perks emulator.
		const balance = 100 + Math.floor(Math.random() * 500);
		const ada = perks.addEmployee(
			{ email: 'ada@example.com', name: 'Ada', locale: 'en' },
			{ balance },
		);
		const user = slack.addUser({ name: 'ada', email: 'Ada@Example.com' });

		const url = n8n.webhookUrl(webhookIdOf(AI));
		const asked = await send(url, dm(user.id, 'How many points do I have left?', 'EvAiAgent001'));
		expect(asked.status).toBe(200);
		expect(asked.elapsedMs).toBeLessThan(3_000);

		await waitFor(() => slack.messagesFor(user.id).length > 0, {
			what: 'the DM answer',
			timeoutMs: 60_000,
			instance: n8n,
		});
		const [answer] = slack.messagesFor(user.id);
		expect(answer.text).toContain(String(balance));
		expect(answer.text).not.toContain('777');

		// The model called the tool once (Responses API, the node's default), and got the live wallet back.
		expect(openAi.requests.map((r) => r.path)).toEqual(['/responses', '/responses']);
		expect(openAi.toolCalls).toEqual(['Balance_Lookup']);
		// The tool takes no argument: the model has no email to choose.
		expect(openAi.requests[0].body.tools).toEqual([
			expect.objectContaining({
				name: 'Balance_Lookup',
				parameters: expect.objectContaining({ properties: {} }),
			}),
		]);
		const toolResults = JSON.stringify(openAi.requests.map((r) => r.body.input ?? r.body.messages));
		expect(toolResults).toContain(`"balance\\":${balance}`);
		expect(toolResults).not.toContain('777');
		// Find Asker, then the tool: each looked up the asker's perks email, and only the asker's wallet was read.
		expect(lookups()).toEqual([ada.email, ada.email]);
		expect(perks.requests.filter((r) => r.path.includes('/wallets/')).map((r) => r.path)).toEqual([
			expect.stringContaining(ada.id),
		]);
		expect(slack.messagesFor(slack.dmChannelFor(other.id) ?? 'none')).toEqual([]);

		// Slack's retry of the same event, and a replay of it: no second run, no second answer.
		const runs = (await n8n.executions(AI.id)).length;
		const retried = await send(
			url,
			dm(user.id, 'How many points do I have left?', 'EvAiAgent001'),
			{ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
		);
		const replayed = await send(
			url,
			dm(user.id, 'How many points do I have left?', 'EvAiAgent001'),
		);
		expect([retried.status, replayed.status]).toEqual([200, 200]);
		await sleep(2_000);
		expect(slack.messagesFor(user.id)).toHaveLength(1);
		expect(await n8n.executions(AI.id)).toHaveLength(runs);
		expect(openAi.toolCalls).toHaveLength(1);
	});

	it('with "Use Responses API" off, the same answer through /chat/completions', async () => {
		const balance = 100 + Math.floor(Math.random() * 500);
		const employee = perks.addEmployee(
			{ email: 'carla@example.com', name: 'Carla', locale: 'it' },
			{ balance },
		);
		const user = slack.addUser({ name: 'carla', email: employee.email });
		const before = openAi.requests.length;
		expect(
			(
				await send(
					n8n.webhookUrl(webhookIdOf(AI_COMPLETIONS)),
					dm(user.id, 'quanti punti ho?', 'EvAiAgent003'),
				)
			).status,
		).toBe(200);
		await waitFor(() => slack.messagesFor(user.id).length > 0, {
			what: 'the DM answer',
			timeoutMs: 60_000,
			instance: n8n,
		});
		expect(slack.messagesFor(user.id)[0].text).toContain(String(balance));
		expect(openAi.requests.slice(before).map((r) => r.path)).toEqual([
			'/chat/completions',
			'/chat/completions',
		]);
	});

	it('an asker the perks platform does not know never reaches the model: they are told how to get mapped', async () => {
		const stranger = slack.addUser({ name: 'zed', email: 'zed@elsewhere.example' });
		const modelCalls = openAi.requests.length;
		expect(
			(
				await send(
					n8n.webhookUrl(webhookIdOf(AI)),
					dm(stranger.id, 'how many points do I have?', 'EvAiAgent002'),
				)
			).status,
		).toBe(200);
		await waitFor(() => slack.messagesFor(stranger.id).length > 0, {
			what: 'the not-mapped DM',
			timeoutMs: 60_000,
			instance: n8n,
		});
		expect(slack.messagesFor(stranger.id)[0].text).toBe(MESSAGE_STRINGS.en.chat.notMapped);
		expect(openAi.requests).toHaveLength(modelCalls);
	});

	it("never writes the OpenAI key, the bot token or the perks API key into n8n's log", () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		expect(log.length).toBeGreaterThan(0);
		for (const secret of [openAi.apiKey, slack.token, perks.apiKey, SLACK_SIGNING_SECRET])
			expect(log).not.toContain(secret);
	});
});
