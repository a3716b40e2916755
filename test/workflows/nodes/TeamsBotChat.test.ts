/**
 * Questions to the Perks app's bot, in-process: Bot Connector requests (JWTs signed with the
 * emulator's published keys) to a published Perks Chat Trigger (source Teams Bot) → Perks Chat
 * Reply (Authentication Teams Bot), with the Bot Connector, Graph and the perks API on loopback.
 * The answer goes back through the Bot Connector: in the 1:1 chat, or in the @mention's thread.
 */
import type { IDataObject } from 'n8n-workflow';

import { bindRecipient } from '../../../nodes/shared/chat/recipientBinding';
import { BotConnectorEmulator, UPDATE_ROUTE } from '../../../emulators/botConnector';
import { GraphEmulator } from '../../../emulators/graphApi';
import { PerksEmulator } from '../../../emulators/perksApi';
import {
	botActivity,
	cardClick,
	channelThread,
	personalChat,
	sendToBot,
	showBalanceButtonData,
} from '../../../emulators/teamsBotInbound';
import { walletFundedItem } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';
import { instantiate, loadPackage, runFromTrigger } from '../../../harness/inProcess/n8nRuntime';
import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';

const NOT_IDENTIFIED = /^I cannot tell which perks account is yours/;
const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph });
const perks = new PerksEmulator();
let hosted: HostedWorkflow;
let people = 0;

const botCredentialRef = { id: 'cred-bot', name: 'Perks Teams Bot' };

beforeAll(async () => {
	await Promise.all([graph.start(), perks.start()]);
	await bot.start();
	const trigger = node(
		'Perks Chat Trigger',
		'n8n-nodes-perks.perksChatTrigger',
		{ source: 'teamsBot' },
		{ webhookId: 'teams-bot', credentials: { perksTeamsBotApi: botCredentialRef } },
	);
	const reply = node(
		'Perks Chat Reply',
		'n8n-nodes-perks.perksChatReply',
		{ platform: 'teams', authentication: 'teamsBot' },
		{
			credentials: {
				perksApi: { id: 'cred-perks', name: 'Perks API' },
				perksTeamsBotApi: botCredentialRef,
			},
		},
	);
	hosted = await hostWorkflow(chain('wf-teams-bot', trigger, reply), 'Perks Chat Trigger', {
		credentials: {
			perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			perksTeamsBotApi: { ...bot.credential(), openIdMetadataUrl: bot.openIdMetadataUrl },
		},
	});
});
afterAll(async () => {
	await hosted?.stop();
	await bot.stop();
	await Promise.all([graph.stop(), perks.stop()]);
});

function person(balance: number, options: { locale?: string; guest?: boolean } = {}) {
	people++;
	const email = `asker${people}@contoso.test`;
	const employee = perks.addEmployee(
		{ email, name: `Asker ${people}`, locale: options.locale ?? 'en' },
		{ balance, low_balance_threshold: 0 },
	);
	const user = graph.addUser({
		displayName: `Asker ${people}`,
		userPrincipalName: email,
		mail: email,
		userType: options.guest ? 'Guest' : 'Member',
	});
	return { employee, user };
}

const walletReads = (id: string) =>
	perks.requests.filter((r) => r.path.endsWith(`/wallets/${id}`)).length;

async function ask(
	activity: Record<string, unknown>,
	options: Parameters<typeof sendToBot>[3] = {},
) {
	const before = bot.activities.length;
	const runsBefore = hosted.executions.length;
	const result = await sendToBot(hosted.url, bot, activity, options);
	const runs = await hosted.settled();
	return {
		...result,
		replies: bot.activities.slice(before),
		run: hosted.executions.length > runsBefore ? runs.at(-1) : undefined,
	};
}

async function askPrivately(userId: string, text: string, extra: Record<string, unknown> = {}) {
	const conversationId = await personalChat(bot, graph, userId);
	const activity = botActivity({
		bot,
		conversationId,
		conversationType: 'personal',
		aadObjectId: userId,
		text,
		...extra,
	});
	return { conversationId, activity, ...(await ask(activity)) };
}

test('a 1:1 question is acknowledged at once and answered privately in that chat', async () => {
	const { employee, user } = person(4321);
	const result = await askPrivately(user.id, 'how many points do I have?');
	expect(result.status).toBe(202);
	expect(result.elapsedMs).toBeLessThan(2000);
	expect(result.run?.error('Perks Chat Reply')).toBeUndefined();
	expect(result.replies).toHaveLength(1);
	expect(result.replies[0]).toMatchObject({
		conversationId: result.conversationId,
		userId: user.id,
	});
	expect(result.replies[0].activity).toMatchObject({
		type: 'message',
		text: 'You have 4,321 points in your perks wallet.',
	});
	expect(result.replies[0].activity).not.toHaveProperty('replyToId');
	expect(walletReads(employee.id)).toBe(1);
});

