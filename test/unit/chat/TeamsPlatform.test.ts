import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import type { GraphTransport } from '../../../nodes/shared/chat/teams/graphClient';
import { TeamsPlatform, type TeamsUser } from '../../../nodes/shared/chat/teams/TeamsPlatform';
import { MessageLimitError } from '../../../nodes/shared/messages/errors';
import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import { items } from '../messages/fixtures';
import { GraphEmulator } from '../../../emulators/graphApi';
import { closeServer } from '../../../emulators/closeServer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the nodes do through n8n, minus n8n: real HTTP with a bearer token. */
function fetchTransport(token: () => string): GraphTransport {
	return async ({ method, url, headers, body }) => {
		const res = await fetch(url, {
			method,
			headers: { ...headers, Authorization: `Bearer ${token()}` },
			body,
		});
		return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
	};
}

describe('TeamsPlatform against the Graph emulator', () => {
	let graph: GraphEmulator;
	let token: string;
	let teams: TeamsPlatform;

	beforeEach(async () => {
		graph = new GraphEmulator();
		await graph.start();
		token = graph.issueTokens().accessToken;
		teams = new TeamsPlatform({
			transport: fetchTransport(() => token),
			graphApiBaseUrl: graph.graphBaseUrl,
		});
	});

	afterEach(async () => {
		await graph.stop();
	});

	async function failure(call: Promise<unknown>): Promise<ChatPlatformError> {
		const error = await call.then(
			() => undefined,
			(e: unknown) => e,
		);
		if (!(error instanceof ChatPlatformError))
			throw new Error(`expected a ChatPlatformError, got ${String(error)}`);
		expect(`${error.message} ${error.fix}`).not.toContain(token);
		return error;
	}

	describe('finding people by email', () => {
		beforeEach(() => {
			graph.addUser({
				id: 'u-mail',
				displayName: 'Ana Mail',
				userPrincipalName: 'ana.m@contoso.test',
				mail: 'Ana@Perks.test',
			});
			graph.addUser({ id: 'u-upn', displayName: 'Bo Upn', userPrincipalName: 'bo@contoso.test' });
			graph.addUser({
				id: 'u-alias',
				displayName: 'Cy Alias',
				userPrincipalName: 'cy@contoso.test',
				mail: 'cy@contoso.test',
				proxyAddresses: ['SMTP:cy@contoso.test', 'smtp:cyrus.old@perks.test'],
			});
			graph.addUser({
				id: 'u-other',
				displayName: 'Di Other',
				userPrincipalName: 'di@contoso.test',
				otherMails: ['di@home.test'],
			});
		});

		it.each([
			['mail, case-insensitively', ' ana@perks.TEST ', 'u-mail'],
			['userPrincipalName', 'bo@contoso.test', 'u-upn'],
			['a proxyAddresses alias (smtp:)', 'Cyrus.Old@perks.test', 'u-alias'],
		])('by %s', async (_how, email, id) => {
			const user = await teams.findUserByEmail(email);
			expect(user).toMatchObject({ id, active: true, isBot: false });
			expect(graph.callCount('GET /users')).toBe(1);
		});

		it('never finds anyone by otherMails, which a user can set to any address', async () => {
			expect(await teams.findUserByEmail('di@home.test')).toBeUndefined();
			expect((await teams.getUser('u-other')).emails).toEqual(['di@contoso.test']);
		});

		it('refuses an address two enabled users share (ambiguous_recipient, fix: Manual Mappings), never picks one', async () => {
			graph.addUser({ id: 'u-twin1', displayName: 'Twin', userPrincipalName: 'twin@perks.test' });
			graph.addUser({
				id: 'u-twin2',
				displayName: 'Twin Too',
				userPrincipalName: 'twin2@contoso.test',
				proxyAddresses: ['smtp:Twin@perks.test'],
			});
			const error = await failure(teams.findUserByEmail('twin@perks.test'));
			expect(error.code).toBe('ambiguous_recipient');
			expect(error.fix).toContain('Manual Mappings');
			expect(error.fix).toContain('Object ID');
		});

		it('returns undefined for an unknown email', async () => {
			expect(await teams.findUserByEmail('nobody@perks.test')).toBeUndefined();
		});

		it('marks a disabled account inactive, and prefers an enabled one with the same alias', async () => {
			graph.addUser({
				id: 'u-off',
				displayName: 'Ed Off',
				userPrincipalName: 'ed@contoso.test',
				accountEnabled: false,
			});
			expect(await teams.findUserByEmail('ed@contoso.test')).toMatchObject({
				id: 'u-off',
				active: false,
			});

			graph.addUser({
				id: 'u-old',
				displayName: 'Fay',
				userPrincipalName: 'fay.old@contoso.test',
				otherMails: ['fay@perks.test'],
				accountEnabled: false,
			});
			graph.addUser({ id: 'u-new', displayName: 'Fay', userPrincipalName: 'fay@perks.test' });
			expect(await teams.findUserByEmail('fay@perks.test')).toMatchObject({
				id: 'u-new',
				active: true,
			});
		});

		it('finds an email with a quote in it', async () => {
			graph.addUser({
				id: 'u-q',
				displayName: "Gil O'Hara",
				userPrincipalName: "gil.o'hara@contoso.test",
			});
			expect((await teams.findUserByEmail("gil.o'hara@contoso.test"))?.id).toBe('u-q');
		});

		it('gets a user by id or UPN, and explains an unknown one', async () => {
			expect((await teams.getUser('u-upn')).name).toBe('Bo Upn');
			expect((await teams.getUser('bo@contoso.test')).id).toBe('u-upn');
			const error = await failure(teams.getUser('u-missing'));
			expect(error.code).toBe('recipient_not_found');
			expect(error.fix).toContain('Manual Mappings');
		});
	});

	it('lists 10,000 users in 11 calls, with every address of each', async () => {
		graph.addUsers(10_000);
		graph.addUser({
			displayName: 'Alias',
			userPrincipalName: 'a@contoso.test',
			proxyAddresses: ['smtp:A.Alias@Perks.test'],
		});
		const users: TeamsUser[] = [];
		for await (const page of teams.listUsers()) users.push(...page);
		expect(users).toHaveLength(10_002); // with the service account
		expect(new Set(users.map((u) => u.id)).size).toBe(10_002);
		expect(graph.callCount('GET /users')).toBe(11);
		expect(
			graph.requests.filter((r) => r.route === 'GET /users').every((r) => r.query.$top === '999'),
		).toBe(true);
		expect(users.find((u) => u.name === 'Alias')?.emails).toEqual([
			'a@contoso.test',
			'a.alias@perks.test',
		]);
	});

	describe('direct messages', () => {
		beforeEach(() => {
			graph.addUser({
				id: 'u-ana',
				displayName: 'Ana',
				userPrincipalName: 'ana@contoso.test',
				mail: 'ana@perks.test',
			});
		});

		it('sends the default message by email twice through one 1:1 chat', async () => {
			const doc = buildEventMessage(items['wallet.funded'], 'personal', 'es');
			for (let i = 0; i < 2; i++) {
				const user = await teams.findUserByEmail('ana@perks.test');
				await teams.sendDirectMessage(user!.id, { text: doc.fallbackText, doc });
			}
			expect(graph.chatIds).toHaveLength(1);
			const chat = graph.chatIds[0];
			expect(graph.messagesIn(`chat:${chat}`)).toHaveLength(2);
			expect(graph.messages[0].body.contentType).toBe('html');
			expect(graph.messages[0].body.content).toContain(`<strong>${doc.title}</strong>`);
			expect(graph.callCount('GET /me')).toBe(1); // the service account's id is cached
			const members = (
				graph.requests.find((r) => r.route === 'POST /chats')?.body as {
					members: Record<string, unknown>[];
				}
			).members;
			expect(members.map((m) => m['user@odata.bind'])).toEqual([
				`https://graph.microsoft.com/v1.0/users('${graph.serviceAccount.id}')`,
				"https://graph.microsoft.com/v1.0/users('u-ana')",
			]);
		});

		it('sends an Adaptive Card as an attachment with the card as a string', async () => {
			const card = {
				type: 'AdaptiveCard',
				version: '1.5',
				body: [{ type: 'TextBlock', text: 'Hi' }],
			};
			await teams.sendDirectMessage('u-ana', { text: 'Look', native: [card] });
			const [message] = graph.messages;
			expect(message.body.content).toBe('<p>Look</p><attachment id="card1"></attachment>');
			expect(message.attachments).toEqual([
				{
					id: 'card1',
					contentType: 'application/vnd.microsoft.card.adaptive',
					content: JSON.stringify(card),
				},
			]);
		});

		it('refuses a non-card and an oversized message before any call', async () => {
			expect(
				(
					await failure(
						teams.sendDirectMessage('u-ana', { text: '', native: [{ type: 'Blocks' }] }),
					)
				).code,
			).toBe('invalid_card');
			await expect(teams.sendDirectMessage('u-ana', { text: 'x'.repeat(30_000) })).rejects.toThrow(
				MessageLimitError,
			);
			expect(() => teams.validateMessage({ text: 'é'.repeat(14_500) })).toThrow(/29,000 bytes/);
			expect(graph.requests).toHaveLength(0);
		});

		it('waits out a 429 and posts once', async () => {
			graph.throttleNext('POST /chats/{id}/messages', 1, 1);
			const began = Date.now();
			await teams.sendDirectMessage('u-ana', { text: 'Hello' });
			expect(Date.now() - began).toBeGreaterThanOrEqual(900);
			expect(graph.callCount('POST /chats/{id}/messages')).toBe(2);
			expect(graph.messages).toHaveLength(1);
		});

		it('gives up on a long Retry-After at once', async () => {
			graph.throttleNext('POST /chats/{id}/messages', 1, 120);
			const error = await failure(teams.sendDirectMessage('u-ana', { text: 'Hello' }));
			expect(error).toMatchObject({
				code: 'rate_limited',
				retryAfterSeconds: 120,
				ambiguous: false,
			});
			expect(graph.callCount('POST /chats/{id}/messages')).toBe(1);
		});

		it('never re-posts after a 504 (it may have arrived), but retries the chat creation', async () => {
			graph.failNext('POST /chats', 1, { status: 504 });
			graph.failNext('POST /chats/{id}/messages', 1, { status: 504 });
			const error = await failure(teams.sendDirectMessage('u-ana', { text: 'Hello' }));
			expect(error).toMatchObject({ code: 'delivery_unknown', ambiguous: true });
			expect(error.fix).toMatch(/not posted twice/);
			expect(graph.callCount('POST /chats')).toBe(2);
			expect(graph.callCount('POST /chats/{id}/messages')).toBe(1);
		});

		it('says to re-authorize when the token is refused, without the token', async () => {
			graph.expireAccessTokens();
			const error = await failure(teams.sendDirectMessage('u-ana', { text: 'Hello' }));
			expect(error.code).toBe('reauthorize');
			expect(error.fix).toMatch(/service account/);
		});

		it('names a missing delegated permission', async () => {
			graph.setScopes(['User.Read', 'User.Read.All', 'Chat.Create']);
			const error = await failure(teams.sendDirectMessage('u-ana', { text: 'Hello' }));
			expect(error.code).toBe('missing_permission');
			expect(error.fix).toContain('"ChatMessage.Send"');
			expect(error.fix).toContain('Grant admin consent');
		});

		it('reports an unreachable Graph without details of the request', async () => {
			await graph.stop();
			const error = await failure(teams.sendDirectMessage('u-ana', { text: 'Hello' }));
			expect(error.code).toBe('unreachable');
		});
	});

	describe('the transport seam (n8n in the nodes)', () => {
		it('accepts bodies already parsed as JSON, as n8n returns them', async () => {
			const parsed: GraphTransport = async (request) => {
				const answer = await fetchTransport(() => token)(request);
				return { ...answer, body: answer.body ? JSON.parse(answer.body as string) : undefined };
			};
			const platform = new TeamsPlatform({
				transport: parsed,
				graphApiBaseUrl: graph.graphBaseUrl,
			});
			graph.addUsers(1_000);
			let count = 0;
			for await (const page of platform.listUsers()) count += page.length;
			expect(count).toBe(1_001);
			expect(graph.callCount('GET /users')).toBe(2);
		});

		it('refuses a next-page link to another host: no request there, so no token', async () => {
			const calls: Array<{ url?: string; authorization?: string }> = [];
			const elsewhere = createServer((req, res) => {
				calls.push({ url: req.url, authorization: req.headers.authorization });
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
			});
			await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
			try {
				graph.nextLinkBaseUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
				graph.addUsers(1_000);
				const pages: number[] = [];
				const error = await failure(
					(async () => {
						for await (const page of teams.listUsers()) pages.push(page.length);
					})(),
				);
				expect(error.code).toBe('foreign_next_link');
				expect(error.fix).toContain('Graph API Base URL');
				expect(error.message).toContain(graph.nextLinkBaseUrl);
				expect(pages).toEqual([999]);
				expect(calls).toEqual([]);
			} finally {
				await closeServer(elsewhere);
			}
		});

		it('turns a failed token refresh into reauthorize, without the transport error text', async () => {
			const secret = 'rt.very-secret-refresh-token';
			const platform = new TeamsPlatform({
				transport: async () => {
					throw new Error(`invalid_grant: AADSTS70000 while refreshing ${secret}`);
				},
				graphApiBaseUrl: graph.graphBaseUrl,
			});
			const error = await failure(platform.getUser('u1'));
			expect(error.code).toBe('reauthorize');
			expect(`${error.message} ${error.fix}`).not.toContain(secret);
		});
	});

	describe('calls in flight', () => {
		/** The emulator's transport, each answer held `ms`, counting requests in flight per kind. */
		function slowTransport(ms: number) {
			const inFlight = { posts: 0, chats: 0, channel: 0 };
			const most = { posts: 0, chats: 0, channel: 0 };
			const transport: GraphTransport = async (request) => {
				const kind = /\/chats\/[^/]+\/messages$/.test(request.url)
					? 'posts'
					: /\/chats$/.test(request.url)
						? 'chats'
						: /\/channels\//.test(request.url)
							? 'channel'
							: undefined;
				if (kind) most[kind] = Math.max(most[kind], ++inFlight[kind]);
				try {
					await new Promise((resolve) => setTimeout(resolve, ms));
					return await fetchTransport(() => token)(request);
				} finally {
					if (kind) inFlight[kind]--;
				}
			};
			return { transport, most };
		}

		it("a company's DMs: up to 10 chat creations and 10 posts at once, not 4 (Graph allows 20 posts a second)", async () => {
			const { transport, most } = slowTransport(100);
			const platform = new TeamsPlatform({ transport, graphApiBaseUrl: graph.graphBaseUrl });
			const people = graph.addUsers(40, 'company.test');
			await Promise.all(people.map((p) => platform.sendDirectMessage(p.id, { text: 'Funded' })));
			expect(graph.messages).toHaveLength(40);
			expect(most.chats).toBe(10);
			expect(most.posts).toBe(10);
		});

		it('channel posts keep 4 at once (Graph allows 4 a second per team or channel)', async () => {
			const { transport, most } = slowTransport(100);
			const platform = new TeamsPlatform({ transport, graphApiBaseUrl: graph.graphBaseUrl });
			const team = graph.addTeam({ displayName: 'Perks' });
			const target = { team: team.id, channel: team.channels[0].id };
			await Promise.all(
				Array.from({ length: 12 }, (_, i) => platform.postToChannel(target, { text: `News ${i}` })),
			);
			expect(graph.messagesIn(`channel:${team.id}/${team.channels[0].id}`)).toHaveLength(12);
			expect(most.channel).toBe(4);
		});
	});

	describe('teams and channels', () => {
		it('lists joined, unarchived teams and their channels by name', async () => {
			graph.addTeam({
				id: 't-perks',
				displayName: 'Perks',
				channels: ['General', 'Announcements'],
			});
			graph.addTeam({ id: 't-old', displayName: 'Perks archive', isArchived: true });
			graph.addTeam({ id: 't-other', displayName: 'Perks finance', serviceAccountIsMember: false });
			expect(await teams.searchTeams('perk')).toEqual([
				{ id: 't-perks', name: 'Perks', isArchived: false },
			]);
			const channels = await teams.searchChannels('ann', 't-perks');
			expect(channels).toEqual([
				expect.objectContaining({ name: 'Announcements', isPrivate: false }),
			]);
			expect((await failure(teams.searchChannels('', ''))).code).toBe('team_required');
		});

		it('posts an announcement to a channel', async () => {
			const team = graph.addTeam({ displayName: 'Perks' });
			const doc = buildEventMessage(items['catalog.perk_added'], 'channel', 'en');
			const posted = await teams.postToChannel(
				{ team: team.id, channel: team.channels[0].id },
				{ text: doc.fallbackText, doc },
			);
			const [message] = graph.messagesIn(`channel:${team.id}/${team.channels[0].id}`);
			expect(message.id).toBe(posted.messageId);
			expect(message.body.content).toContain(doc.title);
		});

		it('explains 403 not a member, 404 no team or channel, and an archived team', async () => {
			const outside = graph.addTeam({ displayName: 'Finance', serviceAccountIsMember: false });
			const archived = graph.addTeam({ displayName: 'Old', isArchived: true });
			const perks = graph.addTeam({ displayName: 'Perks' });
			const post = (team: string, channel: string) =>
				teams.postToChannel({ team, channel }, { text: 'Hi' });

			const notMember = await failure(post(outside.id, outside.channels[0].id));
			expect(notMember).toMatchObject({ code: 'not_a_member', httpStatus: 403 });
			expect(notMember.fix).toMatch(/Add the service account/);

			expect((await failure(post('t-nope', 'c'))).code).toBe('team_not_found');
			expect((await failure(teams.searchChannels('', outside.id))).code).toBe('not_a_member');
			expect((await failure(teams.searchChannels('', 't-nope'))).code).toBe('team_not_found');
			const noChannel = await failure(post(perks.id, '19:nope@thread.tacv2'));
			expect(noChannel.code).toBe('channel_not_found');
			expect(noChannel.fix).toContain('19:nope@thread.tacv2');

			const old = await failure(post(archived.id, archived.channels[0].id));
			expect(old.code).toBe('team_archived');
			expect(old.message).toContain('"Old" is archived');
			expect(graph.messages).toHaveLength(0);
		});
	});
});
