/**
 * A third chat platform that exists only in tests: a tiny chat service on loopback (users,
 * channels, messages, threads; bearer token; signed question webhooks) and its platform folder's
 * worth of code (a ChatPlatform, one question source, a PlatformEntry). Registered in the BUILT
 * package's registry (the module the loaded nodes use) before the nodes load, it proves a
 * platform is a folder plus one registry line: nothing neutral knows it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type {
	ChannelTarget,
	ChatChannel,
	ChatPlatform,
	ChatUser,
	MessageTarget,
	OutgoingMessage,
	PostedMessage,
} from '../../../nodes/shared/chat/ChatPlatform';
import type * as Errors from '../../../nodes/shared/chat/errors';
import type { ChatContext, PlatformEntry } from '../../../nodes/shared/chat/PlatformEntry';
import type * as Platforms from '../../../nodes/shared/chat/platforms';
import type * as Questions from '../../../nodes/shared/chat/QuestionSource';
import { closeServer } from '../../../emulators/closeServer';
import { PACKAGE_ROOT } from '../../../harness/packageRoot';

/* eslint-disable @typescript-eslint/no-require-imports */
const built = <T>(file: string) =>
	require(path.join(PACKAGE_ROOT, 'dist/nodes/shared/chat', file)) as T;
const { registerPlatform } = built<typeof Platforms>('platforms.js');
const { CHAT_ERROR_CODES, ChatPlatformError } = built<typeof Errors>('errors.js');
const { badRequest, chatQuestion, ignored } = built<typeof Questions>('QuestionSource.js');

export const FAKE = 'fakechat';
export const FAKE_CREDENTIAL = 'fakeChatApi';
export const FAKE_SOURCE = 'fakeChatMention';

interface FakeUser {
	id: string;
	name: string;
	email: string;
}

export interface FakeMessage {
	id: string;
	/** A user id for a DM, a channel id, or a thread id for a reply. */
	to: string;
	kind: 'dm' | 'channel' | 'reply';
	text: string;
}

const sign = (secret: string, timestamp: string, body: string) =>
	createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The chat service: its Web API (bearer token) and the questions it sends to a webhook, signed. */
export class FakeChatServer {
	readonly token = 'fake-chat-token';
	readonly signingSecret = 'fake-chat-signing-secret';
	readonly users: FakeUser[] = [];
	readonly channels: ChatChannel[] = [
		{ id: 'CH1', name: 'perks', isPrivate: false, isArchived: false },
	];
	readonly messages: FakeMessage[] = [];
	/** Calls refused for a missing or wrong token. */
	unauthorized = 0;
	private server?: Server;
	baseUrl = '';

	addUser(name: string, email: string): FakeUser {
		const user = { id: `FU${this.users.length + 1}`, name, email };
		this.users.push(user);
		return user;
	}

	credential(): ICredentialDataDecryptedObject {
		return { baseUrl: this.baseUrl, token: this.token, signingSecret: this.signingSecret };
	}

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const answer = (status: number, body: unknown) =>
					res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
				if (req.headers.authorization !== `Bearer ${this.token}`) {
					this.unauthorized++;
					answer(401, { error: 'unauthorized' });
					return;
				}
				const body = chunks.length
					? (JSON.parse(Buffer.concat(chunks).toString()) as IDataObject)
					: {};
				answer(200, this.call(`${req.method} ${req.url?.split('?')[0]}`, body));
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		if (this.server) await closeServer(this.server);
	}

	private call(route: string, body: IDataObject): unknown {
		switch (route) {
			case 'POST /users.find': {
				const wanted = String(body.email ?? body.id ?? '').toLowerCase();
				return { user: this.users.find((u) => u.id === body.id || u.email === wanted) ?? null };
			}
			case 'GET /users':
				return { users: this.users };
			case 'GET /channels':
				return { channels: this.channels };
			case 'POST /messages': {
				const message: FakeMessage = {
					id: `M${this.messages.length + 1}`,
					to: String(body.to),
					kind: body.kind as FakeMessage['kind'],
					text: String(body.text),
				};
				this.messages.push(message);
				return { message };
			}
			default:
				return { error: 'unknown_route' };
		}
	}

	/** A user's question in `channel`, as the service posts it to a subscribed webhook. */
	question(
		user: FakeUser,
		text: string,
		options: { id?: string; secret?: string; channel?: string } = {},
	) {
		const body = JSON.stringify({
			type: 'mention',
			id: options.id ?? `Q${Math.random().toString(16).slice(2)}`,
			user: user.id,
			userName: user.name,
			channel: options.channel ?? 'CH1',
			text,
		});
		const timestamp = String(Math.floor(Date.now() / 1000));
		return {
			body,
			headers: {
				'content-type': 'application/json',
				'x-fake-timestamp': timestamp,
				'x-fake-signature': sign(options.secret ?? this.signingSecret, timestamp, body),
			},
		};
	}
}

