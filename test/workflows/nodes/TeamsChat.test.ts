/**
 * Perks Chat Trigger's "Teams Chat" source in-process: a published Perks Chat Trigger → Perks
 * Chat Reply workflow on loopback, the Graph emulator creating its subscription through the
 * validation handshake and POSTing change notifications as Graph does.
 */
import { ALL_SCOPES, GraphEmulator, type EmulatedSubscription } from '../../../emulators/graphApi';
import { PerksEmulator } from '../../../emulators/perksApi';
import { credentialRefs, credentialsFor } from '../../../harness/inProcess/runNode';
import { chain, node } from '../../../harness/inProcess/workflows';
import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';
import { send, teamsMention, teamsSecurityToken } from '../../../emulators/chatRequests';
import { forgetCachedSecrets, leakedForms } from '../../../harness/inProcess/secretsAtRest';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
let hosted: HostedWorkflow | undefined;
let count = 0;

const PATCH = 'PATCH /subscriptions/{id}';
const DELETE = 'DELETE /subscriptions/{id}';

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), graph.stop()]);
});
afterEach(async () => {
	delete process.env.PERKS_GRAPH_SUBSCRIPTION_MINUTES;
	await graph.settled();
	await hosted?.settled();
	await hosted?.deactivate();
	await hosted?.stop();
	hosted = undefined;
});

/** The credentials of the workflow last published: a test edits them as a user edits the credential. */
let liveCredentials: ReturnType<typeof credentialsFor> | undefined;

async function publish(): Promise<HostedWorkflow> {
	count++;
	const trigger = node(
		'Perks Chat Trigger',
		'n8n-nodes-perks.perksChatTrigger',
		{ source: 'teamsChat' },
		{
			webhookId: `teams-chat-${count}`,
			credentials: { perksMicrosoftTeamsOAuth2Api: credentialRefs.perksMicrosoftTeamsOAuth2Api },
		},
	);
	const reply = node(
		'Perks Chat Reply',
		'n8n-nodes-perks.perksChatReply',
		{ platform: 'teams' },
		{ credentials: credentialRefs },
	);
	liveCredentials = credentialsFor({ perks, graph });
	hosted = await hostWorkflow(
		chain(`wf-teams-chat-${count}`, trigger, reply),
		'Perks Chat Trigger',
		{
			credentials: liveCredentials,
		},
	);
	await hosted.activate();
	return hosted;
}

const subscriptionsOf = (wf: HostedWorkflow): EmulatedSubscription[] =>
	graph.liveSubscriptions().filter((s) => s.notificationUrl === wf.url);

let people = 0;
/** An employee in the perks platform, the same person in Entra, and their 1:1 chat with the service account. */
function person(locale: string, balance = 1250, inPerks = true, currency = 'points') {
	people++;
	const email = `chatter${people}@contoso.test`;
	if (inPerks)
		perks.addEmployee(
			{ email, name: `Chatter ${people}`, locale },
			{ balance, low_balance_threshold: 20, currency },
		);
	const user = graph.addUser({
		displayName: `Chatter ${people}`,
		userPrincipalName: email,
		mail: email,
	});
	return { user, chatId: graph.oneOnOneChat(user.id) };
}

/** What the service account posted in a chat, as text. */
const answersIn = (chatId: string) =>
	graph
		.messagesIn(`chat:${chatId}`)
		.filter((m) => m.from === graph.serviceAccount.id)
		.map((m) =>
			m.body.content
				.replace(/<[^>]+>/g, '')
				.replace(/&quot;/g, '"')
				.replace(/&#39;/g, "'")
				.replace(/&amp;/g, '&'),
		);

/** Sends, then waits for every notification, run and reply (whose own notification comes last). */
async function ask(wf: HostedWorkflow, from: string, chatId: string, text: string) {
	const message = graph.sendChatMessage(from, chatId, text);
	await graph.settled();
	await wf.settled();
	await graph.settled();
	return message;
}

async function post(url: string, body: unknown) {
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: res.status, text: await res.text() };
}

