/**
 * The Teams 1:1 chat template in a real n8n 2.41.1: imported as shipped and published; on start
 * n8n runs the trigger's webhook methods, whose POST /subscriptions makes the Graph emulator
 * validate n8n's production URL (the validationToken echo) before it answers 201. Then a 1:1
 * message to the service account gets exactly one answer in that chat, the subscription is
 * renewed (PATCH) before its short test lifetime lapses, and unpublishing deletes it.
 *
 * What only a real n8n shows: that n8n serves the URL while it activates (the handshake), that
 * the clientState is derived again (never stored: n8n's REST API returns static data) in the
 * webhook n8n rebuilds from its database, that
 * the renewal timer in trigger() runs in the main process, and that after a restart (when n8n
 * 2.41 runs no webhook set-up again) trigger() brings back a subscription that lapsed.
 */
import { readFile } from 'node:fs/promises';

import { GraphEmulator, type EmulatedSubscription } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { N8nInstance, sleep, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	catalogCredentials,
	E2E_OWNER,
	loadTemplate,
	setUpOwner,
	webhookIdOf,
	workflowFromApi,
} from '../../harness/n8n/templateSetup';
import { leakedForms } from '../../harness/inProcess/secretsAtRest';

const WORKFLOW_ID = 'teamsChatE2e001';
/** 12 s: renewed every 4 s by the timer. */
const LIFETIME_MINUTES = '0.2';
const PATCH = 'PATCH /subscriptions/{id}';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
let n8n: N8nInstance;
let workflow: WorkflowJson;
let url: string;

const BROWSER_ID = 'perks-teams-chat-e2e';
let cookie: Promise<string> | undefined;
/** The owner's session (set up once per instance). */
const ownerCookie = () => (cookie ??= setUpOwner(n8n, E2E_OWNER, BROWSER_ID));

const ours = (): EmulatedSubscription[] =>
	graph.liveSubscriptions().filter((s) => s.notificationUrl === url);

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
	workflow = loadTemplate('balance-question-to-teams-chat.json', WORKFLOW_ID);
	n8n = await N8nInstance.launch({
		name: 'teams-chat',
		credentials: catalogCredentials({ perks, graph }, [workflow]),
		workflows: [workflow],
		env: { PERKS_GRAPH_SUBSCRIPTION_MINUTES: LIFETIME_MINUTES },
	});
	url = n8n.webhookUrl(webhookIdOf(workflow));
	await waitFor(() => ours().length > 0, {
		what: 'the trigger to subscribe',
		timeoutMs: 90_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), graph.stop()]);
});

