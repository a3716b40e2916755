import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { closeServer } from '../../../emulators/closeServer';

import { instantiate, loadPackage, runFromTrigger } from '../../../harness/inProcess/n8nRuntime';
import { PerksEmulator } from '../../../emulators/perksApi';
import { chain, node, perksCredentialRef, TYPE } from '../../../harness/inProcess/workflows';

const perks = new PerksEmulator();

beforeAll(async () => {
	await perks.start();
});
afterAll(async () => {
	await perks.stop();
});
afterEach(() => perks.clearFaults());

async function lookup(
	parameters: Record<string, unknown>,
	inputs: Array<Record<string, unknown>>,
	extra = {},
) {
	const pkg = await loadPackage();
	const lookupNode = node('Balance', TYPE.balanceLookup, parameters as never, {
		credentials: perksCredentialRef(),
		...extra,
	});
	const workflow = instantiate(pkg, chain('wf-balance', lookupNode));
	return await runFromTrigger(
		pkg,
		workflow,
		'Balance',
		inputs.map((json) => ({ json: json as IDataObject })),
		{ credentials: { perksApi: { baseUrl: `${perks.baseUrl}/`, apiKey: perks.apiKey } } },
	);
}

describe('Perks Balance Lookup', () => {
	it("returns the emulator's live balance by email (expression, any case and spaces)", async () => {
		const ada = perks.addEmployee(
			{ email: 'ada.live@example.com', name: 'Ada', locale: 'es' },
			{ balance: 120 },
		);
		const first = await lookup({ lookUpBy: 'email', email: '={{ $json.email }}' }, [
			{ email: '  ADA.live@Example.com ' },
		]);
		expect(first.output('Balance')).toEqual([
			{
				found: true,
				employeeId: ada.id,
				employeeEmail: 'ada.live@example.com',
				employeeName: 'Ada',
				employeeLocale: 'es',
				employeeActive: true,
				balance: 120,
				currency: 'points',
				lowBalanceThreshold: 20,
				isLow: false,
				updatedAt: expect.any(String),
			},
		]);
		perks.setBalance(ada.id, 7);
		const second = await lookup({ lookUpBy: 'email', email: 'ada.live@example.com' }, [{}]);
		expect(second.output('Balance')[0]).toMatchObject({ balance: 7, isLow: true });
		const auth = perks.requests
			.filter((r) => r.path.startsWith('/v1/wallets/'))
			.map((r) => r.headers.authorization);
		expect(new Set(auth)).toEqual(new Set([`Bearer ${perks.apiKey}`]));
	});

	it('looks up by employee id', async () => {
		const bob = perks.addEmployee({ email: 'bob.id@example.com' }, { balance: 55 });
		const result = await lookup({ lookUpBy: 'employeeId', employeeId: bob.id }, [{}]);
		expect(result.output('Balance')[0]).toMatchObject({
			found: true,
			employeeId: bob.id,
			balance: 55,
		});
	});

	it('fails with a clear error for an unknown email', async () => {
		const result = await lookup({ lookUpBy: 'email', email: 'nobody@example.com' }, [{}]);
		const error = result.error('Balance') as Error & { description?: string };
		expect(error.message).toMatch(/employee_not_found/);
		expect(error.description).toMatch(/alias/);
		expect(result.run.status).toBe('error');
	});

	it('with "Continue on Not Found" gives an item that says so', async () => {
		const result = await lookup(
			{ lookUpBy: 'email', email: '={{ $json.email }}', options: { continueOnNotFound: true } },
			[{ email: 'ghost@example.com' }],
		);
		expect(result.output('Balance')).toEqual([
			{
				found: false,
				email: 'ghost@example.com',
				reason: expect.stringMatching(/No perks employee/),
			},
		]);
	});

	it('refuses an empty email, naming the field', async () => {
		const result = await lookup({ lookUpBy: 'email', email: '={{ $json.missing }}' }, [{}]);
		expect(result.error('Balance')?.message).toBe('"Email" is empty');
	});

	it('with Continue On Fail, a failed item carries its reason and the others still run', async () => {
		const carol = perks.addEmployee({ email: 'carol@example.com' }, { balance: 9 });
		const result = await lookup(
			{ lookUpBy: 'email', email: '={{ $json.email }}' },
			[{ email: 'nobody2@example.com' }, { email: carol.email }],
			{ continueOnFail: true },
		);
		const [failed, ok] = result.output('Balance');
		expect(failed).toEqual({
			error: expect.stringMatching(/404 employee_not_found/),
			details: { code: 'employee_not_found', fix: expect.stringMatching(/alias/) },
		});
		expect(ok).toMatchObject({ found: true, balance: 9 });
	});

	it('waits out a 429 with Retry-After and then succeeds', async () => {
		const dan = perks.addEmployee({ email: 'dan@example.com' }, { balance: 31 });
		perks.failNext('/v1/wallets', 2, { status: 429, retryAfter: 1 });
		const started = Date.now();
		const result = await lookup({ lookUpBy: 'employeeId', employeeId: dan.id }, [{}]);
		expect(result.output('Balance')[0]).toMatchObject({ balance: 31 });
		expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
		expect(perks.requests.filter((r) => r.path === `/v1/wallets/${dan.id}`)).toHaveLength(3);
	});

	it('never shows the API key in an error', async () => {
		perks.failNext('/v1/employees', 1, { status: 500 });
		const result = await lookup({ lookUpBy: 'email', email: 'x@example.com' }, [{}]);
		const error = result.error('Balance')!;
		expect(error.message).toMatch(/internal/);
		expect(JSON.stringify(error)).not.toContain(perks.apiKey);
		expect(JSON.stringify(result.run)).not.toContain(perks.apiKey);
	});

	it('follows no redirect with the API key: another host never sees it, and the error names the fix', async () => {
		const seen: Array<string | undefined> = [];
		const listen = async (handler: Parameters<typeof createServer>[1]) => {
			const server = createServer(handler);
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
		};
		const elsewhere = await listen((req, res) => {
			seen.push(req.headers.authorization);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
		const redirecting = await listen((req, res) => {
			res.writeHead(307, { location: `${elsewhere.origin}${req.url}` }).end();
		});
		const servers: Server[] = [elsewhere.server, redirecting.server];
		try {
			const pkg = await loadPackage();
			const lookupNode = node(
				'Balance',
				TYPE.balanceLookup,
				{ lookUpBy: 'employeeId', employeeId: 'emp_1' } as never,
				{
					credentials: perksCredentialRef(),
				},
			);
			const result = await runFromTrigger(
				pkg,
				instantiate(pkg, chain('wf-redirect', lookupNode)),
				'Balance',
				[{ json: {} }],
				{ credentials: { perksApi: { baseUrl: redirecting.origin, apiKey: perks.apiKey } } },
			);
			expect(seen).toEqual([]);
			const error = result.error('Balance') as Error & { description?: string };
			expect(error.message).toMatch(/redirect/i);
			expect(error.description).toMatch(/Base URL/);
			expect(JSON.stringify(error)).not.toContain(perks.apiKey);
		} finally {
			for (const server of servers) await closeServer(server);
		}
	});
});
