import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server on a free loopback port: every emulator listens this way. */
export async function listenOnLoopback(
	handler: RequestListener,
): Promise<{ server: Server; origin: string }> {
	const server = createServer(handler);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
