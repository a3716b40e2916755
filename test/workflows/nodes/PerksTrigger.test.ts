import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';
import {
	lowBalanceEvent,
	PerksEmulator,
	perkAddedEvent,
	perkRedeemedEvent,
	walletFundedEvent,
} from '../../../emulators/perksApi';
import { chain, node, perksCredentialRef, TYPE } from '../../../harness/inProcess/workflows';
import type { PerksEventType } from '../../../nodes/shared/perks/contract';
import { handleDelivery } from '../../../nodes/PerksTrigger/receive';
import { PerksTrigger } from '../../../nodes/PerksTrigger/PerksTrigger.node';
import { RecentKeys } from '../../../nodes/shared/idempotency/recentKeys';
import { signatureHeader } from '../../../nodes/shared/perks/signature';
import { EventEmitter } from 'node:events';
import type { IWebhookFunctions } from 'n8n-workflow';
import {
	forgetCachedSecrets,
	leakedForms,
	nodeLoggerClass,
} from '../../../harness/inProcess/secretsAtRest';

const perks = new PerksEmulator();
let hosted: HostedWorkflow | undefined;
let workflowCount = 0;

beforeAll(async () => {
	await perks.start();
});
afterAll(async () => {
	await perks.stop();
});
afterEach(async () => {
	// Unpublish, so later deliveries only reach the workflow under test.
	await hosted?.deactivate().catch(() => undefined);
	await hosted?.stop();
	hosted = undefined;
});

/** The credentials of the workflow last published: a test edits them as a user edits the credential. */
let liveCredentials: ReturnType<typeof credentials> | undefined;

function credentials(extra: Record<string, string> = {}) {
	return { perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey, ...extra } };
}

async function publish(
	parameters: Record<string, unknown> = {},
	credentialExtra: Record<string, string> = {},
	after: Array<ReturnType<typeof node>> = [],
): Promise<HostedWorkflow> {
	workflowCount++;
	const trigger = node('Perks Trigger', TYPE.trigger, parameters as never, {
		webhookId: `hook-${workflowCount}`,
		credentials: perksCredentialRef(),
	});
	liveCredentials = credentials(credentialExtra);
	hosted = await hostWorkflow(
		chain(`wf-trigger-${workflowCount}`, trigger, ...after),
		'Perks Trigger',
		{
			credentials: liveCredentials,
		},
	);
	await hosted.activate();
	return hosted;
}

/** A node after the trigger that calls the perks API (so a run takes as long as the API answers). */
function balanceLookup() {
	return node(
		'Balance',
		TYPE.balanceLookup,
		{ lookUpBy: 'email', email: '={{ $json.employeeEmail }}' } as never,
		{
			credentials: perksCredentialRef(),
		},
	);
}

async function publishWith(...after: ReturnType<typeof node>[]): Promise<HostedWorkflow> {
	return await publish({}, {}, after);
}

function employee(overrides = {}) {
	return perks.addEmployee({
		email: 'ada@example.com',
		name: 'Ada Lovelace',
		locale: 'it',
		...overrides,
	});
}

