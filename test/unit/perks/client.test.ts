import { MAX_PAGES, PerksClient, type PerksTransport } from '../../../nodes/shared/perks/client';
import { PerksApiError } from '../../../nodes/shared/perks/errors';
import { PerksEmulator } from '../../../emulators/perksApi';

const perks = new PerksEmulator();
beforeAll(async () => {
	await perks.start();
});
afterAll(async () => {
	await perks.stop();
});
afterEach(() => perks.clearFaults());

/** Real HTTP to the emulator, as n8n's request helper would send it. */
function fetchTransport(apiKey = perks.apiKey): PerksTransport {
	return async ({ method, path, qs, body }) => {
		const url = new URL(`${perks.baseUrl}${path}`);
		for (const [key, value] of Object.entries(qs ?? {})) url.searchParams.set(key, String(value));
		const response = await fetch(url, {
			method,
			headers: {
				authorization: `Bearer ${apiKey}`,
				accept: 'application/json',
				'content-type': 'application/json',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		return {
			statusCode: response.status,
			headers: Object.fromEntries(response.headers),
			body: text ? JSON.parse(text) : undefined,
		};
	};
}

describe('PerksClient', () => {
	it('walks every page of the employee directory once', async () => {
		perks.seedEmployees(1234);
		const client = new PerksClient(fetchTransport());
		const seen: string[] = [];
		for await (const page of client.listEmployees(500)) seen.push(...page.map((e) => e.id));
		expect(seen.length).toBe(perks.employees.length);
		expect(new Set(seen).size).toBe(seen.length);
		const pageCalls = perks.requests.filter((r) => r.path === '/v1/employees');
		expect(pageCalls.length).toBe(Math.ceil(perks.employees.length / 500));
	});

	it('retries a 429 after Retry-After, a bounded number of times', async () => {
		const waits: number[] = [];
		const client = new PerksClient(fetchTransport(), {
			retry: { retries: 2, maxWaitSeconds: 30 },
			sleep: async (ms) => {
				waits.push(ms);
			},
		});
		perks.failNext('/v1/account', 2, { status: 429, retryAfter: 3 });
		await expect(client.getAccount()).resolves.toMatchObject({ id: expect.any(String) });
		expect(waits).toEqual([3000, 3000]);

		perks.failNext('/v1/account', 3, { status: 429, retryAfter: 1 });
		const error = await client.getAccount().catch((e: PerksApiError) => e);
		expect(error).toBeInstanceOf(PerksApiError);
		expect((error as PerksApiError).code).toBe('rate_limited');
	});

	it('fails at once when Retry-After is longer than the policy allows', async () => {
		const waits: number[] = [];
		const client = new PerksClient(fetchTransport(), { sleep: async (ms) => void waits.push(ms) });
		perks.failNext('/v1/account', 1, { status: 429, retryAfter: 600 });
		await expect(client.getAccount()).rejects.toMatchObject({
			code: 'rate_limited',
			retryAfterSeconds: 600,
		});
		expect(waits).toEqual([]);
	});

	it.each([
		[401, 'unauthorized', /API Key/],
		[403, 'forbidden', /permission|allowed/],
		[422, 'validation_failed', /invalid/],
		[503, 'internal', /Retry later/],
	])('maps %i to %s with its fix', async (status, code, fix) => {
		perks.failNext('/v1/account', 1, { status });
		const error = (await new PerksClient(fetchTransport())
			.getAccount()
			.catch((e) => e)) as PerksApiError;
		expect(error.code).toBe(code);
		expect(error.fix).toMatch(fix);
	});

	it('treats deleting a webhook that is gone as done', async () => {
		await expect(
			new PerksClient(fetchTransport()).deleteWebhook('wh_missing'),
		).resolves.toBeUndefined();
	});

	it('reports an unreachable API without leaking request details', async () => {
		const client = new PerksClient(async () => {
			throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
				code: 'ECONNREFUSED',
				config: { headers: { Authorization: 'Bearer secret-key' } },
			});
		});
		const error = (await client.getAccount().catch((e) => e)) as PerksApiError;
		expect(error.code).toBe('unreachable');
		expect(error.message).toContain('ECONNREFUSED');
		expect(JSON.stringify({ ...error, message: error.message })).not.toContain('secret-key');
	});

	it('names the record that breaks the contract in a listing', async () => {
		const broken = {
			id: 'emp_broken',
			email: 'not-an-email',
			name: 'B',
			locale: 'en',
			active: true,
		};
		const client = new PerksClient(async () => ({
			statusCode: 200,
			headers: {},
			body: { data: [broken], next_cursor: null },
		}));
		const error = (await client
			.listEmployees()
			.next()
			.catch((e) => e)) as PerksApiError;
		expect(error.message).toBe(
			'Unexpected answer from GET /v1/employees: data.0.email Invalid email (record emp_broken)',
		);
	});

	it('stops with a clear error when the API repeats a page cursor', async () => {
		let calls = 0;
		const client = new PerksClient(async () => {
			calls++;
			return { statusCode: 200, headers: {}, body: { data: [], next_cursor: 'same' } };
		});
		const pages = async () => {
			for await (const page of client.listEmployees()) void page;
		};
		await expect(pages()).rejects.toMatchObject({
			code: 'invalid_response',
			message: expect.stringMatching(/repeated the page cursor/),
		});
		expect(calls).toBe(2);
	});

	it('stops with a clear error past the page cap when every cursor is new', async () => {
		let calls = 0;
		const client = new PerksClient(async () => ({
			statusCode: 200,
			headers: {},
			body: { data: [], next_cursor: `c${++calls}` },
		}));
		const pages = async () => {
			for await (const page of client.listPerks()) void page;
		};
		await expect(pages()).rejects.toMatchObject({
			code: 'invalid_response',
			message: expect.stringMatching(/went past/),
		});
		expect(calls).toBe(MAX_PAGES);
	});

	it('rejects an answer that does not follow the contract', async () => {
		const client = new PerksClient(async () => ({
			statusCode: 200,
			headers: {},
			body: { wallet: { balance: 'lots' } },
		}));
		await expect(client.getWallet('emp_1')).rejects.toMatchObject({
			code: 'invalid_response',
			message: expect.stringMatching(/wallet\.employee_id/),
		});
	});
});
