/**
 * Questions to the Perks app's bot in a real n8n 2.41.1: a Perks Chat Trigger (source Teams Bot)
 * → Perks Chat Reply workflow and the Teams bot AI Agent template, published, with the Bot
 * Connector (its published signing keys, token endpoint and /v3/conversations), Graph, the perks
 * API and OpenAI on loopback. Requests carry JWTs the emulator signs as the Bot Connector does.
 */
import { readFileSync } from 'node:fs';

import { showBalanceCard } from '../../nodes/shared/chat/teams/bot/cardAction';
import { BotConnectorEmulator } from '../../emulators/botConnector';
import { GraphEmulator } from '../../emulators/graphApi';
import { OpenAiEmulator } from '../../emulators/openAi';
import { PerksEmulator } from '../../emulators/perksApi';
import {
	botActivity,
	botPosts,
	cardClick,
	channelThread,
	personalChat,
	sendToBot,
	showBalanceButtonData,
} from '../../emulators/teamsBotInbound';
import { N8nInstance, sleep, waitFor } from '../../harness/n8n';
import { loadTemplate, webhookIdOf } from '../../harness/n8n/templateSetup';

const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph });
const perks = new PerksEmulator();
const openAi = new OpenAiEmulator();
let n8n: N8nInstance;

const BOT_CREDENTIAL = { id: 'perksTeamsBotCredential', name: 'Perks Teams Bot API' };
const PERKS_CREDENTIAL = { id: 'perksApiCredential', name: 'Perks API' };

/** The plain question template, as shipped (its credentials' ids are the ones set here). */
const ASK = loadTemplate('balance-question-to-teams-bot.json', 'teamsBotAskE2e01');
const AI = loadTemplate('balance-question-to-teams-bot-ai-agent.json', 'teamsBotAiE2e001');

let askUrl: string;
let people = 0;

beforeAll(async () => {
	await Promise.all([graph.start(), perks.start(), openAi.start()]);
	await bot.start();
	n8n = await N8nInstance.launch({
		name: 'teams-bot',
		credentials: [
			{
				...PERKS_CREDENTIAL,
				type: 'perksApi',
				data: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			},
			{
				...BOT_CREDENTIAL,
				type: 'perksTeamsBotApi',
				data: { ...bot.credential(), openIdMetadataUrl: bot.openIdMetadataUrl },
			},
			{
				id: 'openAiCredential',
				name: 'OpenAI account',
				type: 'openAiApi',
				data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
			},
		],
		workflows: [ASK, AI],
	});
	await waitFor(() => n8n.logLines(/Added webhook "Perks Chat Trigger"/).length === 2, {
		what: 'both workflows published',
		timeoutMs: 60_000,
		instance: n8n,
	});
	askUrl = n8n.webhookUrl(webhookIdOf(ASK));
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await bot.stop();
	await Promise.all([graph.stop(), perks.stop(), openAi.stop()]);
});

function person(balance: number, locale = 'en') {
	people++;
	const email = `bot.asker${people}@contoso.test`;
	const employee = perks.addEmployee({ email, name: `Asker ${people}`, locale }, { balance });
	const user = graph.addUser({
		displayName: `Asker ${people}`,
		userPrincipalName: email,
		mail: email,
	});
	return { employee, user };
}

async function repliesIn(conversationId: string, count = 1) {
	await waitFor(
		() => bot.activities.filter((a) => a.conversationId === conversationId).length >= count,
		{
			what: 'the answer through the Bot Connector',
			timeoutMs: 60_000,
			instance: n8n,
		},
	);
	return bot.activities.filter((a) => a.conversationId === conversationId);
}