test.each([
	['/balance', 'en', 'You have 12 points in your perks wallet.'],
	['¿Cuántos puntos tengo?', 'en', 'Tienes 12 puntos en tu saldo de beneficios.'],
	['saldo', 'it', 'Hai 12 punti nel tuo portafoglio benefit.'],
	['quantos pontos eu tenho?', 'en', 'Você tem 12 pontos na sua carteira de benefícios.'],
])('"%s" (perks locale %s) is answered in its language', async (text, locale, answer) => {
	const { user } = person(12, { locale });
	const result = await askPrivately(user.id, text);
	expect(result.replies.map((r) => r.activity.text)).toEqual([answer]);
});

test('an @mention in a channel is answered in its thread, the mention cut out', async () => {
	const { user } = person(777, { locale: 'es' });
	const team = graph.addTeam({ displayName: 'Sales', channels: ['General'] });
	const { conversationId, activityId } = await channelThread(
		bot,
		graph,
		team.id,
		team.channels[0].id,
	);
	const activity = botActivity({
		bot,
		conversationId,
		conversationType: 'channel',
		aadObjectId: user.id,
		id: activityId,
		text: '<at>Perks</at> saldo',
	});
	const result = await ask(activity);
	expect(result.status).toBe(202);
	expect(result.run?.output('Perks Chat Trigger')[0]).toMatchObject({
		text: 'saldo',
		intent: 'balance',
	});
	expect(result.replies).toHaveLength(1);
	expect(result.replies[0]).toMatchObject({ conversationId, channelId: team.channels[0].id });
	expect(result.replies[0].activity).toMatchObject({
		replyToId: activityId,
		text: 'Tienes 777 puntos en tu saldo de beneficios.',
	});
});

test('a guest, or someone of another tenant, is never identified, whatever their email', async () => {
	const guest = person(901, { guest: true });
	const guestAsk = await askPrivately(guest.user.id, 'balance');
	expect(String(guestAsk.replies[0].activity.text)).toMatch(NOT_IDENTIFIED);
	const member = person(902);
	const otherTenant = await askPrivately(member.user.id, 'balance', {
		tenantId: 'fabrikam-tenant',
	});
	expect(String(otherTenant.replies[0].activity.text)).toMatch(NOT_IDENTIFIED);
	expect(otherTenant.run?.output('Perks Chat Reply')[0]).toMatchObject({
		unidentified: 'external',
	});
	expect(walletReads(guest.employee.id) + walletReads(member.employee.id)).toBe(0);
});

describe('requests the Bot Connector did not sign for this bot start nothing (401)', () => {
	it.each([
		['a forged signature', { unpublishedKey: true }, 'unknown_signing_key'],
		['an expired token', { expiresInSeconds: -600 }, 'token_expired'],
		['a token for another bot', { audience: 'another-bot-app-id' }, 'wrong_audience'],
		['another issuer', { issuer: 'https://sts.windows.net/evil/' }, 'wrong_issuer'],
		['another serviceUrl', { serviceUrl: 'https://attacker.example/' }, 'service_url_mismatch'],
	])('%s', async (_what, tokenOptions, code) => {
		const { user } = person(5);
		const conversationId = await personalChat(bot, graph, user.id);
		const activity = botActivity({
			bot,
			conversationId,
			conversationType: 'personal',
			aadObjectId: user.id,
			text: 'balance',
		});
		const result = await ask(activity, tokenOptions);
		expect(result.status).toBe(401);
		expect(JSON.parse(result.text)).toMatchObject({ error: code, fix: expect.any(String) });
		expect(result.run).toBeUndefined();
		expect(result.replies).toHaveLength(0);
	});

	it('no token at all', async () => {
		const response = await fetch(hosted.url, {
			method: 'POST',
			body: '{}',
			headers: { 'content-type': 'application/json' },
		});
		expect(response.status).toBe(401);
	});
});

test('the same activity delivered twice is answered once', async () => {
	const { user } = person(31);
	const first = await askPrivately(user.id, 'balance');
	const again = await ask(first.activity);
	expect(JSON.parse(again.text)).toEqual({ ignored: 'replay' });
	expect(again.run).toBeUndefined();
	expect(again.replies).toHaveLength(0);
});

