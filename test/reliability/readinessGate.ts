/**
 * A loopback front for n8n that forwards a request only while n8n says it is ready, as a load
 * balancer or Kubernetes readiness probe does, and answers 503 otherwise.
 *
 * Why: n8n 2.41.1 listens before its database migrations have run, and until they have it answers
 * every request, a webhook POST included, `200 "n8n is starting up. Please wait"` without running
 * anything (abstract-server.js). The perks platform takes that 200 as delivered and never sends the
 * event again, so a restart can lose events (docs/idempotency.md, "Limits").
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { closeServer } from '../../emulators/closeServer';

const READINESS_TIMEOUT_MS = 2_000;

export class ReadinessGate {
	/** Requests answered 503 because n8n was not ready. */
	refused = 0;
	private server: Server | undefined;

	constructor(private readonly upstream: string) {}

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				void this.handle(req, Buffer.concat(chunks))
					.then(
						({ status, headers, body }) => res.writeHead(status, headers).end(body),
						() => res.writeHead(502).end(),
					)
					.catch(() => res.destroy());
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
	}

	async stop(): Promise<void> {
		if (this.server) await closeServer(this.server);
	}

	/** `url` (on n8n) as reached through the gate. */
	via(url: string): string {
		const { port } = this.server!.address() as AddressInfo;
		const target = new URL(url);
		return `http://127.0.0.1:${port}${target.pathname}${target.search}`;
	}

	private async handle(req: IncomingMessage, body: Buffer): Promise<Answer> {
		const ready = await send('GET', `${this.upstream}/healthz/readiness`, {}, Buffer.alloc(0)).then(
			(answer) => answer.status === 200,
			() => false,
		);
		if (!ready) {
			this.refused++;
			return {
				status: 503,
				headers: { 'content-type': 'application/json' },
				body: Buffer.from('{"error":{"code":"not_ready","message":"n8n is not ready"}}'),
			};
		}
		const headers = { ...req.headers, host: new URL(this.upstream).host };
		return await send(req.method ?? 'GET', `${this.upstream}${req.url ?? '/'}`, headers, body);
	}
}

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

function send(
	method: string,
	url: string,
	headers: Record<string, string | string[] | undefined>,
	body: Buffer,
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () =>
				resolve({
					status: res.statusCode ?? 502,
					headers: res.headers,
					body: Buffer.concat(chunks),
				}),
			);
			res.on('error', reject);
		});
		req.on('error', reject);
		if (method === 'GET') req.setTimeout(READINESS_TIMEOUT_MS, () => req.destroy());
		req.end(body);
	});
}
