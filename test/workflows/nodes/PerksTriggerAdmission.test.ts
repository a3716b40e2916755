/**
 * Perks Trigger admission control over real HTTP on loopback: beyond "Max Events in Flight" runs,
 * or while this process's send queues are longer than the platform's answer window, an event is
 * answered 503 at once and starts nothing; slots come back when answers are written (failed runs
 * too, and runs whose caller hung up only once n8n has answered them); test mode counts apart.
 */
import path from 'node:path';

import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';
import { PACKAGE_ROOT } from '../../../harness/packageRoot';
import { PerksEmulator, walletFundedEvent } from '../../../emulators/perksApi';
import { chain, node, perksCredentialRef, TYPE } from '../../../harness/inProcess/workflows';
import { signatureHeader } from '../../../nodes/shared/perks/signature';
import {
	admit,
	DEFAULT_MAX_EVENTS_IN_FLIGHT,
	effectiveLimit,
	InFlightCounter,
	MAX_EVENTS_IN_FLIGHT_ENV,
} from '../../../nodes/PerksTrigger/admission';
import type { SendThrottle } from '../../../nodes/shared/chat/throttle';

/** The throttle module the hosted nodes run (dist/), so a backlog here is the trigger's backlog. */
const liveThrottle = require(path.join(PACKAGE_ROOT, 'dist/nodes/shared/chat/throttle.js')) as {
	throttleFor(key: string): SendThrottle;
};

/** How long a run takes: the Balance Lookup waits this long for the perks API. */
const RUN_MS = 1_200;
/** A refusal is answered before anything runs: well under this on loopback. */
const QUICK_MS = 100;

const perks = new PerksEmulator();
let hosted: HostedWorkflow | undefined;
let workflows = 0;

beforeAll(async () => {
	await perks.start();
});
afterAll(async () => {
	await perks.stop();
});
afterEach(async () => {
	perks.setLatency('/v1/employees', 0);
	await hosted?.settled();
	await hosted?.deactivate().catch(() => undefined);
	await hosted?.stop();
	hosted = undefined;
});

/** Trigger → Balance Lookup (so a run lasts as long as the perks API answers), published. */
async function publish(maxEventsInFlight?: number): Promise<HostedWorkflow> {
	workflows++;
	const options = maxEventsInFlight === undefined ? {} : { maxEventsInFlight };
	const trigger = node('Perks Trigger', TYPE.trigger, { options } as never, {
		webhookId: `admission-${workflows}`,
		credentials: perksCredentialRef(),
	});
	const lookup = node(
		'Balance',
		TYPE.balanceLookup,
		{ lookUpBy: 'email', email: '={{ $json.employeeEmail }}' } as never,
		{ credentials: perksCredentialRef() },
	);
	hosted = await hostWorkflow(
		chain(`wf-admission-${workflows}`, trigger, lookup),
		'Perks Trigger',
		{
			credentials: { perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey } },
		},
	);
	await hosted.activate();
	perks.setLatency('/v1/employees', RUN_MS);
	return hosted;
}

let people = 0;
function fundedEvent(known = true) {
	people++;
	const email = `admit${people}@example.com`;
	const employee = known
		? perks.addEmployee({ email, name: `Admit ${people}` })
		: { id: `emp_gone${people}`, email, name: 'Gone', locale: 'en', active: true };
	return walletFundedEvent(employee, { amount: 10, balance: 20 });
}

interface Answer {
	status: number;
	retryAfter: string | null;
	body: Record<string, unknown>;
	ms: number;
}

/** One signed delivery, as the platform sends it; `timeoutMs` hangs up early as its 10 s timeout does. */
async function post(url: string, event: { id: string }, timeoutMs = 30_000): Promise<Answer> {
	const secret = perks.webhooks.find((w) => w.url === url)?.secret;
	if (!secret) throw new Error(`no registration for ${url}`);
	const raw = Buffer.from(JSON.stringify(event));
	const began = performance.now();
	const response = await fetch(url, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'perks-signature': signatureHeader(secret, raw),
		},
		body: raw,
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await response.text();
	return {
		status: response.status,
		retryAfter: response.headers.get('retry-after'),
		body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
		ms: performance.now() - began,
	};
}

/** Starts `count` deliveries and waits until each of their runs has begun. */
async function occupy(
	wf: HostedWorkflow,
	url: string,
	count: number,
): Promise<Array<Promise<Answer>>> {
	const before = wf.executions.length;
	const answers = Array.from({ length: count }, () => post(url, fundedEvent()));
	while (wf.executions.length < before + count) await new Promise((r) => setTimeout(r, 10));
	return answers;
}