describe('"Show my balance" on a card in the 1:1 chat', () => {
	const click = (
		conversationId: string,
		clicker: string,
		forUser: string,
		secret = bot.clientSecret,
	) =>
		cardClick({
			bot,
			conversationId,
			clicker,
			cardId: 'card-activity-1',
			data: showBalanceButtonData(bot, forUser, secret),
		});

	it('a click whose card is gone (never sent, or deleted) is answered with a reply instead', async () => {
		const { employee, user } = person(2500);
		const conversationId = await personalChat(bot, graph, user.id);
		const result = await ask(click(conversationId, user.id, user.id));
		expect(result.status).toBe(202);
		// The update was tried first and refused 404; the answer then came as a new message.
		expect(bot.callCount(UPDATE_ROUTE)).toBeGreaterThan(0);
		expect(result.replies.map((r) => r.activity.text)).toEqual([
			'You have 2,500 points in your perks wallet.',
		]);
		expect(walletReads(employee.id)).toBe(1);
	});

	it('a click on a card sent to someone else, or with a forged value, reads no wallet', async () => {
		const ana = person(3100);
		const bob = person(3200);
		const bobChat = await personalChat(bot, graph, bob.user.id);
		const other = await ask(click(bobChat, bob.user.id, ana.user.id));
		expect(String(other.replies[0].activity.text)).toMatch(/^This button is not for you/);
		const forged = await ask(click(bobChat, bob.user.id, bob.user.id, 'guessed-secret'));
		expect(String(forged.replies[0].activity.text)).toMatch(/^This button is not for you/);
		expect(walletReads(ana.employee.id) + walletReads(bob.employee.id)).toBe(0);
	});
});

/** Send DM as the bot, the default message for `item`, to `email`. */
async function sendDefaultDm(item: IDataObject, showBalanceButton?: boolean) {
	const pkg = await loadPackage();
	const trigger = node('Perks Trigger', TYPE.trigger, {}, { webhookId: 'hook-bot-dm' });
	const dm = node(
		'Send DM',
		TYPE.sendDm,
		{
			platform: 'teams',
			authentication: 'teamsBot',
			recipientBy: 'email',
			email: '={{ $json.employeeEmail }}',
			messageSource: 'default',
			...(showBalanceButton === undefined ? {} : { showBalanceButton }),
		},
		{
			credentials: {
				perksTeamsBotApi: botCredentialRef,
				perksApi: { id: 'cred-perks', name: 'Perks API' },
			},
		},
	);
	const result = await runFromTrigger(
		pkg,
		instantiate(pkg, chain(`wf-bot-dm-${++people}`, trigger, dm)),
		'Perks Trigger',
		[{ json: item }],
		{
			credentials: {
				perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
				perksTeamsBotApi: { ...bot.credential(), openIdMetadataUrl: bot.openIdMetadataUrl },
			},
		},
	);
	expect(result.error('Send DM')).toBeUndefined();
	return bot.activities.at(-1)!;
}

type Card = {
	content: { actions: Array<{ type: string; title: string; data: Record<string, unknown> }> };
};

/** A click on a card the bot sent, in the chat it was sent to. */
const clickOn = (
	card: { id: string; conversationId: string },
	clicker: string,
	data: Record<string, unknown>,
) => cardClick({ bot, conversationId: card.conversationId, clicker, cardId: card.id, data });

const submitActions = (activity: { attachments?: unknown[] }) =>
	((activity.attachments ?? []) as Card[])
		.flatMap((card) => card.content?.actions ?? [])
		.filter((a) => a.type === 'Action.Submit');

test('without "Show My Balance Button" (old saved workflows too) no DM carries the card button', async () => {
	const { user } = person(230);
	const lowItem = {
		...walletFundedItem({ employeeEmail: user.mail }),
		eventType: 'wallet.low_balance',
		threshold: 500,
	};
	for (const sent of [
		await sendDefaultDm(walletFundedItem({ employeeEmail: user.mail })),
		await sendDefaultDm(lowItem),
		await sendDefaultDm(walletFundedItem({ employeeEmail: user.mail }), false),
	]) {
		expect(sent.activity.text).toBeTruthy();
		expect(submitActions(sent.activity)).toEqual([]);
		expect(JSON.stringify(sent.activity)).not.toContain('perks.showBalance');
	}
});