describe('Perks Trigger: registration', () => {
	it('registers its production URL for the chosen events on activation and removes it on deactivation', async () => {
		const wf = await publish({ events: ['wallet.funded', 'perk.redeemed'] });
		const registered = perks.webhooks.filter((w) => w.url === wf.url);
		expect(registered).toHaveLength(1);
		expect(registered[0].events.sort()).toEqual(['perk.redeemed', 'wallet.funded']);
		expect(wf.workflow.staticData).toMatchObject({});
		await wf.deactivate();
		expect(perks.webhooks.filter((w) => w.url === wf.url)).toHaveLength(0);
	});

	it('keeps an existing registration on re-activation and replaces it when the events changed', async () => {
		const wf = await publish({ events: ['wallet.funded'] });
		const first = perks.webhooks.find((w) => w.url === wf.url)!;
		await wf.activate();
		expect(perks.webhooks.filter((w) => w.url === wf.url).map((w) => w.id)).toEqual([first.id]);

		wf.workflow.getNode('Perks Trigger')!.parameters.events = ['wallet.low_balance'];
		await wf.activate();
		const now = perks.webhooks.filter((w) => w.url === wf.url);
		expect(now).toHaveLength(1);
		expect(now[0].id).not.toBe(first.id);
		expect(now[0].events).toEqual(['wallet.low_balance']);
		await wf.deactivate();
	});

	it("keeps the editor's test URL and the production URL apart", async () => {
		const wf = await publish({ events: ['wallet.funded'] });
		const production = perks.webhooks.find((w) => w.url === wf.url)!;
		await wf.activateTest();
		expect(perks.webhooks.filter((w) => w.url === wf.testUrl)).toHaveLength(1);
		await wf.deactivateTest();
		expect(perks.webhooks.filter((w) => w.url === wf.testUrl)).toHaveLength(0);
		expect(perks.webhooks.find((w) => w.url === wf.url)?.id).toBe(production.id);
		const [delivery] = await perks.deliver(
			walletFundedEvent(employee(), { amount: 1, balance: 1 }),
			{ url: wf.url },
		);
		expect(delivery.status).toBe(200);
		await wf.activate();
		expect(perks.webhooks.filter((w) => w.url === wf.url).map((w) => w.id)).toEqual([
			production.id,
		]);
	});

	it('defaults to all four event types', async () => {
		const wf = await publish();
		expect(perks.webhooks.find((w) => w.url === wf.url)!.events.sort()).toEqual([
			'catalog.perk_added',
			'perk.redeemed',
			'wallet.funded',
			'wallet.low_balance',
		]);
		await wf.deactivate();
	});

	it('manual registration registers nothing and refuses to activate without a webhook secret', async () => {
		const before = perks.webhooks.length;
		await expect(publish({ registration: 'manual' })).rejects.toThrow(/webhook secret/i);
		await hosted?.stop();
		hosted = undefined;
		await publish({ registration: 'manual' }, { webhookSecret: 'whsec_manual_secret' });
		expect(perks.webhooks.length).toBe(before);
	});

	it('names the fix when the API key is wrong', async () => {
		workflowCount++;
		const trigger = node(
			'Perks Trigger',
			TYPE.trigger,
			{},
			{
				webhookId: `hook-${workflowCount}`,
				credentials: perksCredentialRef(),
			},
		);
		hosted = await hostWorkflow(chain(`wf-badkey-${workflowCount}`, trigger), 'Perks Trigger', {
			credentials: { perksApi: { baseUrl: perks.baseUrl, apiKey: 'wrong-key' } },
		});
		const failure = await hosted
			.activate()
			.catch((error: { description?: string; message: string }) => error);
		expect(failure).toBeInstanceOf(Error);
		expect(String((failure as { description?: string }).description)).toMatch(/API Key/);
		expect(JSON.stringify(failure)).not.toContain('wrong-key');
	});
});