describe('Teams Chat: subscription lifecycle', () => {
	it('publishing subscribes through the validation handshake (token echoed as text/plain)', async () => {
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		expect(subscriptionsOf(wf)).toHaveLength(1);
		expect(graph.validations.filter((v) => v.url === wf.url)).toEqual([{ url: wf.url, ok: true }]);
		expect(sub).toMatchObject({
			resource: '/me/chats/getAllMessages',
			changeType: 'created',
			lifecycleNotificationUrl: wf.url,
		});
		expect(sub.clientState!.length).toBeGreaterThanOrEqual(32);
		expect(sub.clientState!.length).toBeLessThanOrEqual(128);
		const lifetimeMs = Date.parse(sub.expirationDateTime) - Date.now();
		expect(lifetimeMs).toBeGreaterThan(60 * 60_000);
		expect(lifetimeMs).toBeLessThanOrEqual(3 * 24 * 60 * 60_000);
	});

	it('publishing without Chat.Read consented fails with the code and the fix', async () => {
		graph.setScopes(ALL_SCOPES.filter((scope) => scope !== 'Chat.Read'));
		try {
			const failure = (await publish().catch((error: unknown) => error)) as {
				context?: { code?: string };
				description?: string;
			};
			expect(failure.context?.code).toBe('missing_permission');
			expect(failure.description).toMatch(/"Chat\.Read".*Grant admin consent/);
		} finally {
			graph.setScopes(ALL_SCOPES);
		}
	});

	it('the validation answer is the decoded token, text/plain, at once', async () => {
		const wf = await publish();
		const token = 'Validation: Testing client application reachability <&> ü';
		const started = Date.now();
		const res = await fetch(`${wf.url}?validationToken=${encodeURIComponent(token)}`, {
			method: 'POST',
		});
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
		expect(await res.text()).toBe(token);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(wf.executions).toHaveLength(0);
	});

	it('publishing again (n8n restarting) keeps the one subscription and renews it', async () => {
		const wf = await publish();
		const [before] = subscriptionsOf(wf);
		await wf.activate();
		const after = subscriptionsOf(wf);
		expect(after.map((s) => s.id)).toEqual([before.id]);
		expect(graph.callCount('POST /subscriptions')).toBeGreaterThan(0);
		expect(
			graph.requests.filter((r) => r.route === PATCH && r.path.endsWith(before.id)),
		).toHaveLength(1);
	});

	it('is renewed before it lapses (short lifetime) and still delivers after its first expiry', async () => {
		process.env.PERKS_GRAPH_SUBSCRIPTION_MINUTES = '0.05'; // 3 s; renewed every second
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const firstExpiry = Date.parse(sub.expirationDateTime);
		await new Promise((resolve) => setTimeout(resolve, 4000));
		const renewals = graph.requests.filter((r) => r.route === PATCH && r.path.endsWith(sub.id));
		expect(renewals.length).toBeGreaterThanOrEqual(2);
		expect(Date.now()).toBeGreaterThan(firstExpiry);
		expect(subscriptionsOf(wf).map((s) => s.id)).toEqual([sub.id]);
		const { user, chatId } = person('en', 77);
		await ask(wf, user.id, chatId, 'balance');
		expect(answersIn(chatId)).toEqual(['You have 77 points in your perks wallet.']);
	}, 20_000);

	it('n8n down for longer than the lifetime: the restarted trigger creates a new subscription that answers', async () => {
		process.env.PERKS_GRAPH_SUBSCRIPTION_MINUTES = '0.05';
		const wf = await publish();
		const [before] = subscriptionsOf(wf);
		await wf.restart(3500);
		expect(subscriptionsOf(wf)).toEqual([]);
		// The restarted trigger's first renewal comes a third of a lifetime (1 s) later.
		for (let waited = 0; subscriptionsOf(wf).length === 0 && waited < 10_000; waited += 100) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		const [after] = subscriptionsOf(wf);
		expect(subscriptionsOf(wf)).toHaveLength(1);
		expect(after.id).not.toBe(before.id);
		expect(after.clientState).toBe(before.clientState);
		const { user, chatId } = person('pt', 12);
		await ask(wf, user.id, chatId, 'saldo');
		expect(answersIn(chatId)).toEqual([
			'Você tem 12 pontos na sua carteira de benefícios. Está abaixo do seu alerta de 20 pontos.',
		]);
	}, 20_000);

	it('reauthorizationRequired renews it (PATCH); subscriptionRemoved creates a new one that still delivers', async () => {
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const patches = graph.callCount(PATCH);
		expect((await graph.sendLifecycleEvent(sub.id, 'reauthorizationRequired')).status).toBe(202);
		await wf.settled();
		expect(graph.callCount(PATCH)).toBe(patches + 1);
		expect(subscriptionsOf(wf).map((s) => s.id)).toEqual([sub.id]);

		expect((await graph.sendLifecycleEvent(sub.id, 'subscriptionRemoved')).status).toBe(202);
		await wf.settled();
		const [recreated] = subscriptionsOf(wf);
		expect(subscriptionsOf(wf)).toHaveLength(1);
		expect(recreated.id).not.toBe(sub.id);
		expect(recreated.clientState).toBe(sub.clientState);
		const { user, chatId } = person('it', 300);
		await ask(wf, user.id, chatId, 'quanti punti ho?');
		expect(answersIn(chatId)).toEqual(['Hai 300 punti nel tuo portafoglio benefit.']);
	});

	it('"missed" is acknowledged and changes nothing', async () => {
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const calls = graph.requests.length;
		expect((await graph.sendLifecycleEvent(sub.id, 'missed')).status).toBe(202);
		await wf.settled();
		expect(graph.requests.slice(calls).filter((r) => r.route.includes('subscriptions'))).toEqual(
			[],
		);
		expect(wf.executions).toHaveLength(0);
	});

	it('unpublishing deletes it; nothing is delivered afterwards', async () => {
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		await wf.deactivate();
		expect(
			graph.requests.filter((r) => r.route === DELETE && r.path.endsWith(sub.id)),
		).toHaveLength(1);
		expect(subscriptionsOf(wf)).toEqual([]);
		const { user, chatId } = person('en');
		const deliveries = graph.deliveries.length;
		graph.sendChatMessage(user.id, chatId, 'balance');
		await graph.settled();
		expect(graph.deliveries.length).toBe(deliveries);
		expect(wf.executions).toHaveLength(0);
	});
});

