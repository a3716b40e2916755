import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { closeServer } from '../../../emulators/closeServer';
import { ReadinessGate } from '../../reliability/readinessGate';

describe('ReadinessGate', () => {
	let upstream: Server;
	let origin: string;
	let ready: boolean;
	let received: Array<{ method?: string; url?: string; signature?: string; body: string }>;
	let gate: ReadinessGate;

	beforeEach(async () => {
		ready = false;
		received = [];
		upstream = createServer((req, res) => {
			if (req.url === '/healthz/readiness') {
				res.writeHead(ready ? 200 : 503).end();
				return;
			}
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const signature = req.headers['perks-signature'] as string | undefined;
				received.push({
					method: req.method,
					url: req.url,
					signature,
					body: String(Buffer.concat(chunks)),
				});
				res.writeHead(202, { 'x-upstream': 'yes' }).end('accepted');
			});
		});
		await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
		origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
		gate = new ReadinessGate(origin);
		await gate.start();
	});

	afterEach(async () => {
		await gate.stop();
		await closeServer(upstream);
	});

	const post = async () =>
		await fetch(gate.via(`${origin}/webhook/abc/webhook?x=1`), {
			method: 'POST',
			headers: { 'perks-signature': 't=1,v1=ab' },
			body: '{"id":"evt_1"}',
		});

	it('answers 503 and forwards nothing while n8n is not ready', async () => {
		const response = await post();
		expect(response.status).toBe(503);
		expect(received).toEqual([]);
		expect(gate.refused).toBe(1);
	});

	it("forwards method, path, headers and body once ready, and returns n8n's answer", async () => {
		ready = true;
		const response = await post();
		expect(response.status).toBe(202);
		expect(response.headers.get('x-upstream')).toBe('yes');
		expect(await response.text()).toBe('accepted');
		expect(received).toEqual([
			{
				method: 'POST',
				url: '/webhook/abc/webhook?x=1',
				signature: 't=1,v1=ab',
				body: '{"id":"evt_1"}',
			},
		]);
		expect(gate.refused).toBe(0);
	});

	it('answers 503 when n8n does not answer at all', async () => {
		await closeServer(upstream);
		upstream = createServer();
		await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
		const response = await post();
		expect(response.status).toBe(503);
	});
});