describe('Perks Trigger admission control', () => {
	it('answers the event beyond "Max Events in Flight" 503 busy with Retry-After at once, starting nothing; admits again once answers went out', async () => {
		const wf = await publish(3);
		const running = await occupy(wf, wf.url, 3);

		const extra = fundedEvent();
		const refused = await post(wf.url, extra);
		expect(refused).toMatchObject({
			status: 503,
			body: { error: 'busy', reason: 'max_events_in_flight', id: extra.id, limit: 3 },
		});
		expect(refused.body.fix).toEqual(expect.stringContaining('redelivers'));
		expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
		expect(refused.ms).toBeLessThan(QUICK_MS);
		expect(wf.executions).toHaveLength(3);

		expect((await Promise.all(running)).map((a) => a.status)).toEqual([200, 200, 200]);
		// The refused event comes again (the platform's redelivery) and now runs.
		expect((await post(wf.url, extra)).status).toBe(200);
		expect(wf.executions).toHaveLength(4);
	});

	it('a failed run gives its slot back (answered 500, the next event runs)', async () => {
		const wf = await publish(1);
		const failed = await post(wf.url, fundedEvent(false));
		expect(failed.status).toBe(500);
		expect((await post(wf.url, fundedEvent())).status).toBe(200);
	});

	it('a run whose caller hung up keeps its slot and its event until n8n answers it, then frees both', async () => {
		const wf = await publish(1);
		const event = fundedEvent();
		const hungUp = await post(wf.url, event, 300).catch((error: { name?: string }) => error);
		expect(hungUp).toMatchObject({ name: 'TimeoutError' });
		// The run goes on: another event is refused, a copy of this one is "in progress".
		expect((await post(wf.url, fundedEvent())).status).toBe(503);
		expect((await post(wf.url, event)).status).toBe(409);
		expect(wf.executions).toHaveLength(1);
		await wf.settled();
		expect((await post(wf.url, fundedEvent())).status).toBe(200);
	});

	it("the editor's test URL is not refused by production's saturation, and has its own limit", async () => {
		const wf = await publish(2);
		await wf.activateTest();
		const production = await occupy(wf, wf.url, 2);
		expect((await post(wf.url, fundedEvent())).status).toBe(503);

		const tests = await occupy(wf, wf.testUrl, 2);
		expect((await post(wf.testUrl, fundedEvent())).body).toMatchObject({
			reason: 'max_events_in_flight',
		});
		const statuses = (await Promise.all([...production, ...tests])).map((a) => a.status);
		expect(statuses).toEqual([200, 200, 200, 200]);
		await wf.deactivateTest();
	});

	it('refuses while the send queues hold more than the answer window drains (production only), and admits once they drained', async () => {
		const wf = await publish();
		await wf.activateTest();
		const throttle = liveThrottle.throttleFor('admission-test:chat.postMessage');
		const noRetry = () => undefined;
		// Calls of 200 ms on 4 slots: a queue of 200 drains in about 10 s.
		await Promise.all(
			Array.from({ length: 4 }, () =>
				throttle.run(() => new Promise((r) => setTimeout(r, 200)), noRetry),
			),
		);
		let unblock!: () => void;
		const blocked = new Promise<void>((resolve) => (unblock = resolve));
		const backlog = Array.from({ length: 204 }, (_, i) =>
			throttle.run(async () => (i < 4 ? await blocked : undefined), noRetry),
		);

		const refused = await post(wf.url, fundedEvent());
		expect(refused).toMatchObject({
			status: 503,
			body: { error: 'busy', reason: 'send_queue_full' },
		});
		expect(refused.body.waitMs).toBeGreaterThan(8_000);
		expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(9);
		expect(refused.ms).toBeLessThan(QUICK_MS);
		expect(wf.executions).toHaveLength(0);
		expect((await post(wf.testUrl, fundedEvent())).status).toBe(200);

		unblock();
		await Promise.all(backlog);
		expect((await post(wf.url, fundedEvent())).status).toBe(200);
		await wf.deactivateTest();
	});

	it('"Max Events in Flight" 0 admits every event (no limit, no queue check)', async () => {
		const wf = await publish(0);
		const answers = await occupy(wf, wf.url, DEFAULT_MAX_EVENTS_IN_FLIGHT + 5);
		expect((await Promise.all(answers)).every((a) => a.status === 200)).toBe(true);
	});
});

describe('"Max Events in Flight" and the ops ceiling', () => {
	const env = (value?: string) =>
		value === undefined ? {} : { [MAX_EVENTS_IN_FLIGHT_ENV]: value };
	it.each([
		[undefined, undefined, DEFAULT_MAX_EVENTS_IN_FLIGHT],
		[5, undefined, 5],
		[0, undefined, 0],
		[50, '10', 10],
		[5, '10', 5],
		[0, '10', 10],
		[-3, 'lots', DEFAULT_MAX_EVENTS_IN_FLIGHT],
	])(`node %p, ${MAX_EVENTS_IN_FLIGHT_ENV}=%p → %p`, (setting, ceiling, expected) => {
		expect(effectiveLimit(setting, env(ceiling))).toBe(expected);
	});
});

describe('refusing on the answer rate: whatever binds (a slow API, a busy CPU), not only the send queues', () => {
	let clock = 0;
	const counter = new InFlightCounter(() => clock);
	const request = (test = false) => ({
		scope: 'webhook:wf:trigger',
		eventId: 'evt_rate',
		limit: 40,
		test,
		counter,
		sendWaitMs: () => 0,
	});

	it('admits up to the limit while too few answers say what the rate is, then refuses a run that would answer after 8 s', () => {
		const releases = Array.from({ length: 12 }, () => {
			const admission = admit(request());
			if (!admission.admitted) throw new Error('refused before any answer');
			return admission.release;
		});
		// One answer a second: with 9 still running, a new run would answer in about 10 s.
		for (const release of releases.slice(0, 3)) {
			clock += 1_000;
			release();
		}
		expect(counter.estimatedAnswerMs('webhook:wf:trigger')).toBeGreaterThan(8_000);
		const refused = admit(request());
		expect(refused).toMatchObject({
			admitted: false,
			status: 503,
			body: { error: 'busy', reason: 'answers_too_slow' },
		});
		expect(refused.admitted === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(9);
		// Test mode keeps only its own limit.
		expect(admit(request(true)).admitted).toBe(true);
		// As runs answer, the estimate falls below the window again.
		for (const release of releases.slice(3, 8)) {
			clock += 1_000;
			release();
		}
		expect(admit(request()).admitted).toBe(true);
	});

	it('never refuses an idle trigger on an old rate', () => {
		clock += 60_000;
		const idle = new InFlightCounter(() => clock);
		for (let i = 0; i < 5; i++) {
			clock += 5_000;
			idle.tryEnter('s', 0)!();
		}
		expect(idle.estimatedAnswerMs('s')).toBe(0);
	});
});