describe('Perks Trigger: deliveries', () => {
	it('starts the workflow with the flat fields of a signed wallet.funded event', async () => {
		const wf = await publish();
		const ada = employee();
		const event = walletFundedEvent(ada, { amount: 100, balance: 220, period: '2026-11' });
		const [delivery] = await perks.deliver({ ...event, extra_top_level: 'kept' });
		// Answered after the workflow ran (n8n's "lastNode" mode), with no body.
		expect(delivery.status).toBe(200);
		expect(delivery.body).toBe('');
		const [run] = await wf.settled();
		const [item] = run.output('Perks Trigger');
		expect(item).toMatchObject({
			eventId: event.id,
			eventType: 'wallet.funded',
			eventCreatedAt: event.created_at,
			employeeId: ada.id,
			employeeEmail: 'ada@example.com',
			employeeName: 'Ada Lovelace',
			employeeLocale: 'it',
			amount: 100,
			balance: 220,
			currency: 'points',
			period: '2026-11',
		});
		expect((item.event as Record<string, unknown>).extra_top_level).toBe('kept');
	});

	it.each([
		[
			'perk.redeemed',
			() =>
				perkRedeemedEvent(employee(), perks.addPerk({ name: 'Spa day', cost: 40 }), {
					balance: 180,
				}),
			{ perkName: 'Spa day', perkCost: 40, balance: 180 },
		],
		[
			'wallet.low_balance',
			() => lowBalanceEvent(employee(), { balance: 15, threshold: 20 }),
			{ balance: 15, threshold: 20 },
		],
		[
			'catalog.perk_added',
			() => perkAddedEvent(perks.addPerk({ name: 'Yoga class', cost: 25, category: 'wellness' })),
			{ perkName: 'Yoga class', perkCategory: 'wellness' },
		],
	] as Array<[PerksEventType, () => ReturnType<typeof perkAddedEvent>, Record<string, unknown>]>)(
		'flattens %s',
		async (type, build, expected) => {
			const wf = await publish();
			const event = build();
			expect((await perks.deliver(event))[0].status).toBe(200);
			const [run] = await wf.settled();
			expect(run.output('Perks Trigger')[0]).toMatchObject({ eventType: type, ...expected });
		},
	);

	it.each(['wrong_secret', 'stale', 'tampered', 'unsigned'] as const)(
		'answers 401 to a %s delivery and runs nothing',
		async (signature) => {
			const wf = await publish();
			const [delivery] = await perks.deliver(
				walletFundedEvent(employee(), { amount: 1, balance: 1 }),
				{
					signature,
				},
			);
			expect(delivery.status).toBe(401);
			expect(JSON.parse(delivery.body).error).toBe('invalid_signature');
			expect(wf.executions).toHaveLength(0);
		},
	);

	it('accepts a delivery signed with a rotated secret among several v1 entries', async () => {
		const wf = await publish();
		const [delivery] = await perks.deliver(lowBalanceEvent(employee(), { balance: 3 }), {
			signature: 'rotated',
		});
		expect(delivery.status).toBe(200);
		expect(await wf.settled()).toHaveLength(1);
	});

	it('answers 400 naming the field of a malformed body, and runs nothing', async () => {
		const wf = await publish();
		const event = walletFundedEvent(employee(), { amount: 5, balance: 5 });
		const broken = {
			...event,
			data: { ...event.data, employee: { ...event.data.employee, email: 'not-an-email' } },
		};
		const [bad] = await perks.deliver(broken);
		expect(bad.status).toBe(400);
		expect(JSON.parse(bad.body)).toMatchObject({
			error: 'invalid_event',
			field: 'data.employee.email',
		});

		const [missing] = await perks.deliver({ ...event, data: { ...event.data, amount: undefined } });
		expect(JSON.parse(missing.body).field).toBe('data.amount');

		const [notJson] = await perks.deliver(event, { rawBody: '{"id": "evt_1", "type": ' });
		expect(notJson.status).toBe(400);
		expect(JSON.parse(notJson.body).field).toBe('(body)');
		expect(wf.executions).toHaveLength(0);
	});

	it('over HTTP: runs an event with a big integer balance (kept exact), refuses 1e400 and an email that is not UTF-8', async () => {
		const wf = await publish();
		const event = walletFundedEvent(employee(), { amount: 5, balance: 5 });
		const text = JSON.stringify(event);
		const [big] = await perks.deliver(event, {
			rawBody: text.replace('"balance":5', '"balance":123456789012345678901234567890'),
		});
		expect(big.status).toBe(200);
		const [run] = await wf.settled();
		expect(run.output('Perks Trigger')[0]).toMatchObject({
			amount: 5,
			balance: '123456789012345678901234567890',
		});

		const [huge] = await perks.deliver(event, {
			rawBody: text.replace('"amount":5', '"amount":1e400'),
		});
		expect(huge.status).toBe(400);
		expect(JSON.parse(huge.body)).toMatchObject({ error: 'invalid_event', field: 'data.amount' });
		const at = text.indexOf('@');
		const latin1 = Buffer.concat([
			Buffer.from(text.slice(0, at)),
			Buffer.from([0xff]),
			Buffer.from(text.slice(at)),
		]);
		const [bytes] = await perks.deliver(event, { rawBody: latin1 });
		expect(bytes.status).toBe(400);
		expect(JSON.parse(bytes.body)).toMatchObject({
			error: 'invalid_utf8',
			field: 'data.employee.email',
			fix: expect.any(String),
		});
		expect(wf.executions).toHaveLength(1);
	});

	it('acknowledges an unknown or unselected event type without running', async () => {
		const wf = await publish({ events: ['wallet.funded'] });
		const [unknown] = await perks.deliver({ type: 'wallet.frozen', data: {} }, { url: wf.url });
		expect(unknown.status).toBe(200);
		expect(JSON.parse(unknown.body).ignored).toBe('unknown_event_type');
		const [unselected] = await perks.deliver(lowBalanceEvent(employee(), { balance: 1 }), {
			url: wf.url,
		});
		expect(unselected.status).toBe(200);
		expect(JSON.parse(unselected.body).ignored).toBe('event_not_selected');
		expect(wf.executions).toHaveLength(0);
	});

	it('answers copies that arrive while the event is being handled 409 "in progress", and runs it once', async () => {
		const ada = employee();
		perks.setLatency('/v1/employees', 400);
		try {
			const wf = await publishWith(balanceLookup());
			const event = walletFundedEvent(ada, { amount: 10, balance: 30 });
			const concurrent = await perks.deliver(event, { times: 5 });
			expect(concurrent.map((d) => d.status).sort()).toEqual([200, 409, 409, 409, 409]);
			for (const copy of concurrent.filter((d) => d.status === 409)) {
				expect(JSON.parse(copy.body)).toEqual({ error: 'in_progress', id: event.id });
			}
			expect(await wf.settled()).toHaveLength(1);
			// Once answered, a redelivery runs again: the sending nodes' ledger, not the trigger, skips it.
			const [later] = await perks.deliver(event);
			expect(later.status).toBe(200);
			expect(await wf.settled()).toHaveLength(2);
		} finally {
			perks.setLatency('/v1/employees', 0);
		}
	});

	it('answers 500 when the workflow fails, so the platform redelivers the event', async () => {
		const wf = await publishWith(balanceLookup());
		const stranger = {
			id: 'emp_nobody',
			email: 'nobody@example.com',
			name: 'Nobody',
			locale: 'en',
			active: true,
		};
		const [delivery] = await perks.deliver(
			walletFundedEvent(stranger, { amount: 10, balance: 30 }),
		);
		expect(delivery.status).toBe(500);
		const [run] = await wf.settled();
		expect(run.failedNode()).toBe('Balance');
	});

	it('verifies a manually registered webhook with the credential secret', async () => {
		const wf = await publish({ registration: 'manual' }, { webhookSecret: 'whsec_manual_secret' });
		const event = walletFundedEvent(employee(), { amount: 1, balance: 2 });
		const [ok] = await perks.deliver(event, { url: wf.url, secret: 'whsec_manual_secret' });
		expect(ok.status).toBe(200);
		const [forged] = await perks.deliver(event, { url: wf.url, secret: 'whsec_guess' });
		expect(forged.status).toBe(401);
		expect(await wf.settled()).toHaveLength(1);
	});
});

