/** Free loopback ports for n8n's servers. */
import { createServer } from 'node:net';

/** Distinct free TCP ports on 127.0.0.1 (held together while they are picked). */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from({ length: count }, async () => {
			const server = createServer();
			await new Promise<void>((resolve, reject) => {
				server.once('error', reject);
				server.listen(0, '127.0.0.1', () => resolve());
			});
			return server;
		}),
	);
	const ports = servers.map((server) => (server.address() as { port: number }).port);
	await Promise.all(
		servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
	);
	return ports;
}