describe('Teams bot questions in a real n8n', () => {
	it('a 1:1 question is acknowledged at once and answered privately in that chat', async () => {
		const { user } = person(4321);
		const conversationId = await personalChat(bot, graph, user.id);
		const activity = botActivity({
			bot,
			conversationId,
			conversationType: 'personal',
			aadObjectId: user.id,
			text: 'how many points do I have?',
		});
		const asked = await sendToBot(askUrl, bot, activity);
		expect(asked.status).toBe(202);
		expect(asked.elapsedMs).toBeLessThan(3_000);
		const [reply] = await repliesIn(conversationId);
		expect(reply.userId).toBe(user.id);
		expect(reply.activity).toMatchObject({ text: 'You have 4,321 points in your perks wallet.' });
		expect(reply.activity).not.toHaveProperty('replyToId');
	});

	it('an @mention in a channel is answered in its thread', async () => {
		const { user } = person(88, 'pt');
		const team = graph.addTeam({ displayName: 'Ops', channels: ['General'] });
		const thread = await channelThread(bot, graph, team.id, team.channels[0].id);
		const activity = botActivity({
			bot,
			conversationId: thread.conversationId,
			conversationType: 'channel',
			aadObjectId: user.id,
			id: thread.activityId,
			text: '<at>Perks</at> saldo',
		});
		expect((await sendToBot(askUrl, bot, activity)).status).toBe(202);
		// The thread's first message (the emulator's stand-in for the question), then the answer.
		const replies = await repliesIn(thread.conversationId, 2);
		expect(replies.at(-1)!.activity).toMatchObject({
			replyToId: thread.activityId,
			text: 'Você tem 88 pontos na sua carteira de benefícios.',
		});
	});

	it('"Show my balance" updates the card in place for its recipient only', async () => {
		const ana = person(2500);
		const bob = person(3600);
		const anaChat = await personalChat(bot, graph, ana.user.id);
		const bobChat = await personalChat(bot, graph, bob.user.id);
		const value = showBalanceButtonData(bot, ana.user.id);
		const cardId = await botPosts(bot, anaChat, {
			type: 'message',
			textFormat: 'xml',
			text: 'Your perks wallet was funded.',
			attachments: [showBalanceCard('Show my balance', value.for)],
		});
		const card = bot.activities.find((a) => a.id === cardId)!;
		const click = (conversationId: string, clicker: string) =>
			cardClick({ bot, conversationId, clicker, cardId, data: value });
		expect((await sendToBot(askUrl, bot, click(anaChat, ana.user.id))).status).toBe(202);
		await waitFor(() => card.updates === 1, {
			what: 'the card updated in place',
			timeoutMs: 60_000,
			instance: n8n,
		});
		expect(card.activity.text).toBe('You have 2,500 points in your perks wallet.');
		expect(JSON.stringify(card.activity.attachments)).toContain(value.for);
		// No new message: the chat holds just the card.
		expect(bot.activities.filter((a) => a.conversationId === anaChat)).toEqual([card]);
		expect((await sendToBot(askUrl, bot, click(bobChat, bob.user.id))).status).toBe(202);
		const [toBob] = await repliesIn(bobChat);
		expect(String(toBob.activity.text)).toMatch(/^This button is not for you/);
		expect(String(toBob.activity.text)).not.toMatch(/2,500|3,600/);
		expect(card.updates).toBe(1);
		expect(card.activity.text).toBe('You have 2,500 points in your perks wallet.');
	});

	it('forged, expired and wrong-audience tokens are refused 401 and run nothing', async () => {
		const { user } = person(10);
		const conversationId = await personalChat(bot, graph, user.id);
		const runs = (await n8n.executions(ASK.id)).length;
		const results = [];
		for (const options of [
			{ unpublishedKey: true },
			{ expiresInSeconds: -600 },
			{ audience: 'another-bot' },
		]) {
			const activity = botActivity({
				bot,
				conversationId,
				conversationType: 'personal',
				aadObjectId: user.id,
				text: 'balance',
			});
			const refused = await sendToBot(askUrl, bot, activity, options);
			results.push([refused.status, (JSON.parse(refused.text) as { error: string }).error]);
		}
		expect(results).toEqual([
			[401, 'unknown_signing_key'],
			[401, 'token_expired'],
			[401, 'wrong_audience'],
		]);
		await sleep(1_500);
		expect(await n8n.executions(ASK.id)).toHaveLength(runs);
		expect(bot.activities.filter((a) => a.conversationId === conversationId)).toEqual([]);
	});

	it('AI Agent template: any words, answered in the 1:1 chat with the live balance read through the tool', async () => {
		const balance = 100 + Math.floor(Math.random() * 500);
		const { employee, user } = person(balance);
		const conversationId = await personalChat(bot, graph, user.id);
		const activity = botActivity({
			bot,
			conversationId,
			conversationType: 'personal',
			aadObjectId: user.id,
			text: 'do I have enough left for the gym?',
		});
		expect((await sendToBot(n8n.webhookUrl(webhookIdOf(AI)), bot, activity)).status).toBe(202);
		const [answer] = await repliesIn(conversationId);
		expect(String(answer.activity.text)).toContain(String(balance));
		expect(openAi.toolCalls).toEqual(['Balance_Lookup']);
		expect(perks.requests.filter((r) => r.path.endsWith(`/wallets/${employee.id}`))).toHaveLength(
			1,
		);
	});

	it("never writes the bot's client secret or the perks API key into n8n's log", () => {
		const log = readFileSync(n8n.logFile, 'utf8');
		for (const secret of [bot.clientSecret, perks.apiKey, openAi.apiKey])
			expect(log).not.toContain(secret);
	});
});