test('with "Show My Balance Button", wallet-funded and low-balance DMs carry it; clicking it in that chat answers the recipient', async () => {
	const { employee, user } = person(220);
	const funded = await sendDefaultDm(
		walletFundedItem({ employeeEmail: user.mail, balance: 220 }),
		true,
	);
	const [action] = submitActions(funded.activity);
	expect(action).toMatchObject({ title: 'Show my balance', data: { action: 'perks.showBalance' } });
	expect(action.data.for).toBe(bindRecipient(bot.clientSecret, user.id));
	const low = await sendDefaultDm(
		{
			...walletFundedItem({ employeeEmail: user.mail }),
			eventType: 'wallet.low_balance',
			threshold: 500,
		},
		true,
	);
	expect(JSON.stringify(low.activity.attachments)).toContain('perks.showBalance');
	// Teams sends the click to the messaging endpoint as a message carrying the card's data.
	const clicked = clickOn(funded, user.id, action.data);
	const result = await ask(clicked);
	// Answered in place: the same activity (and Teams message) changed, no new message.
	expect(result.run?.error('Perks Chat Reply')).toBeUndefined();
	expect(result.replies).toEqual([]);
	const card = bot.activities.find((a) => a.id === funded.id)!;
	expect(card).toMatchObject({ conversationId: funded.conversationId, updates: 1 });
	expect(card.activity.text).toBe('You have 220 points in your perks wallet.');
	// The button stays, still bound to the recipient, to be clicked again.
	expect(submitActions(card.activity)).toEqual([action]);
	expect(graph.messages.find((m) => m.id === funded.id)?.body.content).toBe(
		'You have 220 points in your perks wallet.',
	);
	expect(walletReads(employee.id)).toBe(1);
	// Clicked again later: the live balance, not the one shown before.
	perks.setBalance(employee.id, 175);
	const again = await ask({ ...clicked, id: 'click-again-1' });
	expect(again.replies).toEqual([]);
	expect(card).toMatchObject({ updates: 2 });
	expect(card.activity.text).toBe('You have 175 points in your perks wallet.');
	// The same card data, clicked by someone it was not sent to: nothing of the recipient's,
	// a private note in their own chat, and the card unchanged.
	const other = person(9999);
	const otherChat = await personalChat(bot, graph, other.user.id);
	const stolen = await ask({
		...clicked,
		id: 'stolen-1',
		from: { id: '29:x', aadObjectId: other.user.id },
		conversation: { id: otherChat, conversationType: 'personal', tenantId: bot.tenantId },
	});
	expect(stolen.replies).toHaveLength(1);
	expect(stolen.replies[0].conversationId).toBe(otherChat);
	expect(String(stolen.replies[0].activity.text)).toMatch(/^This button is not for you/);
	expect(card).toMatchObject({ updates: 2 });
	expect(card.activity.text).toBe('You have 175 points in your perks wallet.');
	expect(walletReads(employee.id)).toBe(2);
});

test('a card deleted before the click: the update is refused 404 and the answer comes as a reply', async () => {
	const { user } = person(330);
	const funded = await sendDefaultDm(walletFundedItem({ employeeEmail: user.mail }), true);
	const [action] = submitActions(funded.activity);
	bot.removeActivity(funded.id);
	const updatesBefore = bot.callCount(UPDATE_ROUTE);
	const result = await ask(clickOn(funded, user.id, action.data));
	expect(bot.callCount(UPDATE_ROUTE)).toBe(updatesBefore + 1);
	expect(result.replies.map((r) => r.activity.text)).toEqual([
		'You have 330 points in your perks wallet.',
	]);
	expect(result.replies[0].conversationId).toBe(funded.conversationId);
});

test("a click naming another chat's card cannot update it: only that conversation's activities", async () => {
	// The tests before used up this second of the app's published 50 requests a second.
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const ana = person(410);
	const bob = person(420);
	const anaCard = await sendDefaultDm(walletFundedItem({ employeeEmail: ana.user.mail }), true);
	const bobChat = await personalChat(bot, graph, bob.user.id);
	const result = await ask(
		cardClick({
			bot,
			conversationId: bobChat,
			clicker: bob.user.id,
			cardId: anaCard.id,
			data: showBalanceButtonData(bot, bob.user.id),
		}),
	);
	const card = bot.activities.find((a) => a.id === anaCard.id)!;
	expect(card.updates).toBe(0);
	expect(String(card.activity.text)).not.toContain('410 points');
	expect(result.replies.map((r) => [r.conversationId, r.activity.text])).toEqual([
		[bobChat, 'You have 420 points in your perks wallet.'],
	]);
});