describe('Teams 1:1 chat template in a real n8n', () => {
	it('publishing subscribed through the validation handshake; static data keeps a check of the clientState, not it', async () => {
		expect(graph.validations.filter((v) => v.url === url)).toEqual([{ url, ok: true }]);
		const [sub] = ours();
		expect(ours()).toHaveLength(1);
		expect(sub).toMatchObject({
			resource: '/me/chats/getAllMessages',
			changeType: 'created',
			lifecycleNotificationUrl: url,
		});
		// n8n saves static data once the whole publish is done, a moment after Graph's 201.
		const saved = await waitFor(
			async () => {
				const data = await n8n.workflowStaticData(WORKFLOW_ID);
				return JSON.stringify(data).includes(url) ? data : undefined;
			},
			{ what: "the subscription's record in static data", timeoutMs: 10_000, instance: n8n },
		);
		expect(leakedForms(saved, [sub.clientState!])).toEqual([]);
	});

	it('a 1:1 question gets exactly one answer, in that chat, with the live balance', async () => {
		const email = 'marta@contoso.test';
		perks.addEmployee({ email, name: 'Marta', locale: 'es' }, { balance: 480 });
		const asker = graph.addUser({ displayName: 'Marta', userPrincipalName: email, mail: email });
		const chatId = graph.oneOnOneChat(asker.id);
		const answers = () =>
			graph.messagesIn(`chat:${chatId}`).filter((m) => m.from === graph.serviceAccount.id);
		graph.sendChatMessage(asker.id, chatId, '¿Cuántos puntos tengo?');
		await waitFor(() => answers().length > 0, {
			what: 'the answer in the chat',
			timeoutMs: 30_000,
			instance: n8n,
		});
		// The answer's own notification reaches n8n too, and must start nothing.
		await graph.settled();
		await sleep(1500);
		expect(answers().map((m) => m.body.content)).toEqual([
			expect.stringContaining('Tienes 480 puntos en tu saldo de beneficios.'),
		]);
		const runs = await n8n.executions(WORKFLOW_ID);
		expect(runs.map((r) => r.status)).toEqual(['success']);
		expect(
			graph.deliveries
				.filter((d) => d.url === url)
				.every((d) => d.status === 202 && d.elapsedMs < 3000),
		).toBe(true);
	});

	it('the subscription is renewed (PATCH) before it lapses, and outlives its first expiry', async () => {
		const [sub] = ours();
		const firstExpiry = Date.parse(sub.expirationDateTime);
		await waitFor(() => graph.requests.some((r) => r.route === PATCH && r.path.endsWith(sub.id)), {
			what: 'a PATCH renewal',
			timeoutMs: 20_000,
			instance: n8n,
		});
		await waitFor(() => Date.now() > firstExpiry + 1000, {
			what: 'the first expiry to pass',
			timeoutMs: 20_000,
		});
		expect(ours().map((s) => s.id)).toEqual([sub.id]);
	}, 60_000);

	it('n8n down for longer than the lifetime: the subscription lapses, and the next start creates a new one that answers', async () => {
		const [before] = ours();
		await n8n.stop();
		await waitFor(() => ours().length === 0, {
			what: 'the subscription to lapse',
			timeoutMs: 30_000,
		});
		await n8n.start();
		const [after] = await waitFor(() => (ours().length > 0 ? ours() : undefined), {
			what: 'a new subscription after the restart',
			timeoutMs: 60_000,
			instance: n8n,
		});
		expect(after.id).not.toBe(before.id);
		expect(after.clientState).toBe(before.clientState);
		const email = 'nuno@contoso.test';
		perks.addEmployee({ email, name: 'Nuno', locale: 'pt' }, { balance: 35 });
		const asker = graph.addUser({ displayName: 'Nuno', userPrincipalName: email, mail: email });
		const chatId = graph.oneOnOneChat(asker.id);
		const answers = () =>
			graph.messagesIn(`chat:${chatId}`).filter((m) => m.from === graph.serviceAccount.id);
		graph.sendChatMessage(asker.id, chatId, 'saldo');
		await waitFor(() => answers().length > 0, {
			what: 'the answer after the restart',
			timeoutMs: 30_000,
			instance: n8n,
		});
		expect(answers()[0].body.content).toContain(
			'Você tem 35 pontos na sua carteira de benefícios.',
		);
	}, 180_000);

	it("the workflow as n8n's REST API returns it holds no clientState, nor the client secret", async () => {
		const session = { cookie: await ownerCookie(), browserId: BROWSER_ID };
		const answer = await workflowFromApi(n8n, session, WORKFLOW_ID);
		expect(JSON.stringify(answer.data.staticData)).toContain(url);
		const states = [
			...new Set(graph.liveSubscriptions().map((s) => s.clientState!)),
			...graph.deliveries
				.map((d) => JSON.stringify(d.body).match(/"clientState":"([^"]+)"/)?.[1])
				.filter((s): s is string => !!s),
		];
		expect(states.length).toBeGreaterThan(0);
		expect(leakedForms(answer, [...states, graph.clientSecret])).toEqual([]);
	});

	it('unpublishing deletes the subscription', async () => {
		const browserId = BROWSER_ID;
		const cookie = await ownerCookie();
		const [sub] = ours();
		const response = await fetch(`${n8n.baseUrl}/rest/workflows/${WORKFLOW_ID}/deactivate`, {
			method: 'POST',
			headers: { cookie, 'browser-id': browserId, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(response.status).toBe(200);
		await waitFor(
			() =>
				graph.requests.some(
					(r) => r.route === 'DELETE /subscriptions/{id}' && r.path.endsWith(sub.id),
				),
			{
				what: 'the DELETE',
				timeoutMs: 20_000,
				instance: n8n,
			},
		);
		expect(ours()).toEqual([]);
		// No renewal after unpublishing: the timer stopped with the webhook.
		const patches = graph.callCount(PATCH);
		await sleep(5000);
		expect(graph.callCount(PATCH)).toBe(patches);
	}, 60_000);

	it("never writes a Graph token, the client secret or the clientState into n8n's log", async () => {
		const log = await readFile(n8n.logFile, 'utf8');
		const secrets = [
			...new Set(graph.requests.map((r) => r.token).filter((t): t is string => !!t)),
			graph.clientSecret,
			perks.apiKey,
			...graph.deliveries
				.map((d) => JSON.stringify(d.body).match(/"clientState":"([^"]+)"/)?.[1])
				.filter((s): s is string => !!s),
		];
		expect(secrets.length).toBeGreaterThanOrEqual(3);
		for (const secret of secrets) expect(log.includes(secret)).toBe(false);
	});
});
