/**
 * Perks Trigger → Perks Balance Lookup in a real n8n 2.41.1 (our package installed as a
 * community package, the workflow imported and published with the n8n CLI), against the
 * perks emulator on loopback. What only a real n8n can show: the production webhook URL n8n
 * gives the trigger, that the request n8n hands to `webhook()` carries the raw body the
 * signature is computed over, that the registration's sealed secret survives in workflow static
 * data and opens again (n8n rebuilds the workflow from its database for every webhook request)
 * while neither the database nor n8n's REST API ever holds the secret itself, and that the
 * execution n8n starts runs the next node with the credential n8n decrypted.
 */
import { randomUUID } from 'node:crypto';

import {
	newId,
	PerksEmulator,
	perkRedeemedEvent,
	walletFundedEvent,
} from '../../emulators/perksApi';
import {
	N8nInstance,
	sleep,
	waitFor,
	type ExecutionRow,
	type WorkflowJson,
} from '../../harness/n8n';
import { E2E_OWNER, setUpOwner, workflowFromApi } from '../../harness/n8n/templateSetup';
import { leakedForms } from '../../harness/inProcess/secretsAtRest';
import type { Employee } from '../../nodes/shared/perks/contract';

const WORKFLOW_ID = 'perksTriggerE2e01';
const CREDENTIAL_ID = 'perksApiE2e00001';
const WEBHOOK_ID = randomUUID();
const TRIGGER = 'Perks Trigger';
const LOOKUP = 'Perks Balance Lookup';

const perks = new PerksEmulator();
let n8n: N8nInstance;