describe('Teams Chat: the clientState at rest', () => {
	type ChatData = { clientState?: string; clientStateChecks?: Record<string, string> };
	const dataOf = (wf: HostedWorkflow) =>
		wf.workflow.staticData['node:Perks Chat Trigger'] as ChatData;
	const waitFor = async (done: () => boolean) => {
		for (let waited = 0; !done() && waited < 10_000; waited += 100) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	};
	afterEach(() => {
		graph.clientSecret = 'perks-client-secret';
		const teams = liveCredentials?.perksMicrosoftTeamsOAuth2Api;
		if (teams) teams.clientSecret = graph.clientSecret;
	});

	it('static data holds no clientState (production and test URL); it is derived again after a restart', async () => {
		const wf = await publish();
		await wf.activateTest();
		const states = graph
			.liveSubscriptions()
			.filter((s) => s.notificationUrl === wf.url || s.notificationUrl === wf.testUrl)
			.map((s) => s.clientState!);
		expect(states).toHaveLength(2);
		expect(leakedForms(wf.workflow.staticData, states)).toEqual([]);
		expect(JSON.stringify(wf.workflow.staticData)).not.toMatch(/clientState"/);
		await wf.deactivateTest();
		forgetCachedSecrets();
		await wf.restart();
		const { user, chatId } = person('en', 41);
		await ask(wf, user.id, chatId, 'balance');
		expect(answersIn(chatId)).toEqual(['You have 41 points in your perks wallet.']);
	});

	it('client secret rotated: after a restart the subscription is made anew with the new clientState, and answers', async () => {
		process.env.PERKS_GRAPH_SUBSCRIPTION_MINUTES = '0.05';
		const wf = await publish();
		const [before] = subscriptionsOf(wf);
		graph.clientSecret = 'perks-client-secret-rotated';
		liveCredentials!.perksMicrosoftTeamsOAuth2Api!.clientSecret = graph.clientSecret;
		forgetCachedSecrets();
		await wf.restart();
		// Between the old one's deletion and the new one's creation there is none: wait for the new one.
		await waitFor(() => {
			const current = subscriptionsOf(wf);
			return current.length > 0 && current[0].id !== before.id;
		});
		const after = subscriptionsOf(wf);
		expect(after).toHaveLength(1);
		expect(after[0].id).not.toBe(before.id);
		expect(after[0].clientState).not.toBe(before.clientState);
		// The old one's clientState is now refused.
		const forged = await post(wf.url, {
			value: [
				{ subscriptionId: before.id, clientState: before.clientState, changeType: 'created' },
			],
		});
		expect(forged.status).toBe(401);
		expect(
			leakedForms(wf.workflow.staticData, [before.clientState!, after[0].clientState!]),
		).toEqual([]);
		const { user, chatId } = person('en', 42);
		await ask(wf, user.id, chatId, 'balance');
		expect(answersIn(chatId)).toEqual(['You have 42 points in your perks wallet.']);
	}, 20_000);

	it("an older version's plain-text clientState: still verifies, and publishing again makes the subscription anew and drops it", async () => {
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const legacy = 'legacy-client-state-0123456789abcdefghijklmnopqrstuvwxyz';
		sub.clientState = legacy;
		const data = dataOf(wf);
		data.clientState = legacy;
		delete data.clientStateChecks;
		forgetCachedSecrets();
		const first = person('en', 43);
		await ask(wf, first.user.id, first.chatId, 'balance');
		expect(answersIn(first.chatId)).toEqual(['You have 43 points in your perks wallet.']);

		await wf.activate();
		const [after] = subscriptionsOf(wf);
		expect(subscriptionsOf(wf)).toHaveLength(1);
		expect(after.id).not.toBe(sub.id);
		expect(after.clientState).not.toBe(legacy);
		expect(leakedForms(wf.workflow.staticData, [legacy, after.clientState!])).toEqual([]);
		const second = person('en', 44);
		await ask(wf, second.user.id, second.chatId, 'balance');
		expect(answersIn(second.chatId)).toEqual(['You have 44 points in your perks wallet.']);
	});
});

describe('Teams Chat: questions', () => {
	it.each([
		['how many points do I have?', 'es', 'You have 1,250 points in your perks wallet.'],
		['¿Cuántos puntos tengo?', 'en', 'Tienes 1.250 puntos en tu saldo de beneficios.'],
		['Quanti punti ho?', 'pt', 'Hai 1.250 punti nel tuo portafoglio benefit.'],
		['quantos pontos eu tenho', 'it', 'Você tem 1.250 pontos na sua carteira de benefícios.'],
		['saldo', 'it', 'Hai 1.250 punti nel tuo portafoglio benefit.'],
	])(
		'"%s" (asker locale %s) gets the live balance in the 1:1 chat, acknowledged at once',
		async (text, locale, expected) => {
			const wf = await publish();
			const { user, chatId } = person(locale);
			const deliveries = graph.deliveries.length;
			await ask(wf, user.id, chatId, text);
			expect(answersIn(chatId)).toEqual([expected]);
			const first = graph.deliveries[deliveries];
			expect(first.status).toBe(202);
			expect(first.elapsedMs).toBeLessThan(3000);
			// The reply's own notification came back and started nothing: one run in all.
			expect(graph.deliveries.length).toBe(deliveries + 2);
			expect(wf.executions).toHaveLength(1);
			const [run] = await wf.settled();
			expect(run.output('Perks Chat Trigger')[0]).toMatchObject({
				platform: 'teams',
				source: 'teamsChat',
				askerId: user.id,
				text,
				channelId: chatId,
			});
		},
	);

	it('an answer with a hostile currency unit is literal text in the Teams HTML', async () => {
		const wf = await publish();
		const { user, chatId } = person('en', 1250, true, '<b>pts</b> <https://evil.example|go>');
		await ask(wf, user.id, chatId, 'balance');
		const [answer] = graph
			.messagesIn(`chat:${chatId}`)
			.filter((m) => m.from === graph.serviceAccount.id);
		expect(answer.body.content).toBe(
			'You have 1,250 &lt;b&gt;pts&lt;/b&gt; &lt;https://evil.example|go&gt; in your perks wallet.',
		);
	});

	it('anything else gets the help text; an unmapped asker is told how to get mapped', async () => {
		const wf = await publish();
		const known = person('es');
		await ask(wf, known.user.id, known.chatId, 'hola, ¿qué tal?');
		expect(answersIn(known.chatId)[0]).toMatch(/^Pregúntame "saldo"/);
		const stranger = person('en', 0, false);
		await ask(wf, stranger.user.id, stranger.chatId, 'quanti punti ho?');
		expect(answersIn(stranger.chatId)).toHaveLength(1);
		expect(answersIn(stranger.chatId)[0]).toMatch(/^Non trovo/);
	});

	it('a forged or missing clientState gets 401 and runs nothing', async () => {
		const wf = await publish();
		const { chatId } = person('en');
		const [sub] = subscriptionsOf(wf);
		const message = graph.sendChatMessage(graph.serviceAccount.id, chatId, 'seed');
		await graph.settled();
		const value = {
			subscriptionId: sub.id,
			changeType: 'created',
			resource: `chats('${chatId}')/messages('${message.id}')`,
		};
		for (const clientState of ['forged-client-state', undefined, null, sub.clientState!.slice(1)]) {
			const res = await post(wf.url, { value: [{ ...value, clientState }] });
			expect(res.status).toBe(401);
			expect(res.text).not.toContain(sub.clientState!);
		}
		// One forged notification in a batch spoils the batch.
		expect(
			(
				await post(wf.url, {
					value: [
						{ ...value, clientState: sub.clientState },
						{ ...value, clientState: 'x' },
					],
				})
			).status,
		).toBe(401);
		await wf.settled();
		expect(wf.executions).toHaveLength(0);
		expect(answersIn(chatId)).toEqual(['seed']);
	});

	it('a redelivered notification is answered once', async () => {
		const wf = await publish();
		const { user, chatId } = person('en', 10);
		const deliveries = graph.deliveries.length;
		await ask(wf, user.id, chatId, 'balance');
		const first = graph.deliveries[deliveries];
		expect((await graph.redeliver(first)).status).toBe(202);
		await Promise.all([graph.redeliver(first), graph.redeliver(first)]);
		await wf.settled();
		await graph.settled();
		expect(answersIn(chatId)).toEqual([
			'You have 10 points in your perks wallet. That is below your alert of 20 points.',
		]);
		expect(wf.executions).toHaveLength(1);
	});

	it('a stale notification (message over an hour old) is acknowledged and not answered', async () => {
		const { user, chatId } = person('en');
		// Written while nothing was subscribed, an hour and a half ago.
		const old = graph.sendChatMessage(user.id, chatId, 'balance');
		old.createdDateTime = new Date(Date.now() - 90 * 60_000).toISOString();
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const resource = `chats('${chatId}')/messages('${old.id}')`;
		const res = await post(wf.url, {
			value: [
				{
					subscriptionId: sub.id,
					clientState: sub.clientState,
					changeType: 'created',
					resource,
					resourceData: { id: old.id },
				},
			],
		});
		expect(res.status).toBe(202);
		await wf.settled();
		expect(wf.executions).toHaveLength(0);
		expect(answersIn(chatId)).toEqual([]);
	});

	it('a question in a group chat with the service account is not answered (everyone would see it)', async () => {
		const wf = await publish();
		const { user } = person('en');
		const other = person('en');
		const chatId = graph.groupChat([user.id, other.user.id]);
		await ask(wf, user.id, chatId, 'balance');
		expect(wf.executions).toHaveLength(0);
		expect(answersIn(chatId)).toEqual([]);
		expect(graph.callCount('GET /chats/{id}')).toBeGreaterThan(0);
	});

	it('a notification whose message cannot be read does not keep the rest of its batch from being answered', async () => {
		const { user, chatId } = person('en', 5);
		// Written while nothing was subscribed: only the batch below announces it.
		const message = graph.sendChatMessage(user.id, chatId, 'balance');
		const wf = await publish();
		const [sub] = subscriptionsOf(wf);
		const value = (id: string) => ({
			subscriptionId: sub.id,
			clientState: sub.clientState,
			changeType: 'created',
			resource: `chats('${chatId}')/messages('${id}')`,
		});
		expect(
			(await post(wf.url, { value: [value('no-such-message'), value(message.id)] })).status,
		).toBe(202);
		await wf.settled();
		await graph.settled();
		expect(answersIn(chatId)).toEqual([
			'You have 5 points in your perks wallet. That is below your alert of 20 points.',
		]);
	});

	it("the service account's own messages and system messages start nothing (no loops)", async () => {
		const wf = await publish();
		const { user, chatId } = person('en');
		await ask(wf, graph.serviceAccount.id, chatId, 'balance');
		graph.sendChatMessage(user.id, chatId, 'balance', { messageType: 'systemEventMessage' });
		await graph.settled();
		await wf.settled();
		expect(wf.executions).toHaveLength(0);
		expect(answersIn(chatId)).toEqual(['balance']);
	});
});

describe("the editor's test mode, now that the node has a trigger()", () => {
	it("a test request still runs the workflow with the request's question (n8n runs trigger() there)", async () => {
		const token = teamsSecurityToken('teams-outgoing-token-for-test-mode');
		count++;
		const trigger = node(
			'Perks Chat Trigger',
			'n8n-nodes-perks.perksChatTrigger',
			{ source: 'teamsOutgoingWebhook' },
			{
				webhookId: `teams-test-mode-${count}`,
				credentials: { perksTeamsOutgoingWebhookApi: { id: 'cred-outgoing', name: 'Outgoing' } },
			},
		);
		const reply = node(
			'Perks Chat Reply',
			'n8n-nodes-perks.perksChatReply',
			{ platform: 'teams' },
			{ credentials: credentialRefs },
		);
		hosted = await hostWorkflow(
			chain(`wf-teams-test-mode-${count}`, trigger, reply),
			'Perks Chat Trigger',
			{
				credentials: {
					...credentialsFor({ perks, graph }),
					perksTeamsOutgoingWebhookApi: { securityToken: token },
				},
			},
		);
		const { user } = person('it', 64);
		const result = await send(
			hosted.testUrl,
			teamsMention(token, { aadObjectId: user.id, text: 'quanti punti ho?' }),
		);
		expect(result.status).toBe(200);
		expect(JSON.parse(result.text)).toEqual({
			type: 'message',
			textFormat: 'xml',
			text: 'Hai 64 punti nel tuo portafoglio benefit.',
		});
		const [run] = await hosted.settled();
		expect(run.output('Perks Chat Trigger')[0]).toMatchObject({
			source: 'teamsOutgoingWebhook',
			askerId: user.id,
		});
	});
});
