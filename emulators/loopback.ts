import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { closeServer } from './closeServer';

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

/** An emulator's one loopback server: `start` is idempotent, `stop` closes it at once. */
export class LoopbackServer {
	private server?: Server;
	private current?: string;

	constructor(private readonly listener: RequestListener) {}

	/** `http://127.0.0.1:<port>` while listening. */
	get origin(): string | undefined {
		return this.current;
	}

	/** The origin, or an error naming the emulator that was used before `start`. */
	originOf(emulator: string): string {
		if (!this.current) throw new Error(`${emulator} is not started`);
		return this.current;
	}

	async start(): Promise<string> {
		if (!this.current)
			({ server: this.server, origin: this.current } = await listenOnLoopback(this.listener));
		return this.current;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		this.current = undefined;
		await closeServer(server);
	}
}

/** An emulator's answer: JSON `body` (none: an empty answer), or no answer at all (`lost`). */
export interface JsonReply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Done, but the answer never arrives: the connection is cut now, or held open and cut later. */
	lost?: 'reset' | 'hold';
}

export interface ServeOptions {
	/** The service's own answer to an error its dispatch threw. */
	toErrorReply: (error: unknown) => JsonReply;
	/** The headers every answer starts with; default a JSON Content-Type when there is a body. */
	headers?: (reply: JsonReply) => Record<string, string>;
	/** Keeps the socket of a `lost: 'hold'` answer open, then cuts it (a client timeout). */
	hold?: (socket: Socket) => void;
}

/** The request listener of a JSON service: `dispatch` decides, this writes (or withholds) it. */
export function serveReplies(
	dispatch: (req: IncomingMessage) => Promise<JsonReply>,
	options: ServeOptions,
): RequestListener {
	const headers =
		options.headers ??
		((reply) => (reply.body === undefined ? {} : { 'Content-Type': 'application/json' }));
	const answer = async (req: IncomingMessage, res: Parameters<RequestListener>[1]) => {
		let reply: JsonReply;
		try {
			reply = await dispatch(req);
			if (reply.lost === 'hold' && !options.hold) throw new Error('This emulator cannot hold');
		} catch (error) {
			reply = options.toErrorReply(error);
		}
		if (reply.lost === 'reset') req.socket.destroy();
		else if (reply.lost === 'hold') options.hold!(req.socket);
		else {
			res.writeHead(reply.status, { ...headers(reply), ...reply.headers });
			res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
		}
	};
	return (req, res) => void answer(req, res);
}