function workflow(): WorkflowJson {
	const credentials = { perksApi: { id: CREDENTIAL_ID, name: 'Perks API (emulator)' } };
	return {
		id: WORKFLOW_ID,
		name: 'Perks Trigger → Balance Lookup (e2e)',
		nodes: [
			{
				id: randomUUID(),
				name: TRIGGER,
				type: 'n8n-nodes-perks.perksTrigger',
				typeVersion: 2,
				position: [0, 0],
				webhookId: WEBHOOK_ID,
				parameters: { events: ['wallet.funded'] },
				credentials,
			},
			{
				id: randomUUID(),
				name: LOOKUP,
				type: 'n8n-nodes-perks.perksBalanceLookup',
				typeVersion: 1,
				position: [260, 0],
				parameters: { lookUpBy: 'email', email: '={{ $json.employeeEmail }}' },
				credentials,
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: LOOKUP, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const webhookUrl = () => n8n.webhookUrl(WEBHOOK_ID);
const ours = () => perks.webhooks.filter((w) => w.url === webhookUrl());

function walletLookups(employee: Employee) {
	return perks.requests.filter(
		(r) => r.method === 'GET' && r.path === `/v1/wallets/${employee.id}`,
	);
}

function employee(name: string): Employee {
	const slug = name
		.normalize('NFKD')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '.')
		.replace(/^\.|\.$/g, '');
	return perks.addEmployee({ email: `${slug}.${newId('e', 3)}@example.com`, name, locale: 'en' });
}

/** A response body as JSON when it is JSON, else the text itself. */
function bodyOf(delivery: { body: string }): unknown {
	try {
		return JSON.parse(delivery.body);
	} catch {
		return delivery.body;
	}
}

async function waitForWalletLookups(who: Employee, count: number): Promise<void> {
	await waitFor(() => walletLookups(who).length >= count, {
		what: `${count} wallet lookup(s) for ${who.email}: the workflow run reaching the Balance Lookup`,
		timeoutMs: 30_000,
		instance: n8n,
	});
}

/** Every execution of the workflow that has finished, once none is running. */
async function settledExecutions(): Promise<ExecutionRow[]> {
	return await waitFor(
		async () => {
			const rows = await n8n.executions(WORKFLOW_ID);
			return rows.every(
				(row) => row.finished || ['success', 'error', 'crashed'].includes(row.status),
			)
				? rows
				: undefined;
		},
		{ what: 'running executions to finish', timeoutMs: 30_000, instance: n8n },
	);
}

/**
 * Delivers a fresh, valid event and waits until its run has looked up the wallet. Anything a
 * delivery sent before it would have started has had the same time to reach the wallet lookup,
 * so "no wallet lookup for X" after this is a real negative, not an early look.
 */
async function deliverSentinel(): Promise<Employee> {
	const sentinel = employee('Sentinel');
	const [result] = await perks.deliver(walletFundedEvent(sentinel, { amount: 1, balance: 1 }));
	expect(result.status).toBe(200);
	await waitForWalletLookups(sentinel, 1);
	await sleep(300);
	return sentinel;
}

beforeAll(async () => {
	await perks.start();
	n8n = await N8nInstance.launch({
		name: 'perks-trigger',
		credentials: [
			{
				id: CREDENTIAL_ID,
				name: 'Perks API (emulator)',
				type: 'perksApi',
				// No webhookSecret: deliveries must verify with the secret the trigger registered.
				data: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			},
		],
		workflows: [workflow()],
	});
	// Publication is asynchronous in n8n 2.x: the trigger registers after the server is ready.
	await waitFor(() => ours().length > 0, {
		what: 'the Perks Trigger to register its webhook with the emulator',
		timeoutMs: 60_000,
		instance: n8n,
	});
	process.stdout.write(
		`[e2e] n8n prepare ${n8n.timings.prepareMs} ms (${n8n.timings.cli.map((c) => `${c.command} ${c.ms} ms`).join(', ')}), ` +
			`first start ${n8n.timings.startsMs[0]} ms\n`,
	);
}, 600_000);

afterAll(async () => {
	await n8n?.dispose();
	await perks.stop();
	const calls = new Map<string, number>();
	for (const r of perks.requests) {
		const key = `${r.method} ${r.path.replace(/\/(emp|wh)_[0-9a-f]+/, '/$1_…')}`;
		calls.set(key, (calls.get(key) ?? 0) + 1);
	}
	process.stdout.write(`[e2e] perks API calls: ${JSON.stringify(Object.fromEntries(calls))}\n`);
	if (n8n) {
		process.stdout.write(
			`[e2e] n8n starts ${n8n.timings.startsMs.join(', ')} ms; stops ${n8n.timings.stopsMs.join(', ')} ms; log ${n8n.logFile}\n`,
		);
	}
});

describe('Perks Trigger in a real n8n', () => {
	it('registers its production webhook URL with the perks API when n8n starts the published workflow', async () => {
		const creates = perks.requests.filter((r) => r.method === 'POST' && r.path === '/v1/webhooks');
		expect(creates).toHaveLength(1);
		const body = creates[0].body as { url: string; events: string[] };
		expect(body.url).toContain(WEBHOOK_ID);
		expect(body).toEqual({
			url: `http://127.0.0.1:${n8n.port}/webhook/${WEBHOOK_ID}/webhook`,
			events: ['wallet.funded'],
		});
		expect(creates[0].headers.authorization).toBe(`Bearer ${perks.apiKey}`);
		expect(ours()).toHaveLength(1);

		// n8n saved what create() put in the node's static data: webhook() opens the sealed secret
		// from there, in a workflow n8n rebuilds from its database for each request.
		const staticData = await waitFor(() => n8n.workflowStaticData(WORKFLOW_ID), {
			what: 'static data saved after activation',
			instance: n8n,
		});
		expect(staticData[`node:${TRIGGER}`]).toEqual({
			registrations: {
				[webhookUrl()]: {
					webhookId: ours()[0].id,
					sealedSecret: expect.stringMatching(/^v1\./),
					webhookEvents: ['wallet.funded'],
				},
			},
		});
		expect(leakedForms(staticData, [ours()[0].secret])).toEqual([]);
	});

	it("the workflow as n8n's REST API returns it holds no webhook secret", async () => {
		const browserId = 'perks-trigger-e2e';
		const cookie = await setUpOwner(n8n, E2E_OWNER, browserId);
		const answer = await workflowFromApi(n8n, { cookie, browserId }, WORKFLOW_ID);
		expect(JSON.stringify(answer.data.staticData)).toContain(ours()[0].id);
		expect(leakedForms(answer, [ours()[0].secret, perks.apiKey])).toEqual([]);
	});

	it('answers a signed wallet.funded with 200 and runs the workflow through the Balance Lookup', async () => {
		const ada = employee('Ada Lovelace');
		perks.setBalance(ada.id, 220);
		const event = walletFundedEvent(ada, { amount: 100, balance: 220, period: '2026-11' });
		const [delivery] = await perks.deliver(event);

		expect(delivery).toMatchObject({ url: webhookUrl(), status: 200 });
		await waitForWalletLookups(ada, 1);
		// The email came from the trigger's item through the expression, and the API key from the
		// credential n8n decrypted.
		const lookup = perks.requests.find(
			(r) => r.path === '/v1/employees/lookup' && r.query.email === ada.email,
		);
		expect(lookup?.headers.authorization).toBe(`Bearer ${perks.apiKey}`);

		const runs = await settledExecutions();
		expect(runs.at(-1)).toMatchObject({ mode: 'webhook', status: 'success', finished: true });
	});

	it('verifies the signature over the exact bytes received (req.rawBody), not re-serialized JSON', async () => {
		const eve = employee('Ève Écrivain');
		const event = walletFundedEvent(eve, { amount: 5, balance: 25 });
		// Pretty-printed, escaped non-ASCII, a trailing newline: JSON.stringify(req.body) would
		// give other bytes, so only the raw body verifies.
		const raw = `${JSON.stringify(event, null, 3).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
		expect(raw).not.toBe(JSON.stringify(JSON.parse(raw)));
		const [delivery] = await perks.deliver(event, { rawBody: raw });

		expect(delivery).toMatchObject({ status: 200 });
		await waitForWalletLookups(eve, 1);
	});

	// Version 2: n8n leaves a body it does not parse unread, and the trigger reads the bytes itself.
	it.each([['text/plain'], ['application/octet-stream'], [null]])(
		'accepts a signed event sent with content type %s (the signature covers the raw bytes)',
		async (contentType) => {
			const tia = employee('Tia Contenttype');
			const [delivery] = await perks.deliver(walletFundedEvent(tia, { amount: 2, balance: 2 }), {
				contentType,
			});
			expect(delivery.status).toBe(200);
			expect(walletLookups(tia)).toHaveLength(1);
			const [forged] = await perks.deliver(walletFundedEvent(tia, { amount: 3, balance: 3 }), {
				contentType,
				signature: 'tampered',
			});
			expect(forged.status).toBe(401);
		},
	);

	it('answers a delivery once the workflow has run: 200 with no body on success', async () => {
		const gus = employee('Gus Acknowledged');
		const event = walletFundedEvent(gus, { amount: 1, balance: 1 });
		const [delivery] = await perks.deliver(event);
		expect(delivery.status).toBe(200);
		expect(delivery.body).toBe('');
		// n8n's "lastNode" mode: the answer came after the run, so its lookup already happened.
		expect(walletLookups(gus)).toHaveLength(1);
	});

	it('answers 500 when the workflow fails, so the platform redelivers the event', async () => {
		const stranger = {
			id: 'emp_unknown',
			email: 'unknown@example.com',
			name: 'Nobody',
			locale: 'en',
			active: true,
		};
		const [delivery] = await perks.deliver(walletFundedEvent(stranger, { amount: 1, balance: 1 }));
		expect(delivery.status).toBe(500);
		const runs = await settledExecutions();
		expect(runs.at(-1)).toMatchObject({ status: 'error' });
	});

	it('rejects a wrong signature with 401 and starts nothing', async () => {
		const before = (await settledExecutions()).length;
		const bob = employee('Bob Wrongsig');
		const [delivery] = await perks.deliver(walletFundedEvent(bob, { amount: 10, balance: 10 }), {
			signature: 'wrong_secret',
		});
		expect(delivery.status).toBe(401);
		expect(bodyOf(delivery)).toEqual({ error: 'invalid_signature', reason: 'mismatch' });

		// Also straight at n8n: no signature header at all.
		const unsigned = await n8n.postWebhook(
			WEBHOOK_ID,
			walletFundedEvent(bob, { amount: 1, balance: 1 }),
		);
		expect(unsigned.status).toBe(401);
		expect(unsigned.json).toEqual({ error: 'invalid_signature', reason: 'missing' });

		await deliverSentinel();
		expect(walletLookups(bob)).toHaveLength(0);
		expect(await settledExecutions()).toHaveLength(before + 1); // the sentinel's
	});

	it('acknowledges an event type the trigger does not listen to without starting the workflow', async () => {
		const before = (await settledExecutions()).length;
		const cy = employee('Cy Unselected');
		const perk = perks.addPerk({ name: 'Spa day', cost: 40 });
		const event = perkRedeemedEvent(cy, perk, { balance: 0 });
		// The emulator only sends subscribed types; address the webhook directly.
		const [delivery] = await perks.deliver(event, { url: webhookUrl() });
		expect(delivery.status).toBe(200);
		expect(bodyOf(delivery)).toEqual({
			received: true,
			id: event.id,
			ignored: 'event_not_selected',
		});
		await deliverSentinel();
		expect(walletLookups(cy)).toHaveLength(0);
		expect(await settledExecutions()).toHaveLength(before + 1);
	});

	it('runs the workflow once when the same event arrives three times at once; the copies get 409 "in progress"', async () => {
		const before = (await settledExecutions()).length;
		const dee = employee('Dee Duplicate');
		const event = walletFundedEvent(dee, { amount: 50, balance: 70 });
		perks.setLatency('/v1/wallets', 800);
		let deliveries;
		try {
			deliveries = await perks.deliver(event, { times: 3 });
		} finally {
			perks.setLatency('/v1/wallets', 0);
		}
		expect(deliveries.map((d) => d.status).sort()).toEqual([200, 409, 409]);
		for (const copy of deliveries.filter((d) => d.status === 409)) {
			expect(bodyOf(copy)).toEqual({ error: 'in_progress', id: event.id });
		}
		await deliverSentinel();
		expect(walletLookups(dee)).toHaveLength(1);
		expect(await settledExecutions()).toHaveLength(before + 2); // the event's and the sentinel's
	});

	// Delivered (and run) before the restart; redelivered after it by the next test.
	let beforeRestart: { event: ReturnType<typeof walletFundedEvent>; who: Employee } | undefined;

	it('keeps one registration across an n8n restart and still verifies deliveries', async () => {
		const hal = employee('Hal Beforerestart');
		const event = walletFundedEvent(hal, { amount: 20, balance: 20 });
		expect((await perks.deliver(event))[0].status).toBe(200);
		await waitForWalletLookups(hal, 1);
		beforeRestart = { event, who: hal };

		const [registered] = ours();
		const mark = perks.requests.length;
		await n8n.restart();
		// n8n 2.41.1 keeps webhooks in its database across restarts and runs no webhook method
		// (checkExists/create/delete) on stop or start: no perks API call at all.
		await sleep(2_000);
		expect(perks.requests.slice(mark).map((r) => `${r.method} ${r.path}`)).toEqual([]);
		expect(ours()).toHaveLength(1);
		expect(ours()[0].id).toBe(registered.id);

		// The secret comes from static data n8n reloads from its database.
		const fay = employee('Fay Afterrestart');
		const [delivery] = await perks.deliver(walletFundedEvent(fay, { amount: 30, balance: 30 }));
		expect(delivery.status).toBe(200);
		await waitForWalletLookups(fay, 1);
	});

	it("runs the workflow again for a redelivery after a restart (the sending nodes' ledger skips what was sent)", async () => {
		// The trigger only guards copies in flight (nodes/shared/idempotency/recentKeys.ts); the
		// durable guard is the sending nodes' delivery ledger in n8n's database.
		const { event, who } = beforeRestart!;
		const [delivery] = await perks.deliver(event);
		expect(delivery.status).toBe(200);
		await waitForWalletLookups(who, 2);
	});

	it("an older version's plain-text secret in n8n's database still verifies, is sealed, and n8n saves it sealed", async () => {
		const [registered] = ours();
		const legacy = {
			[`node:${TRIGGER}`]: {
				registrations: {
					[webhookUrl()]: {
						webhookId: registered.id,
						webhookSecret: registered.secret,
						webhookEvents: ['wallet.funded'],
					},
				},
			},
		};
		await n8n.stop();
		await n8n.setWorkflowStaticData(WORKFLOW_ID, legacy);
		await n8n.start();
		expect(leakedForms(await n8n.workflowStaticData(WORKFLOW_ID), [registered.secret])).not.toEqual(
			[],
		);

		const ivy = employee('Ivy Upgraded');
		expect((await perks.deliver(walletFundedEvent(ivy, { amount: 5, balance: 5 })))[0].status).toBe(
			200,
		);
		await waitForWalletLookups(ivy, 1);
		// n8n 2.41 saves static data changed in webhook() only when the request starts no run (the
		// run's copy of the workflow resets the change flag): an event the trigger ignores does.
		const perk = perks.addPerk({ name: 'Upgrade day', cost: 1 });
		const [ignored] = await perks.deliver(perkRedeemedEvent(ivy, perk, { balance: 4 }), {
			url: webhookUrl(),
		});
		expect(ignored.status).toBe(200);
		const saved = await waitFor(
			async () => {
				const data = await n8n.workflowStaticData(WORKFLOW_ID);
				return JSON.stringify(data).includes('sealedSecret') ? data : undefined;
			},
			{ what: 'the sealed secret saved by n8n', timeoutMs: 10_000, instance: n8n },
		);
		expect(leakedForms(saved, [registered.secret])).toEqual([]);
		expect(ours().map((w) => w.id)).toEqual([registered.id]);
		const [again] = await perks.deliver(walletFundedEvent(ivy, { amount: 6, balance: 11 }));
		expect(again.status).toBe(200);
	}, 120_000);
});
