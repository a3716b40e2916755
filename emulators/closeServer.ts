import type { Server } from 'node:http';

/** Closes a loopback server now: fetch keeps sockets alive, which would hold close() (and jest) open. */
export async function closeServer(server: Server): Promise<void> {
	const closed = new Promise<void>((resolve, reject) =>
		server.close((error) => (error ? reject(error) : resolve())),
	);
	server.closeAllConnections();
	await closed;
}
