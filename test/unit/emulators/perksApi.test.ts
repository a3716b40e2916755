import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { parsePerksEvent, type Employee } from '../../../nodes/shared/perks/contract';
import { verifySignature } from '../../../nodes/shared/perks/signature';
import {
	lowBalanceEvent,
	PerksEmulator,
	perkAddedEvent,
	perkRedeemedEvent,
	walletFundedEvent,
	type SignatureMode,
} from '../../../emulators/perksApi';
import { CONTRACT_BACKOFF_MS } from '../../../emulators/perksRedelivery';

type Received = { headers: IncomingHttpHeaders; rawBody: Buffer };

/** A tiny webhook receiver that records what it gets and answers 200. */
class Receiver {
	readonly received: Received[] = [];
	private server: Server | undefined;
	url = '';

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				this.received.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
		return this.url;
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}
}

type Answer = { status: number; delayMs?: number } | 'reset';

/** A webhook receiver answering request n with `script[n]` (200 once the script runs out). */
class ScriptedReceiver {
	readonly received: Array<Received & { id: string }> = [];
	script: Answer[] = [];
	/** Overrides `script`: the answer by event id and how often that id came before. */
	answerFor?: (id: string, seen: number) => Answer;
	maxInFlight = 0;
	url = '';
	private inFlight = 0;
	private server: Server | undefined;
	private readonly timers = new Set<NodeJS.Timeout>();

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const rawBody = Buffer.concat(chunks);
				const id = (JSON.parse(rawBody.toString()) as { id: string }).id;
				const seen = this.received.filter((r) => r.id === id).length;
				const answer = this.answerFor?.(id, seen) ?? this.script[this.received.length];
				this.received.push({ headers: req.headers, rawBody, id });
				if (answer === 'reset') return void req.socket.destroy();
				this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
				const timer = setTimeout(() => {
					this.timers.delete(timer);
					this.inFlight--;
					res.writeHead(answer?.status ?? 200).end();
				}, answer?.delayMs ?? 5);
				this.timers.add(timer);
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
	}

	async stop(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) =>
			this.server ? this.server.close(() => resolve()) : resolve(),
		);
	}
}