describe('Perks Trigger: the signing secret at rest', () => {
	const secretsOf = (wf: HostedWorkflow) =>
		perks.webhooks.filter((w) => w.url === wf.url || w.url === wf.testUrl).map((w) => w.secret);
	type Stored = Record<string, Record<string, unknown>>;
	/** The trigger's static data as n8n keeps it (under "node:<name>"). */
	const registrationsOf = (wf: HostedWorkflow): Stored =>
		(wf.workflow.staticData['node:Perks Trigger'] as { registrations?: Stored } | undefined)
			?.registrations ?? {};
	const fund = () => walletFundedEvent(employee(), { amount: 1, balance: 1 });
	afterEach(() => {
		perks.apiKey = 'perks_test_key';
		// So that unpublishing can delete the webhook.
		if (liveCredentials) liveCredentials.perksApi.apiKey = perks.apiKey;
		jest.restoreAllMocks();
	});

	/** Counts reads of the API key, as n8n decrypting the credential would. */
	const countReads = () => {
		const credential = liveCredentials!.perksApi;
		const apiKey = credential.apiKey;
		const counter = { reads: 0 };
		Object.defineProperty(credential, 'apiKey', {
			enumerable: true,
			configurable: true,
			get: () => (counter.reads++, apiKey),
			set: (value: string) =>
				Object.defineProperty(credential, 'apiKey', { value, writable: true, enumerable: true }),
		});
		return counter;
	};

	it('the hot path reads the credential once per process, not per delivery', async () => {
		const wf = await publish();
		const counter = countReads();
		for (let i = 0; i < 5; i++)
			expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		expect(counter.reads).toBe(0);
		forgetCachedSecrets();
		for (let i = 0; i < 5; i++)
			expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		expect(counter.reads).toBe(1);
	});

	it('plain text that comes back from the database (n8n did not save the change) is sealed again without a credential read', async () => {
		const wf = await publish();
		const plain = perks.webhooks.find((w) => w.url === wf.url)!.secret;
		const registration = registrationsOf(wf)[wf.url];
		forgetCachedSecrets();
		const counter = countReads();
		for (let i = 0; i < 4; i++) {
			registration.webhookSecret = plain;
			delete registration.sealedSecret;
			expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
			expect(leakedForms(wf.workflow.staticData, [plain])).toEqual([]);
		}
		expect(counter.reads).toBe(1);
	});

	it('static data holds webhook ids and ciphertext, never a secret (production and test URL), and deliveries verify', async () => {
		const wf = await publish({ events: ['wallet.funded'] });
		await wf.activateTest();
		const secrets = secretsOf(wf);
		expect(secrets).toHaveLength(2);
		expect(leakedForms(wf.workflow.staticData, secrets)).toEqual([]);
		const stored = Object.values(registrationsOf(wf));
		expect(stored).toHaveLength(2);
		for (const registration of stored) {
			expect(Object.keys(registration).sort()).toEqual([
				'sealedSecret',
				'webhookEvents',
				'webhookId',
			]);
		}
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		expect((await perks.deliver(fund(), { url: wf.testUrl }))[0].status).toBe(200);
		await wf.deactivateTest();
	});

	it('a signed delivery still verifies after a restart (secrets opened again from the credential)', async () => {
		const wf = await publish();
		forgetCachedSecrets();
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		forgetCachedSecrets();
		expect(
			(await perks.deliver(fund(), { url: wf.url, signature: 'wrong_secret' }))[0].status,
		).toBe(401);
		expect(leakedForms(wf.workflow.staticData, secretsOf(wf))).toEqual([]);
	});

	it('API key rotated and n8n restarted: deliveries are refused with one logged fix; publishing again registers anew', async () => {
		const errors = jest.spyOn(nodeLoggerClass().prototype, 'error');
		const wf = await publish();
		const before = perks.webhooks.find((w) => w.url === wf.url)!;
		perks.apiKey = 'perks_rotated_key';
		liveCredentials!.perksApi.apiKey = 'perks_rotated_key';
		forgetCachedSecrets();
		for (let i = 0; i < 3; i++)
			expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(401);
		const logged = errors.mock.calls.filter(
			([, meta]) => (meta as { code?: string } | undefined)?.code === 'webhook_secret_unreadable',
		);
		expect(logged).toHaveLength(1);
		expect(logged[0][0]).toMatch(/API Key changed/);
		expect(String((logged[0][1] as { fix?: string }).fix)).toMatch(/publish the workflow again/);
		expect(JSON.stringify(logged)).not.toContain(before.secret);

		await wf.activate();
		const after = perks.webhooks.filter((w) => w.url === wf.url);
		expect(after.map((w) => w.id)).not.toContain(before.id);
		expect(after).toHaveLength(1);
		forgetCachedSecrets();
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		expect(leakedForms(wf.workflow.staticData, [before.secret, after[0].secret])).toEqual([]);
	});

	it('API key rotated while running: deliveries go on, and publishing again re-seals without re-registering', async () => {
		const wf = await publish();
		const before = perks.webhooks.find((w) => w.url === wf.url)!;
		perks.apiKey = 'perks_rotated_key_2';
		liveCredentials!.perksApi.apiKey = 'perks_rotated_key_2';
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		await wf.activate();
		expect(perks.webhooks.filter((w) => w.url === wf.url).map((w) => w.id)).toEqual([before.id]);
		forgetCachedSecrets();
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
	});

	it('plain-text secrets of older versions: used, sealed and dropped on the first delivery, or on publishing', async () => {
		const wf = await publish();
		await wf.activateTest();
		const legacy = () => {
			for (const [url, registration] of Object.entries(registrationsOf(wf))) {
				registration.webhookSecret = perks.webhooks.find((w) => w.url === url)!.secret;
				delete registration.sealedSecret;
			}
			forgetCachedSecrets();
			expect(leakedForms(wf.workflow.staticData, secretsOf(wf))).not.toEqual([]);
		};
		legacy();
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		expect(leakedForms(wf.workflow.staticData, secretsOf(wf))).toEqual([]);
		forgetCachedSecrets();
		expect((await perks.deliver(fund(), { url: wf.testUrl }))[0].status).toBe(200);

		legacy();
		const ids = perks.webhooks.map((w) => w.id).sort();
		await wf.activate();
		await wf.activateTest();
		expect(leakedForms(wf.workflow.staticData, secretsOf(wf))).toEqual([]);
		expect(perks.webhooks.map((w) => w.id).sort()).toEqual(ids);
		forgetCachedSecrets();
		expect((await perks.deliver(fund(), { url: wf.url }))[0].status).toBe(200);
		await wf.deactivateTest();
	});
});