/** The fixture's fix table: the shared codes only (it raises no code of its own). */
const FIXES = Object.fromEntries(
	CHAT_ERROR_CODES.map((code) => [code, `Fake Chat: ${code}`]),
) as Errors.FixTable;

/** What keeps a platform from missing a code: a table without every shared one does not compile (npm run typecheck). */
// @ts-expect-error: no fix for 'unknown' and the other shared codes
export const INCOMPLETE_FIXES: Errors.FixTable = { not_a_member: 'Invite the app.' };

const toChatUser = (user: FakeUser): ChatUser => ({
	id: user.id,
	name: user.name,
	email: user.email,
	emails: [user.email],
	active: true,
	isBot: false,
	emailConfirmed: true,
});

/** The adapter: every call through n8n's HTTP helper with the credential's token. */
class FakeChatPlatform implements ChatPlatform {
	readonly name = FAKE;
	readonly fixes = FIXES;

	constructor(
		private readonly context: ChatContext,
		private readonly credential: ICredentialDataDecryptedObject,
	) {}

	private async api<T>(method: 'GET' | 'POST', route: string, body?: IDataObject): Promise<T> {
		return (await this.context.helpers.httpRequest({
			method,
			url: `${String(this.credential.baseUrl)}${route}`,
			headers: { authorization: `Bearer ${String(this.credential.token)}` },
			body,
			json: true,
		})) as T;
	}

	private fail(code: Errors.SharedChatErrorCode, message: string): never {
		throw new ChatPlatformError(this, { code, message });
	}

	async findUserByEmail(email: string) {
		const { user } = await this.api<{ user: FakeUser | null }>('POST', '/users.find', {
			email: email.trim().toLowerCase(),
		});
		return user ? toChatUser(user) : undefined;
	}

	async getUser(id: string) {
		const { user } = await this.api<{ user: FakeUser | null }>('POST', '/users.find', { id });
		return user ? toChatUser(user) : this.fail('recipient_not_found', `No Fake Chat user ${id}`);
	}

	async *listUsers() {
		yield (await this.api<{ users: FakeUser[] }>('GET', '/users')).users.map(toChatUser);
	}

	async searchTeams() {
		return [];
	}

	async searchChannels(filter = '') {
		const { channels } = await this.api<{ channels: ChatChannel[] }>('GET', '/channels');
		return channels.filter((channel) => channel.name.includes(filter));
	}