describe('PerksEmulator', () => {
	let emulator: PerksEmulator;
	let base: string;

	beforeEach(async () => {
		emulator = new PerksEmulator();
		base = await emulator.start();
	});

	afterEach(async () => {
		await emulator.stop();
	});

	async function call(path: string, init: RequestInit = {}, apiKey = 'perks_test_key') {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (apiKey) headers.authorization = `Bearer ${apiKey}`;
		if (init.body) headers['content-type'] = 'application/json';
		const response = await fetch(`${base}${path}`, { ...init, headers });
		const text = await response.text();
		return {
			status: response.status,
			headers: response.headers,
			body: text ? JSON.parse(text) : undefined,
		};
	}

	describe('HTTP API', () => {
		it('serves under /api on loopback', () => {
			expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
			expect(emulator.baseUrl).toBe(base);
		});

		it('answers 401 unauthorized without a valid API key', async () => {
			for (const key of ['', 'wrong_key']) {
				const res = await call('/v1/account', {}, key);
				expect(res.status).toBe(401);
				expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
			}
			const ok = await call('/v1/account');
			expect(ok.status).toBe(200);
			expect(ok.body.account).toEqual({
				id: expect.stringMatching(/^acc_/),
				name: expect.any(String),
			});
		});

		it('honours a custom API key', async () => {
			const custom = new PerksEmulator({ apiKey: 'perks_other' });
			const url = await custom.start();
			try {
				const res = await fetch(`${url}/v1/account`, {
					headers: { authorization: 'Bearer perks_other' },
				});
				expect(res.status).toBe(200);
			} finally {
				await custom.stop();
			}
		});

		it('walks 5000 employees across pages without duplicates', async () => {
			const seeded = emulator.seedEmployees(5000);
			const seen: string[] = [];
			let cursor: string | null = null;
			let pages = 0;
			do {
				const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
				const res = await call(`/v1/employees?limit=500${query}`);
				expect(res.status).toBe(200);
				seen.push(...res.body.data.map((e: Employee) => e.id));
				cursor = res.body.next_cursor;
				pages++;
			} while (cursor);
			expect(pages).toBe(10);
			expect(new Set(seen).size).toBe(5000);
			expect(seen).toEqual(seeded.map((e) => e.id));
		});

		it('defaults to 100 per page and ends with a null cursor', async () => {
			emulator.seedEmployees(150);
			const first = await call('/v1/employees');
			expect(first.body.data).toHaveLength(100);
			expect(typeof first.body.next_cursor).toBe('string');
			const second = await call(`/v1/employees?cursor=${first.body.next_cursor}`);
			expect(second.body.data).toHaveLength(50);
			expect(second.body.next_cursor).toBeNull();
		});

		it('rejects a bad limit or cursor with 422 validation_failed', async () => {
			for (const query of ['limit=0', 'limit=501', 'limit=abc', 'limit=', 'cursor=bogus']) {
				const res = await call(`/v1/employees?${query}`);
				expect(res.status).toBe(422);
				expect(res.body.error.code).toBe('validation_failed');
			}
		});

		it('looks employees up by email, case-insensitive and trimmed', async () => {
			const ana = emulator.addEmployee({
				email: 'Ana.Lopez@Example.com',
				name: 'Ana',
				locale: 'es',
			});
			expect(ana).toEqual({
				id: expect.stringMatching(/^emp_/),
				email: 'Ana.Lopez@Example.com',
				name: 'Ana',
				locale: 'es',
				active: true,
			});
			const res = await call(
				`/v1/employees/lookup?email=${encodeURIComponent('  ana.lopez@EXAMPLE.com ')}`,
			);
			expect(res.status).toBe(200);
			expect(res.body).toEqual({ employee: ana });

			const missing = await call('/v1/employees/lookup?email=nobody@example.com');
			expect(missing.status).toBe(404);
			expect(missing.body.error.code).toBe('employee_not_found');

			const noParam = await call('/v1/employees/lookup');
			expect(noParam.status).toBe(422);
		});

		it('serves wallets and 404s unknown employees', async () => {
			const employee = emulator.addEmployee();
			expect((await call(`/v1/wallets/${employee.id}`)).body.wallet).toEqual({
				employee_id: employee.id,
				balance: 0,
				currency: 'points',
				low_balance_threshold: 20,
				updated_at: expect.any(String),
			});
			emulator.setBalance(employee.id, 120);
			expect((await call(`/v1/wallets/${employee.id}`)).body.wallet.balance).toBe(120);

			const missing = await call('/v1/wallets/emp_nope');
			expect(missing.status).toBe(404);
			expect(missing.body.error.code).toBe('employee_not_found');
		});

		it('pages the perk catalog', async () => {
			const perks = [
				emulator.addPerk({ name: 'Yoga', cost: 30 }),
				emulator.addPerk(),
				emulator.addPerk(),
			];
			const first = await call('/v1/catalog/perks?limit=2');
			expect(first.body.data).toEqual(perks.slice(0, 2));
			const second = await call(`/v1/catalog/perks?limit=2&cursor=${first.body.next_cursor}`);
			expect(second.body).toEqual({ data: [perks[2]], next_cursor: null });
		});

		it('creates, lists and deletes webhooks', async () => {
			const created = await call('/v1/webhooks', {
				method: 'POST',
				body: JSON.stringify({
					url: 'https://n8n.example.com/webhook/abc',
					events: ['wallet.funded'],
				}),
			});
			expect(created.status).toBe(201);
			expect(created.body).toEqual({
				id: expect.stringMatching(/^wh_/),
				url: 'https://n8n.example.com/webhook/abc',
				events: ['wallet.funded'],
				secret: expect.stringMatching(/^whsec_[0-9a-f]+$/),
			});
			expect(emulator.webhooks).toEqual([created.body]);

			const list = await call('/v1/webhooks');
			expect(list.body).toEqual({
				data: [{ id: created.body.id, url: created.body.url, events: created.body.events }],
			});

			const deleted = await call(`/v1/webhooks/${created.body.id}`, { method: 'DELETE' });
			expect(deleted.status).toBe(204);
			expect(emulator.webhooks).toEqual([]);

			const again = await call(`/v1/webhooks/${created.body.id}`, { method: 'DELETE' });
			expect(again.status).toBe(404);
			expect(again.body.error.code).toBe('webhook_not_found');
		});

		it('rejects invalid webhook bodies with 422', async () => {
			const bodies = [
				'{"events":["*"]}',
				'{"url":"not a url","events":["*"]}',
				'{"url":"https://x.example.com","events":[]}',
				'{"url":"https://x.example.com"}',
				'not json',
			];
			for (const body of bodies) {
				const res = await call('/v1/webhooks', { method: 'POST', body });
				expect(res.status).toBe(422);
				expect(res.body.error.code).toBe('validation_failed');
			}
		});

		it('answers unknown routes with 404 not_found and wrong methods with 405', async () => {
			const unknown = await call('/v1/nothing');
			expect(unknown.status).toBe(404);
			expect(unknown.body.error.code).toBe('not_found');
			const wrongMethod = await call('/v1/account', { method: 'DELETE' });
			expect(wrongMethod.status).toBe(405);
		});

		it('records requests without the /api prefix', async () => {
			await call('/v1/employees?limit=5');
			await call('/v1/webhooks', {
				method: 'POST',
				body: '{"url":"https://a.example.com","events":["*"]}',
			});
			expect(emulator.requests).toEqual([
				expect.objectContaining({
					method: 'GET',
					path: '/v1/employees',
					query: { limit: '5' },
					body: undefined,
				}),
				expect.objectContaining({
					method: 'POST',
					path: '/v1/webhooks',
					body: { url: 'https://a.example.com', events: ['*'] },
				}),
			]);
			expect(emulator.requests[0].headers.authorization).toBe('Bearer perks_test_key');
		});
	});

	describe('failNext', () => {
		it('fails the next requests with the status, error body and Retry-After', async () => {
			emulator.failNext('*', 2, { status: 429, retryAfter: 1 });
			for (let i = 0; i < 2; i++) {
				const res = await call('/v1/account');
				expect(res.status).toBe(429);
				expect(res.headers.get('retry-after')).toBe('1');
				expect(res.body.error.code).toBe('rate_limited');
			}
			expect((await call('/v1/account')).status).toBe(200);
		});

		it('only counts requests under pathPrefix', async () => {
			emulator.failNext('/v1/wallets', 1, { status: 503 });
			expect((await call('/v1/account')).status).toBe(200);
			const failed = await call('/v1/wallets/emp_x');
			expect(failed.status).toBe(503);
			expect(failed.body.error.code).toBe('internal');
			expect(failed.headers.get('retry-after')).toBeNull();
			expect((await call('/v1/wallets/emp_x')).status).toBe(404);
		});

		it("only counts requests of the fault's HTTP method, and clearFaults drops what is left", async () => {
			emulator.failNext('/v1/webhooks', 2, { method: 'post' });
			expect((await call('/v1/webhooks')).status).toBe(200);
			const body = '{"url":"https://a.example.com","events":["*"]}';
			expect((await call('/v1/webhooks', { method: 'POST', body })).status).toBe(503);
			emulator.clearFaults();
			expect((await call('/v1/webhooks', { method: 'POST', body })).status).toBe(201);
		});

		it('throttleNext answers 429 rate_limited with that Retry-After', async () => {
			emulator.throttleNext('/v1/account', 1, 7);
			const res = await call('/v1/account');
			expect([res.status, res.headers.get('retry-after'), res.body.error.code]).toEqual([
				429,
				'7',
				'rate_limited',
			]);
			expect((await call('/v1/account')).status).toBe(200);
		});
	});

	describe('limitPerSecond', () => {
		it('refuses requests under the prefix beyond the limit in a rolling second, and counts them', async () => {
			emulator.limitPerSecond('/v1/account', 2);
			const statuses = [];
			for (let i = 0; i < 3; i++) statuses.push((await call('/v1/account')).status);
			expect(statuses).toEqual([200, 200, 429]);
			expect((await call('/v1/catalog/perks')).status).toBe(200);
			expect(emulator.rateLimitedCount('/v1/account')).toBe(1);
			emulator.clearLimits();
			expect((await call('/v1/account')).status).toBe(200);
		});
	});

	describe('deliver', () => {
		let receiver: Receiver;
		let secret: string;
		let employee: Employee;

		beforeEach(async () => {
			receiver = new Receiver();
			await receiver.start();
			secret = emulator.registerWebhook(receiver.url, ['wallet.funded']).secret;
			employee = emulator.addEmployee({ email: 'ana@example.com' });
		});

		afterEach(async () => {
			await receiver.stop();
		});

		function check(received: Received) {
			return verifySignature({
				header: received.headers['perks-signature'],
				rawBody: received.rawBody,
				secrets: [secret],
			});
		}

		async function deliverWith(signature: SignatureMode) {
			const results = await emulator.deliver(
				walletFundedEvent(employee, { amount: 100, balance: 220, period: '2026-11' }),
				{ signature },
			);
			expect(results).toEqual([
				{
					url: receiver.url,
					status: 200,
					body: '{"ok":true}',
					eventId: expect.stringMatching(/^evt_/),
				},
			]);
			return check(receiver.received[0]);
		}

		it('signs valid deliveries and fills id and created_at', async () => {
			const results = await emulator.deliver({
				type: 'wallet.funded',
				data: { employee, amount: 1, balance: 1, currency: 'points', period: '2026-11' },
			});
			expect(results).toHaveLength(1);
			const [received] = receiver.received;
			expect(received.headers['content-type']).toBe('application/json');
			expect(check(received)).toEqual({ valid: true, timestamp: expect.any(Number) });
			const body = JSON.parse(received.rawBody.toString());
			expect(body.id).toBe(results[0].eventId);
			expect(body.id).toMatch(/^evt_/);
			expect(parsePerksEvent(body).kind).toBe('event');
		});

		it('accepts rotated signatures', async () => {
			expect(await deliverWith('rotated')).toEqual({ valid: true, timestamp: expect.any(Number) });
			expect(String(receiver.received[0].headers['perks-signature']).match(/v1=/g)).toHaveLength(2);
		});

		it.each([
			['wrong_secret', 'mismatch'],
			['stale', 'stale'],
			['unsigned', 'missing'],
			['tampered', 'mismatch'],
		] as const)('%s is rejected as %s', async (mode, reason) => {
			expect(await deliverWith(mode)).toEqual({ valid: false, reason });
		});

		it('keeps a tampered body valid JSON', async () => {
			await deliverWith('tampered');
			expect(() => JSON.parse(receiver.received[0].rawBody.toString())).not.toThrow();
		});

		it('routes by event type and "*"', async () => {
			const all = new Receiver();
			await all.start();
			try {
				emulator.registerWebhook(all.url, ['*']);
				const perk = emulator.addPerk();
				const results = await emulator.deliver(perkAddedEvent(perk));
				expect(results.map((r) => r.url)).toEqual([all.url]);
				expect(receiver.received).toHaveLength(0);
				expect(all.received).toHaveLength(1);
			} finally {
				await all.stop();
			}
		});

		it('delivers to an explicit url and secret, with raw bytes and duplicates', async () => {
			const other = new Receiver();
			await other.start();
			try {
				const results = await emulator.deliver(
					lowBalanceEvent(employee, { balance: 15, threshold: 20 }),
					{
						url: other.url,
						secret: 'whsec_manual',
						rawBody: '{"id":"evt_1","type":',
						times: 3,
					},
				);
				expect(results).toHaveLength(3);
				expect(other.received).toHaveLength(3);
				for (const r of other.received) {
					expect(r.rawBody.toString()).toBe('{"id":"evt_1","type":');
					expect(
						verifySignature({
							header: r.headers['perks-signature'],
							rawBody: r.rawBody,
							secrets: ['whsec_manual'],
						}).valid,
					).toBe(true);
				}
				expect(receiver.received).toHaveLength(0);
			} finally {
				await other.stop();
			}
		});

		it('reports an unreachable receiver as status 0', async () => {
			await receiver.stop();
			const [result] = await emulator.deliver(
				walletFundedEvent(employee, { amount: 1, balance: 1 }),
			);
			expect(result.status).toBe(0);
			expect(result.error).toBeDefined();
		});
	});

	describe('API faults', () => {
		const statuses = async (path: string, n: number) => {
			const out: number[] = [];
			for (let i = 0; i < n; i++) out.push((await call(path)).status);
			return out;
		};

		it('seeded faultRate repeats the same faults, counted per kind', async () => {
			const kinds = ['429', '500', '503'] as const;
			emulator.faultRate({ rate: 0.4, kinds: [...kinds], seed: 3 });
			const first = await statuses('/v1/account', 40);
			const counts = kinds.map((k) => emulator.injectedCount(k));
			emulator.faultRate({ rate: 0.4, kinds: [...kinds], seed: 3 });
			expect(await statuses('/v1/account', 40)).toEqual(first);
			expect(new Set(first)).toEqual(new Set([200, 429, 500, 503]));
			expect(counts).toEqual([429, 500, 503].map((s) => first.filter((x) => x === s).length));
			emulator.clearFaultRate();
			expect(await statuses('/v1/account', 3)).toEqual([200, 200, 200]);
		});

		it('limits faultRate to pathPrefix; its 429 says Retry-After 1', async () => {
			emulator.faultRate({ rate: 1, kinds: ['429'], pathPrefix: '/v1/employees' });
			expect((await call('/v1/account')).status).toBe(200);
			const limited = await call('/v1/employees');
			expect(limited.status).toBe(429);
			expect(limited.headers.get('retry-after')).toBe('1');
			expect(limited.body).toEqual({
				error: { code: 'rate_limited', message: expect.any(String) },
			});
		});

		it('reset destroys the socket; timeout holds it, then destroys it', async () => {
			emulator.faultRate({ rate: 1, kinds: ['reset'] });
			await expect(call('/v1/account')).rejects.toThrow();
			emulator.faultRate({ rate: 1, kinds: ['timeout'], holdMs: 300 });
			const started = Date.now();
			await expect(call('/v1/account')).rejects.toThrow();
			expect(Date.now() - started).toBeGreaterThanOrEqual(250);
			expect(emulator.injectedCount('timeout')).toBe(1);
		});

		it('an outage answers its status under the prefix until it ends', async () => {
			emulator.outage('/v1/employees', 300);
			const down = await call('/v1/employees');
			expect(down.status).toBe(503);
			expect(down.body.error.code).toBe('internal');
			expect((await call('/v1/account')).status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 350));
			expect((await call('/v1/employees')).status).toBe(200);

			emulator.outage('*', 60_000, 429);
			const limited = await call('/v1/account');
			expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60']);
			emulator.endOutage();
			expect((await call('/v1/account')).status).toBe(200);
		});

		it('setLatency answers requests under a prefix late', async () => {
			const employee = emulator.addEmployee();
			emulator.setLatency('/v1/wallets', 300);
			const timed = async (path: string) => {
				const started = Date.now();
				expect((await call(path)).status).toBe(200);
				return Date.now() - started;
			};
			expect(await timed(`/v1/wallets/${employee.id}`)).toBeGreaterThanOrEqual(290);
			expect(await timed('/v1/account')).toBeLessThan(200);
			emulator.setLatency('/v1/wallets', 0);
			expect(await timed(`/v1/wallets/${employee.id}`)).toBeLessThan(200);
		});
	});

	describe('deliverUntilDone', () => {
		let receiver: ScriptedReceiver;
		let secret: string;
		let employee: Employee;

		const funded = () => walletFundedEvent(employee, { amount: 100, balance: 220 });
		const statusesOf = (attempts: Array<{ status: number }>) => attempts.map((a) => a.status);

		beforeEach(async () => {
			receiver = new ScriptedReceiver();
			await receiver.start();
			secret = emulator.registerWebhook(receiver.url, ['wallet.funded']).secret;
			employee = emulator.addEmployee();
		});

		afterEach(async () => {
			await receiver.stop();
		});

		it('retries a 500 with the same id and body, re-signed, then succeeds', async () => {
			receiver.script = [{ status: 500 }];
			const event = funded();
			const result = await emulator.deliverUntilDone(event, { backoffMs: [1100] });
			expect(result).toMatchObject({ eventId: event.id, outcome: 'delivered' });
			expect(statusesOf(result.attempts)).toEqual([500, 200]);
			const [first, second] = receiver.received;
			expect(second.rawBody.equals(first.rawBody)).toBe(true);
			expect(first.id).toBe(event.id);
			const checks = receiver.received.map((r) =>
				verifySignature({
					header: r.headers['perks-signature'],
					rawBody: r.rawBody,
					secrets: [secret],
				}),
			);
			expect(checks.map((c) => c.valid)).toEqual([true, true]);
			const stamps = checks.map((c) => (c.valid ? c.timestamp : 0));
			expect(stamps[1]).toBeGreaterThan(stamps[0]);
		});

		it.each([400, 410])('drops the event on a final %s', async (status) => {
			receiver.script = [{ status }];
			const result = await emulator.deliverUntilDone(funded(), { backoffMs: [10, 10] });
			expect(result.outcome).toBe('dropped');
			expect(statusesOf(result.attempts)).toEqual([status]);
			expect(receiver.received).toHaveLength(1);
		});

		it('retries any other answer and network errors, waiting the backoff, until exhausted', async () => {
			receiver.script = [
				{ status: 404 },
				{ status: 429 },
				'reset',
				{ status: 302 },
				{ status: 503 },
			];
			const started = Date.now();
			const result = await emulator.deliverUntilDone(funded(), { backoffMs: [50, 50, 50, 50] });
			expect(Date.now() - started).toBeGreaterThanOrEqual(200);
			expect(result.outcome).toBe('exhausted');
			expect(statusesOf(result.attempts)).toEqual([404, 429, 0, 302, 503]);
			expect(result.attempts[2].error).toEqual(expect.any(String));
			expect(result.attempts.map((a) => a.round)).toEqual([1, 2, 3, 4, 5]);
			expect(receiver.received).toHaveLength(5);
		});

		it("follows the contract's back-off by default (8 retries, seconds to hours, within 24 h), time-scaled", async () => {
			expect(CONTRACT_BACKOFF_MS).toHaveLength(8);
			expect(CONTRACT_BACKOFF_MS.slice(0, 4)).toEqual([5_000, 30_000, 120_000, 600_000]);
			const total = CONTRACT_BACKOFF_MS.reduce((sum, ms) => sum + ms, 0);
			expect(total).toBeLessThanOrEqual(24 * 3_600_000);
			receiver.script = Array.from({ length: 9 }, () => ({ status: 500 }));
			const scale = 40_000; // the ~18 h schedule in ~1.6 s
			const started = Date.now();
			const result = await emulator.deliverUntilDone(funded(), { timeScale: scale });
			expect(Date.now() - started).toBeGreaterThanOrEqual(total / scale - 20);
			expect(result.outcome).toBe('exhausted');
			expect(result.attempts.map((a) => a.round)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
		});

		it('takes no answer within timeoutMs as a failure, and ignores the late answer', async () => {
			// Attempt 1's 200 comes at ~350 ms, while attempt 3 (answered 500 at ~400 ms) is in flight.
			receiver.script = [
				{ status: 200, delayMs: 350 },
				{ status: 500 },
				{ status: 500, delayMs: 100 },
			];
			const result = await emulator.deliverUntilDone(funded(), {
				timeoutMs: 200,
				backoffMs: [50, 50, 50],
			});
			expect(statusesOf(result.attempts)).toEqual([0, 500, 500, 200]);
			expect(result.attempts[0].error).toBe('no answer within 200 ms');
			expect(result.attempts[0].ms).toBeGreaterThanOrEqual(190);
			expect(result.outcome).toBe('delivered');
		});

		it('sends each attempt `copies` times concurrently', async () => {
			receiver.script = [{ status: 500 }, { status: 500 }, { status: 500 }];
			const result = await emulator.deliverUntilDone(funded(), { copies: 3, backoffMs: [10] });
			expect(result.attempts.map((a) => [a.round, a.status])).toEqual([
				[1, 500],
				[1, 500],
				[1, 500],
				[2, 200],
				[2, 200],
				[2, 200],
			]);
			expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
		});

		it('deliverAllUntilDone bounds concurrency and keeps input order', async () => {
			receiver.answerFor = (_id, seen) =>
				seen === 0 ? { status: 503, delayMs: 20 } : { status: 200, delayMs: 20 };
			// A funding burst: every seeded employee's wallet funded at once.
			const events = emulator
				.seedEmployees(20)
				.map((e) => walletFundedEvent(e, { amount: 100, balance: 100 }));
			const results = await emulator.deliverAllUntilDone(events, {
				concurrency: 4,
				backoffMs: [10],
			});
			expect(results.map((r) => r.eventId)).toEqual(events.map((e) => e.id));
			expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
			expect(results.every((r) => statusesOf(r.attempts).join() === '503,200')).toBe(true);
			expect(receiver.received).toHaveLength(40);
			expect(receiver.maxInFlight).toBeLessThanOrEqual(4);
			expect(receiver.maxInFlight).toBeGreaterThan(1);
		});

		it('needs exactly one target', async () => {
			emulator.registerWebhook('http://127.0.0.1:9/other', ['wallet.funded']);
			await expect(emulator.deliverUntilDone(funded())).rejects.toThrow(/2 webhooks/);
		});
	});

	describe('event builders', () => {
		it('build contract-valid events', () => {
			const employee = emulator.addEmployee();
			const perk = emulator.addPerk({ url: 'https://perks.example.com/p/1' });
			const events = [
				walletFundedEvent(employee, { amount: 100, balance: 220, period: '2026-11' }),
				perkRedeemedEvent(employee, perk, { balance: 180 }),
				lowBalanceEvent(employee, { balance: 15, threshold: 20 }),
				perkAddedEvent(perk),
			];
			for (const event of events) {
				expect(parsePerksEvent(JSON.parse(JSON.stringify(event))).kind).toBe('event');
			}
			expect(events[1].data).toMatchObject({
				redemption_id: expect.stringMatching(/^red_/),
				currency: 'points',
			});
		});
	});
});