describe("Perks Trigger: the editor's test URL does not block production", () => {
	const secret = 'whsec_mode_test';
	const signed = () => {
		const event = walletFundedEvent(
			{ id: 'emp_mode', email: 'ada@example.com', name: 'Ada', locale: 'en', active: true },
			{ amount: 1, balance: 2 },
		);
		const rawBody = Buffer.from(JSON.stringify(event));
		return { event, rawBody, header: signatureHeader(secret, rawBody) };
	};

	it('handleDelivery: one event in flight under the test scope still starts under the production scope', () => {
		const inFlight = new RecentKeys(100, 60_000);
		const { rawBody, header } = signed();
		const deliver = (dedupeScope: string) =>
			handleDelivery({
				rawBody,
				signatureHeader: header,
				secrets: [secret],
				selectedEvents: ['wallet.funded'],
				dedupeScope,
				inFlight,
			});
		expect(deliver('manual:wf:node').action).toBe('start');
		expect(deliver('webhook:wf:node').action).toBe('start');
		expect(deliver('webhook:wf:node')).toMatchObject({ action: 'reject', status: 409 });
		expect(deliver('manual:wf:node')).toMatchObject({ action: 'reject', status: 409 });
	});

	it("the node's webhook(): a copy held by the test URL (manual) does not make production (webhook) answer 409", async () => {
		const { event, rawBody, header } = signed();
		const responses: Array<{ status?: number; body?: unknown; emitter: EventEmitter }> = [];
		const call = async (mode: 'manual' | 'webhook') => {
			const emitter = new EventEmitter();
			const answer: { status?: number; body?: unknown; emitter: EventEmitter } = { emitter };
			responses.push(answer);
			const response = {
				status: (code: number) => ((answer.status = code), response),
				json: (body: unknown) => ((answer.body = body), response),
				once: (name: string, listener: () => void) => (emitter.once(name, listener), response),
			};
			const context = {
				getRequestObject: () => ({ rawBody }),
				getCredentials: async () => ({
					baseUrl: 'http://127.0.0.1:1',
					apiKey: 'k',
					webhookSecret: secret,
				}),
				getWorkflowStaticData: () => ({}),
				getHeaderData: () => ({ 'perks-signature': header }),
				getNodeParameter: () => ['wallet.funded'],
				getMode: () => mode,
				getWorkflow: () => ({ id: 'wf-modes' }),
				getNode: () => ({ id: 'trigger-modes' }),
				getResponseObject: () => response,
			} as unknown as IWebhookFunctions;
			return await new PerksTrigger().webhook.call(context);
		};
		const test = await call('manual');
		expect(test.workflowData?.[0][0].json).toMatchObject({ eventId: event.id });
		const production = await call('webhook');
		expect(production.workflowData?.[0][0].json).toMatchObject({ eventId: event.id });
		// A second production copy while the first runs is 409, and freed once it has answered.
		const copy = await call('webhook');
		expect(copy).toEqual({ noWebhookResponse: true });
		expect(responses[2]).toMatchObject({
			status: 409,
			body: { error: 'in_progress', id: event.id },
		});
		for (const r of responses) r.emitter.emit('close');
		expect((await call('webhook')).workflowData).toBeDefined();
		responses[3].emitter.emit('close');
	});
});