	async resolveChannel(target: ChannelTarget) {
		const wanted = target.channel.replace(/^#/, '');
		const channel = (await this.searchChannels()).find((c) => c.id === wanted || c.name === wanted);
		return channel ?? this.fail('channel_not_found', `No Fake Chat channel ${target.channel}`);
	}

	private async post(to: string, kind: FakeMessage['kind'], message: OutgoingMessage) {
		const text = message.doc?.fallbackText ?? message.text;
		const { message: posted } = await this.api<{ message: FakeMessage }>('POST', '/messages', {
			to,
			kind,
			text,
		});
		return { channelId: to, messageId: posted.id };
	}

	async sendDirectMessage(userId: string, message: OutgoingMessage): Promise<PostedMessage> {
		return await this.post(userId, 'dm', message);
	}

	async postToChannel(target: ChannelTarget, message: OutgoingMessage): Promise<PostedMessage> {
		return await this.post((await this.resolveChannel(target)).id, 'channel', message);
	}

	async reply(thread: string, text: string): Promise<PostedMessage> {
		return await this.post(thread, 'reply', { text, literal: true });
	}

	async findTaggedMessage(_target: MessageTarget, _tag: string, _sinceMs: number) {
		return undefined;
	}

	validateMessage(message: OutgoingMessage): void {
		if (!message.doc && !message.text.trim()) this.fail('empty_message', 'The message is empty');
	}
}

/** Mentions, signed like Slack's requests (HMAC of timestamp and body), answered in their thread. */
const mentionSource: Questions.QuestionSource = {
	value: FAKE_SOURCE,
	name: 'Fake Chat Mention',
	description: 'An @mention of the app in a Fake Chat channel',
	credential: FAKE_CREDENTIAL,
	notice: {
		name: 'fakeChatNotice',
		text: 'Fake Chat signs each question with the Signing Secret.',
	},
	receive: {
		kind: 'signed',
		secretOf: (credential) => String(credential.signingSecret ?? '').trim(),
		handle(request) {
			const header = (name: string) => String(request.headers[name] ?? '');
			const expected = Buffer.from(
				sign(request.secret, header('x-fake-timestamp'), request.rawBody.toString()),
			);
			const given = Buffer.from(header('x-fake-signature'));
			if (!request.secret || given.length !== expected.length || !timingSafeEqual(given, expected))
				return {
					action: 'respond',
					status: 401,
					body: { error: 'invalid_signature' },
					secretRefused: true,
				};
			const mention = JSON.parse(request.rawBody.toString()) as Record<string, string>;
			if (mention.type !== 'mention' || !mention.user) return badRequest('Not a mention');
			if (!request.seen.claim(`${request.scope}:fake:${mention.id}`)) return ignored('replay');
			const question = chatQuestion(FAKE, FAKE_SOURCE, {
				askerId: mention.user,
				askerName: mention.userName ?? null,
				text: mention.text ?? '',
				channelId: mention.channel ?? null,
			});
			return { action: 'start', question, ack: { ok: true } };
		},
	},
	answer: {
		check: (item) =>
			typeof item.channelId === 'string' ? undefined : 'A Fake Chat mention needs "channelId"',
		async prepare(_context, platform, _question, item) {
			return async (text) => {
				await (platform as FakeChatPlatform).reply(String(item.channelId), text);
				return undefined;
			};
		},
	},
};

export const fakeChatEntry: PlatformEntry = {
	name: FAKE,
	displayName: 'Fake Chat',
	credentials: [
		{ name: FAKE_CREDENTIAL, required: true, displayOptions: { show: { platform: [FAKE] } } },
	],
	credentialType: () => FAKE_CREDENTIAL,
	nativeProperty: {
		displayName: 'Widgets (Fake Chat)',
		name: 'fakeWidgets',
		type: 'json',
		default: '',
		displayOptions: { show: { messageSource: ['custom'], platform: [FAKE] } },
	},
	parseNative: (raw) => (Array.isArray(raw) ? raw : [raw]),
	// No length limits of its own; an empty message is refused by the platform (validateMessage).
	renderer: {
		render: (message) => ({ text: message.doc?.fallbackText ?? message.text }),
		validate: () => undefined,
	},
	async create(context, type) {
		return new FakeChatPlatform(context, await context.getCredentials(type));
	},
	questionSources: [mentionSource],
};

/** Must run before the package loads: node descriptions are built from the registry then. */
export function registerFakeChat(): void {
	registerPlatform(fakeChatEntry);
}
