import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';

import { ALL_SCOPES, SlackEmulator } from '../../../emulators/slackApi';

const TOKEN = 'xoxb-test-token';

// The error fields these tests read; WebAPICallResult has no index signature to reuse.
type SlackErrorData = { error: string; needed?: string; provided?: string };

describe('SlackEmulator', () => {
	let emulator: SlackEmulator;
	let client: WebClient;

	function clientWith(token = TOKEN): WebClient {
		return new WebClient(token, {
			slackApiUrl: emulator.apiUrl,
			retryConfig: { retries: 0 },
			rejectRateLimitedCalls: true,
		});
	}

	/** The Slack error code of a rejected call. */
	async function errorOf(call: Promise<unknown>): Promise<SlackErrorData> {
		try {
			await call;
		} catch (err) {
			const e = err as WebAPIPlatformError;
			if (e.code !== ErrorCode.PlatformError) throw err;
			return e.data as SlackErrorData;
		}
		throw new Error('expected the call to fail');
	}

	async function rawPost(method: string, body: string, headers: Record<string, string>) {
		const res = await fetch(`${emulator.apiUrl}${method}`, { method: 'POST', body, headers });
		return {
			status: res.status,
			headers: res.headers,
			json: (await res.json()) as Record<string, unknown>,
		};
	}

	beforeEach(async () => {
		emulator = new SlackEmulator();
		await emulator.start();
		client = clientWith();
	});

	/** The emulator stopped and replaced by one built with `options` (afterEach stops it). */
	async function restarted(options: ConstructorParameters<typeof SlackEmulator>[0]) {
		await emulator.stop();
		const fresh = new SlackEmulator(options);
		await fresh.start();
		return fresh;
	}

	afterEach(async () => {
		await emulator.stop();
	});

	describe('lifecycle and wire format', () => {
		it('listens on loopback and returns the API url', () => {
			expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
		});

		it('accepts JSON bodies and GET query strings', async () => {
			emulator.addChannel({ name: 'general', botIsMember: true });
			const json = await rawPost(
				'chat.postMessage',
				JSON.stringify({ channel: '#general', blocks: [{ type: 'divider' }] }),
				{
					Authorization: `Bearer ${TOKEN}`,
					'Content-Type': 'application/json',
				},
			);
			expect(json.status).toBe(200);
			expect(json.json.ok).toBe(true);
			expect(emulator.messages[0].blocks).toEqual([{ type: 'divider' }]);

			const get = await fetch(`${emulator.apiUrl}auth.test?token=${TOKEN}`);
			expect(await get.json()).toMatchObject({ ok: true, user_id: emulator.botUserId });
		});

		it('answers unknown methods with unknown_method', async () => {
			const res = await rawPost('nope.nothing', '', { Authorization: `Bearer ${TOKEN}` });
			expect(res.json).toMatchObject({ ok: false, error: 'unknown_method' });
		});
	});

	describe('auth', () => {
		it('auth.test identifies the bot', async () => {
			const res = await client.auth.test();
			expect(res).toMatchObject({
				ok: true,
				team_id: emulator.teamId,
				user_id: emulator.botUserId,
				bot_id: emulator.botId,
				user: 'perks',
			});
			expect(res.url).toMatch(/^https:\/\/.+\.slack\.com\/$/);
		});

		it('rejects a wrong or missing token with invalid_auth', async () => {
			expect((await errorOf(clientWith('xoxb-wrong').auth.test())).error).toBe('invalid_auth');
			const res = await rawPost('auth.test', '', {
				'Content-Type': 'application/x-www-form-urlencoded',
			});
			expect(res.json).toEqual({ ok: false, error: 'invalid_auth' });
		});

		it('reports token_revoked after revokeToken()', async () => {
			emulator.revokeToken();
			expect((await errorOf(client.auth.test())).error).toBe('token_revoked');
		});

		it('honours a custom token', async () => {
			await emulator.stop();
			emulator = new SlackEmulator({ token: 'xoxb-other', teamId: 'T999' });
			await emulator.start();
			expect(await clientWith('xoxb-other').auth.test()).toMatchObject({
				ok: true,
				team_id: 'T999',
			});
		});
	});

	describe('users', () => {
		it('paginates 2,500 users in 3 calls of limit 1000', async () => {
			emulator.addUsers(2500);
			const members: unknown[] = [];
			for await (const page of client.paginate('users.list', { limit: 1000 })) {
				members.push(...((page as { members?: unknown[] }).members ?? []));
			}
			expect(members).toHaveLength(2500);
			expect(emulator.callCount('users.list')).toBe(3);
			expect(new Set(members.map((m) => (m as { id: string }).id)).size).toBe(2500);
		});

		it('adds 5,000 users quickly and ends with an empty next_cursor', async () => {
			const started = Date.now();
			emulator.addUsers(5000);
			expect(Date.now() - started).toBeLessThan(1000);
			const res = await client.users.list({ limit: 5000 });
			expect(res.members).toHaveLength(1000); // capped like Slack
			const last = await client.users.list({
				limit: 1000,
				cursor: res.response_metadata?.next_cursor,
			});
			expect(last.members?.[0]?.name).toBe('user1001');
			const defaults = await client.users.list({});
			expect(defaults.members).toHaveLength(100);
			expect((await errorOf(client.users.list({ cursor: 'garbage' }))).error).toBe(
				'invalid_cursor',
			);
		});

		it('returns Slack-shaped members', async () => {
			emulator.addUser({
				id: 'U1',
				name: 'ada',
				email: 'ada@example.com',
				realName: 'Ada L',
				displayName: 'ada',
			});
			const res = await client.users.list({});
			expect(res.members?.[0]).toMatchObject({
				id: 'U1',
				name: 'ada',
				real_name: 'Ada L',
				deleted: false,
				is_bot: false,
				is_app_user: false,
				profile: { email: 'ada@example.com', real_name: 'Ada L', display_name: 'ada' },
			});
			expect(res.response_metadata?.next_cursor).toBe('');
		});

		it('looks users up by email case-insensitively, deleted ones included', async () => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'Ada@Example.com' });
			emulator.addUser({ id: 'U2', name: 'gone', email: 'gone@example.com', deleted: true });
			expect((await client.users.lookupByEmail({ email: 'ADA@example.COM' })).user?.id).toBe('U1');
			expect((await client.users.lookupByEmail({ email: 'gone@example.com' })).user).toMatchObject({
				id: 'U2',
				deleted: true,
			});
			expect((await errorOf(client.users.lookupByEmail({ email: 'x@example.com' }))).error).toBe(
				'users_not_found',
			);
		});

		it('users.info finds users and reports user_not_found', async () => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
			expect((await client.users.info({ user: 'U1' })).user?.name).toBe('ada');
			expect((await client.users.info({ user: emulator.botUserId })).user?.is_bot).toBe(true);
			expect((await errorOf(client.users.info({ user: 'U404' }))).error).toBe('user_not_found');
		});
	});

	describe('DMs', () => {
		it('opens a stable DM and records the post with parsed blocks', async () => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
			const first = await client.conversations.open({ users: 'U1' });
			const second = await client.conversations.open({ users: 'U1' });
			const dm = first.channel?.id as string;
			expect(dm).toMatch(/^D/);
			expect(second.channel?.id).toBe(dm);
			expect(second.already_open).toBe(true);

			const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*You got 50 points*' } }];
			const posted = await client.chat.postMessage({
				channel: dm,
				text: 'You got 50 points',
				blocks,
			});
			expect(posted).toMatchObject({
				ok: true,
				channel: dm,
				message: { text: 'You got 50 points', blocks },
			});
			expect(emulator.messages).toHaveLength(1);
			expect(emulator.messages[0]).toMatchObject({
				channel: dm,
				text: 'You got 50 points',
				blocks,
				ts: posted.ts,
			});
			expect(emulator.messagesFor('U1')).toHaveLength(1);
		});

		it('posting to a user id lands in their DM', async () => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
			const res = await client.chat.postMessage({ channel: 'U1', text: 'hi' });
			expect(res.channel).toBe(emulator.dmChannelFor('U1'));
			expect(emulator.messages[0]).toMatchObject({ channel: res.channel, requestedChannel: 'U1' });
		});

		it('refuses unknown and deactivated users', async () => {
			emulator.addUser({ id: 'U2', name: 'gone', email: 'gone@example.com', deleted: true });
			expect((await errorOf(client.conversations.open({ users: 'U404' }))).error).toBe(
				'user_not_found',
			);
			expect((await errorOf(client.conversations.open({ users: 'U2' }))).error).toBe(
				'user_disabled',
			);
		});
	});

	describe('channels', () => {
		beforeEach(() => {
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
			emulator.addChannel({ id: 'C2', name: 'random' });
			emulator.addChannel({ id: 'C3', name: 'secret', isPrivate: true });
			emulator.addChannel({
				id: 'C4',
				name: 'team-perks',
				isPrivate: true,
				members: [emulator.botUserId],
			});
			emulator.addChannel({ id: 'C5', name: 'old', isArchived: true, botIsMember: true });
		});

		it('lists public channels, and private ones only where the bot is a member', async () => {
			const ids = async (types: string, exclude = false) =>
				(
					(await client.conversations.list({ types, exclude_archived: exclude })).channels ?? []
				).map((c) => c.id);
			expect(await ids('public_channel')).toEqual(['C1', 'C2', 'C5']);
			expect(await ids('public_channel,private_channel', true)).toEqual(['C1', 'C2', 'C4']);
		});

		it('paginates conversations.list', async () => {
			const seen: string[] = [];
			for await (const page of client.paginate('conversations.list', {
				limit: 2,
				types: 'public_channel',
			})) {
				seen.push(...((page as { channels?: { id: string }[] }).channels ?? []).map((c) => c.id));
			}
			expect(seen).toEqual(['C1', 'C2', 'C5']);
			expect(emulator.callCount('conversations.list')).toBe(2);
		});

		it('conversations.info hides unknown and private non-member channels', async () => {
			expect((await client.conversations.info({ channel: 'C4' })).channel).toMatchObject({
				id: 'C4',
				is_private: true,
				is_member: true,
			});
			expect((await errorOf(client.conversations.info({ channel: 'C3' }))).error).toBe(
				'channel_not_found',
			);
			expect((await errorOf(client.conversations.info({ channel: 'C404' }))).error).toBe(
				'channel_not_found',
			);
		});

		it('applies the chat.postMessage channel rules', async () => {
			const post = (channel: string) => client.chat.postMessage({ channel, text: 'hi' });
			expect((await post('C1')).channel).toBe('C1');
			expect((await post('#general')).channel).toBe('C1');
			expect((await post('random')).channel).toBe('C2'); // public non-member: chat:write.public
			expect((await post('C4')).channel).toBe('C4');
			expect((await errorOf(post('C3'))).error).toBe('channel_not_found');
			expect((await errorOf(post('C5'))).error).toBe('is_archived');
			expect((await errorOf(post('C404'))).error).toBe('channel_not_found');
			expect(emulator.messages.map((m) => m.channel)).toEqual(['C1', 'C1', 'C2', 'C4']);
		});

		it('validates message content', async () => {
			const long = await errorOf(
				client.chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }),
			);
			expect(long.error).toBe('msg_too_long');
			const res = await rawPost('chat.postMessage', 'channel=C1', {
				Authorization: `Bearer ${TOKEN}`,
			});
			expect(res.json).toEqual({ ok: false, error: 'no_text' });
			expect(emulator.messages).toHaveLength(0);
			await client.chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_000) });
		});

		it('gives unique, increasing ts', async () => {
			const ts: string[] = [];
			for (let i = 0; i < 20; i++)
				ts.push((await client.chat.postMessage({ channel: 'C1', text: `${i}` })).ts as string);
			expect(new Set(ts).size).toBe(20);
			expect([...ts].sort((a, b) => Number(a) - Number(b))).toEqual(ts);
			expect(ts[0]).toMatch(/^\d+\.\d{6}$/);
		});

		it('conversations.join makes the bot a member', async () => {
			await client.conversations.join({ channel: 'C2' });
			expect(emulator.getChannel('C2')?.botIsMember).toBe(true);
			expect((await errorOf(client.conversations.join({ channel: 'C3' }))).error).toBe(
				'channel_not_found',
			);
		});
	});

	describe('scopes', () => {
		beforeEach(() => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
			emulator.addChannel({ id: 'C2', name: 'random' });
			emulator.addChannel({ id: 'C4', name: 'team-perks', isPrivate: true, botIsMember: true });
		});

		it('reports missing_scope with needed and provided', async () => {
			emulator.setScopes(['chat:write', 'users:read']);
			const data = await errorOf(client.users.lookupByEmail({ email: 'ada@example.com' }));
			expect(data).toMatchObject({
				error: 'missing_scope',
				needed: 'users:read.email',
				provided: 'chat:write,users:read',
			});
			expect((await errorOf(client.conversations.open({ users: 'U1' }))).needed).toBe('im:write');
			expect((await errorOf(client.conversations.list({}))).needed).toBe('channels:read');
			await client.users.info({ user: 'U1' });
		});

		it('needs groups:read for private channels', async () => {
			emulator.setScopes(['channels:read']);
			await client.conversations.info({ channel: 'C1' });
			expect((await errorOf(client.conversations.info({ channel: 'C4' }))).needed).toBe(
				'groups:read',
			);
			const list = client.conversations.list({ types: 'public_channel,private_channel' });
			expect((await errorOf(list)).needed).toBe('groups:read');
		});

		it('needs chat:write, and chat:write.public for public non-member channels', async () => {
			emulator.setScopes(['users:read']);
			expect((await errorOf(client.chat.postMessage({ channel: 'C1', text: 'hi' }))).needed).toBe(
				'chat:write',
			);
			emulator.setScopes(['chat:write']);
			await client.chat.postMessage({ channel: 'C1', text: 'member' });
			expect((await errorOf(client.chat.postMessage({ channel: 'C2', text: 'hi' }))).error).toBe(
				'not_in_channel',
			);
			expect(emulator.messages).toHaveLength(1);
		});
	});

	describe('fault injection', () => {
		beforeEach(() => {
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
		});

		it('answers 429 with Retry-After and records no message', async () => {
			emulator.failNext('chat.postMessage', 1, { status: 429, retryAfter: 7 });
			const err = await client.chat
				.postMessage({ channel: 'C1', text: 'hi' })
				.catch((e: unknown) => e);
			expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
			expect(emulator.messages).toHaveLength(0);

			await client.chat.postMessage({ channel: 'C1', text: 'hi' });
			expect(emulator.messages).toHaveLength(1);
			expect(emulator.callCount('chat.postMessage')).toBe(2);
		});

		it('sends the raw 429 shape', async () => {
			emulator.failNext('auth.test', 1, { retryAfter: 3 });
			const res = await rawPost('auth.test', '', { Authorization: `Bearer ${TOKEN}` });
			expect(res.status).toBe(429);
			expect(res.headers.get('retry-after')).toBe('3');
			expect(res.json).toEqual({ ok: false, error: 'ratelimited' });
			expect(emulator.calls.map((c) => c.answer)).toEqual(['429']);
		});

		it('a retrying client posts exactly once after a 429', async () => {
			emulator.failNext('chat.postMessage', 1, { status: 429, retryAfter: 0 });
			const retrying = new WebClient(TOKEN, {
				slackApiUrl: emulator.apiUrl,
				retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
				logLevel: LogLevel.ERROR, // the retry is expected; keep its warning out of the output
			});
			await retrying.chat.postMessage({ channel: 'C1', text: 'once' });
			expect(emulator.messages).toHaveLength(1);
			expect(emulator.callCount('chat.postMessage')).toBe(2);
		});

		it('injects 5xx and Slack error codes for the next N calls only', async () => {
			emulator.failNext('chat.postMessage', 1, { status: 503 });
			emulator.failNext('chat.postMessage', 2, { error: 'account_inactive' });
			const http = await client.chat
				.postMessage({ channel: 'C1', text: 'hi' })
				.catch((e: unknown) => e);
			expect(http).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
			for (let i = 0; i < 2; i++) {
				expect((await errorOf(client.chat.postMessage({ channel: 'C1', text: 'hi' }))).error).toBe(
					'account_inactive',
				);
			}
			expect(emulator.messages).toHaveLength(0);
			await client.chat.postMessage({ channel: 'C1', text: 'hi' });
			expect(emulator.messages).toHaveLength(1);
			expect(emulator.callCount('chat.postMessage')).toBe(4);
		});
	});

	describe('reliability faults', () => {
		/** A JSON post straight over fetch, so socket-level faults surface as they happen. */
		async function post(method: string, params: Record<string, unknown>) {
			const res = await fetch(`${emulator.apiUrl}${method}`, {
				method: 'POST',
				body: JSON.stringify(params),
				headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
			});
			const json = (await res.json()) as Record<string, unknown>;
			return { status: res.status, retryAfter: res.headers.get('retry-after'), json };
		}

		const hi = (text = 'hi') => post('chat.postMessage', { channel: 'C1', text });
		const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

		beforeEach(() => {
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
		});

		it('rate limits to N calls in a rolling second, refusing the rest unhandled', async () => {
			emulator.limitPerSecond('chat.postMessage', 10);
			const results = await Promise.all(Array.from({ length: 30 }, (_, i) => hi(`${i}`)));
			const ok = results.filter((r) => r.status === 200);
			const limited = results.filter((r) => r.status === 429);
			expect(ok).toHaveLength(10);
			expect(limited).toHaveLength(20);
			for (const r of limited) {
				expect(r.retryAfter).toBe('1');
				expect(r.json).toEqual({ ok: false, error: 'ratelimited' });
			}
			expect(emulator.messages).toHaveLength(10);
			expect(emulator.rateLimitedCount('chat.postMessage')).toBe(20);
			expect((await post('auth.test', {})).status).toBe(200); // other methods are not limited

			await sleep(1050);
			expect((await hi()).status).toBe(200);
			emulator.clearLimits();
			const burst = await Promise.all(Array.from({ length: 15 }, () => hi()));
			expect(burst.every((r) => r.status === 200)).toBe(true);
		});

		it("published limits: each method's tier a minute, usable at once, then 429 until the window ends", async () => {
			emulator.usePublishedLimits(60); // a minute lasts a second
			const lookups = await Promise.all(
				Array.from({ length: 60 }, () => post('users.lookupByEmail', { email: 'x@example.com' })),
			);
			// Tier 3: 50 a window answered (here users_not_found), the other 10 refused unhandled.
			expect(lookups.filter((r) => r.status === 200)).toHaveLength(50);
			const refused = lookups.filter((r) => r.status === 429);
			expect(refused).toHaveLength(10);
			for (const r of refused) expect(r.retryAfter).toBe('1');
			expect(emulator.rateLimitedCount('users.lookupByEmail')).toBe(10);
			// Tiers are per method: Tier 2 users.list has its own 20.
			const lists = await Promise.all(Array.from({ length: 21 }, () => post('users.list', {})));
			expect(lists.map((r) => r.status).filter((s) => s === 429)).toHaveLength(1);
			await sleep(1050);
			expect((await post('users.lookupByEmail', { email: 'x@example.com' })).status).toBe(200);
		});

		it('published limits: chat.postMessage per channel (a user id and its DM are one) and per workspace', async () => {
			emulator = await restarted({ limits: 'published', timeScale: 60, postsPerMinute: 10 });
			const [ada, bo] = emulator.addUsers(2);
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
			const toAda = await Promise.all(
				Array.from({ length: 4 }, () => post('chat.postMessage', { channel: ada.id, text: 'x' })),
			);
			expect(toAda.map((r) => r.status)).toEqual([200, 200, 200, 429]);
			const dm = emulator.dmChannelFor(ada.id)!;
			expect((await post('chat.postMessage', { channel: dm, text: 'x' })).status).toBe(429);
			// Other channels still post, until the workspace's 10 a window are used.
			const elsewhere = await Promise.all([
				...Array.from({ length: 3 }, () => post('chat.postMessage', { channel: bo.id, text: 'x' })),
				...Array.from({ length: 3 }, () => post('chat.postMessage', { channel: 'C1', text: 'x' })),
			]);
			expect(elsewhere.filter((r) => r.status === 200)).toHaveLength(6);
			const more = await Promise.all(
				emulator.addUsers(3).map((u) => post('chat.postMessage', { channel: u.id, text: 'x' })),
			);
			expect(more.map((r) => r.status).sort()).toEqual([200, 429, 429]);
			expect(emulator.messages).toHaveLength(10);
			emulator.clearLimits();
			expect((await post('chat.postMessage', { channel: ada.id, text: 'x' })).status).toBe(200);
		});

		it('changeEmail: the person is found by the new address only', async () => {
			const [ada] = emulator.addUsers(1);
			emulator.changeEmail(ada.id, 'Ada.New@example.com');
			const found = await post('users.lookupByEmail', { email: 'ada.new@example.com' });
			expect((found.json.user as { id: string }).id).toBe(ada.id);
			const old = await post('users.lookupByEmail', { email: 'user1@example.com' });
			expect(old.json.error).toBe('users_not_found');
		});

		it('seeded faultRate repeats the same faults, counted per kind', async () => {
			const run = async () => {
				emulator.faultRate({ rate: 0.4, kinds: ['429', '500', '503'], seed: 42 });
				const statuses: number[] = [];
				for (let i = 0; i < 40; i++) statuses.push((await post('auth.test', {})).status);
				return statuses;
			};
			const first = await run();
			const counts = (['429', '500', '503'] as const).map((k) => emulator.injectedCount(k));
			const second = await run();
			expect(second).toEqual(first);
			expect(new Set(first)).toEqual(new Set([200, 429, 500, 503]));
			expect(counts).toEqual([429, 500, 503].map((s) => first.filter((x) => x === s).length));

			emulator.faultRate({ rate: 0.4, kinds: ['429', '500', '503'], seed: 7 });
			const other: number[] = [];
			for (let i = 0; i < 40; i++) other.push((await post('auth.test', {})).status);
			expect(other).not.toEqual(first);
			emulator.clearFaultRate();
			expect((await post('auth.test', {})).status).toBe(200);
		});

		it('faultRate only touches the listed methods; its 429 says Retry-After 1', async () => {
			emulator.faultRate({ rate: 1, kinds: ['429'], methods: ['chat.postMessage'] });
			expect((await post('auth.test', {})).status).toBe(200);
			const limited = await hi();
			expect(limited).toMatchObject({ status: 429, retryAfter: '1' });
			expect(emulator.messages).toHaveLength(0);
		});

		it('reset drops the call unhandled; reset_after handles it, then drops the answer', async () => {
			emulator.faultRate({ rate: 1, kinds: ['reset'] });
			await expect(hi('lost')).rejects.toThrow();
			expect(emulator.messages).toHaveLength(0);

			emulator.faultRate({ rate: 1, kinds: ['reset_after'] });
			await expect(hi('ambiguous')).rejects.toThrow();
			expect(emulator.messages.map((m) => m.text)).toEqual(['ambiguous']);
			expect(emulator.injectedCount('reset_after')).toBe(1);
		});

		it('timeout_after handles the call and holds the answer, then destroys the socket', async () => {
			emulator.faultRate({ rate: 1, kinds: ['timeout_after'], holdMs: 300 });
			const started = Date.now();
			await expect(hi('slow')).rejects.toThrow();
			expect(Date.now() - started).toBeGreaterThanOrEqual(250);
			expect(emulator.messages.map((m) => m.text)).toEqual(['slow']);

			// A client that gives up first sees a timeout while the post stands.
			emulator.faultRate({ rate: 1, kinds: ['timeout_after'] }); // default 35 s hold
			const aborted = fetch(`${emulator.apiUrl}chat.postMessage`, {
				method: 'POST',
				body: JSON.stringify({ channel: 'C1', text: 'held' }),
				headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
				signal: AbortSignal.timeout(200),
			});
			await expect(aborted).rejects.toThrow(/timeout|aborted/i);
			expect(emulator.messages.map((m) => m.text)).toEqual(['slow', 'held']);
		});

		it("failNext('*') fails whichever method comes next, in the order queued; clearFaults drops the rest", async () => {
			emulator.failNext('*', 1, { status: 500 });
			emulator.failNext('auth.test', 1, { error: 'invalid_auth' });
			emulator.failNext('*', 1, { status: 502 });
			expect((await post('auth.test', {})).status).toBe(500);
			expect(await post('auth.test', {})).toMatchObject({
				status: 200,
				json: { error: 'invalid_auth' },
			});
			emulator.clearFaults();
			expect((await hi()).status).toBe(200);
		});

		it('an outage answers every matching call until it ends', async () => {
			emulator.outage(['chat.postMessage'], 300);
			expect(await hi()).toMatchObject({ status: 503, json: { error: 'service_unavailable' } });
			expect((await post('auth.test', {})).status).toBe(200);
			await sleep(350);
			expect((await hi()).status).toBe(200);

			emulator.outage('*', 60_000, 429);
			expect(await post('auth.test', {})).toMatchObject({ status: 429, retryAfter: '60' });
			emulator.outage('*', 60_000, 500);
			expect((await hi()).status).toBe(500);
			emulator.endOutage();
			expect((await hi()).status).toBe(200);
			expect(emulator.messages).toHaveLength(2);
		});

		it('keeps ts unique and increasing under 2,000 concurrent posts', async () => {
			const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => hi(`${i}`)));
			const answered = results.map((r) => r.json.ts as string);
			expect(new Set(answered).size).toBe(2000);
			const recorded = emulator.messages.map((m) => m.ts);
			expect([...recorded].sort()).toEqual(recorded); // same-length ts: string order is time order
			expect(new Set(recorded).size).toBe(2000);
		});
	});

	describe('message metadata and conversations.history', () => {
		const tag = { event_type: 'perks_event', event_payload: { event_id: 'evt_1' } };

		beforeEach(() => {
			emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
			emulator.addChannel({ id: 'C2', name: 'random' });
			emulator.addChannel({ id: 'C3', name: 'secret', isPrivate: true });
			emulator.addChannel({ id: 'C4', name: 'team', isPrivate: true, botIsMember: true });
		});

		it('keeps metadata and returns it, newest first, only with include_all_metadata', async () => {
			await client.chat.postMessage({ channel: 'C1', text: 'tagged', metadata: tag });
			await client.chat.postMessage({ channel: 'C1', text: 'plain' });
			await client.chat.postMessage({ channel: 'C4', text: 'elsewhere' });
			expect(emulator.messages[0].metadata).toEqual(tag);

			const bare = await client.conversations.history({ channel: 'C1' });
			expect(bare.messages?.map((m) => m.text)).toEqual(['plain', 'tagged']);
			expect(bare.messages?.some((m) => 'metadata' in m)).toBe(false);
			expect(bare.messages?.[0]).toMatchObject({
				type: 'message',
				user: emulator.botUserId,
				bot_id: emulator.botId,
			});

			const full = await client.conversations.history({
				channel: 'C1',
				include_all_metadata: true,
			});
			expect(full.messages?.[1]).toMatchObject({ text: 'tagged', metadata: tag });
			expect(full.messages?.[0].metadata).toBeUndefined();
		});

		it('accepts metadata as a JSON string and rejects a malformed one unrecorded', async () => {
			const body = (metadata: string) =>
				rawPost(
					'chat.postMessage',
					new URLSearchParams({ channel: 'C1', text: 'x', metadata }).toString(),
					{
						Authorization: `Bearer ${TOKEN}`,
					},
				);
			expect((await body(JSON.stringify(tag))).json.ok).toBe(true);
			expect((await body('{"event_type":"x"}')).json.error).toBe('invalid_metadata_schema');
			expect((await body('[1]')).json.error).toBe('invalid_metadata_format');
			expect(emulator.messages.map((m) => m.metadata)).toEqual([tag]);
		});

		it('pages with cursors and filters by oldest / latest', async () => {
			const ts: string[] = [];
			for (let i = 0; i < 5; i++)
				ts.push((await client.chat.postMessage({ channel: 'C1', text: `m${i}` })).ts as string);
			const texts: string[] = [];
			let cursor: string | undefined;
			let calls = 0;
			do {
				const page = await client.conversations.history({ channel: 'C1', limit: 2, cursor });
				texts.push(...(page.messages ?? []).map((m) => m.text as string));
				expect(page.has_more).toBe(Boolean(page.response_metadata?.next_cursor));
				cursor = page.response_metadata?.next_cursor || undefined;
				calls++;
			} while (cursor);
			expect(texts).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
			expect(calls).toBe(3);

			const between = await client.conversations.history({
				channel: 'C1',
				oldest: ts[1],
				latest: ts[3],
			});
			expect(between.messages?.map((m) => m.text)).toEqual(['m2']);
			const inclusive = await client.conversations.history({
				channel: 'C1',
				oldest: ts[1],
				latest: ts[3],
				inclusive: true,
			});
			expect(inclusive.messages?.map((m) => m.text)).toEqual(['m3', 'm2', 'm1']);
		});

		it('reads a DM through its conversations.open id', async () => {
			const dm = (await client.conversations.open({ users: 'U1' })).channel?.id as string;
			await client.chat.postMessage({ channel: 'U1', text: 'your wallet', metadata: tag });
			const history = await client.conversations.history({
				channel: dm,
				include_all_metadata: true,
			});
			expect(history.messages).toEqual([
				expect.objectContaining({ text: 'your wallet', metadata: tag }),
			]);
		});

		it('needs the history scope of the conversation type and membership', async () => {
			const dm = (await client.conversations.open({ users: 'U1' })).channel?.id as string;
			const history = (channel: string) => errorOf(client.conversations.history({ channel }));
			emulator.setScopes(['chat:write']);
			expect((await history('C1')).needed).toBe('channels:history');
			expect((await history('C4')).needed).toBe('groups:history');
			expect((await history(dm)).needed).toBe('im:history');
			emulator.setScopes([...ALL_SCOPES]);
			expect((await history('C404')).error).toBe('channel_not_found');
			expect((await history('C3')).error).toBe('not_in_channel');
			expect((await history('C2')).error).toBe('not_in_channel');
		});

		it('caps limit at 999', async () => {
			emulator.setBotMember('C2', true);
			for (let i = 0; i < 3; i++) await client.chat.postMessage({ channel: 'C2', text: `${i}` });
			const page = await client.conversations.history({ channel: 'C2', limit: 5000 });
			expect(page.messages).toHaveLength(3);
		});
	});

	describe('Block Kit limits', () => {
		beforeEach(() => {
			emulator.addChannel({ id: 'C1', name: 'general', botIsMember: true });
		});

		const text = (n: number) => ({ type: 'mrkdwn', text: 'x'.repeat(n) });

		it('rejects blocks over the limits with json-pointer errors, recording nothing', async () => {
			const blocks = [
				{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
				{ type: 'section', text: text(3001) },
				{ type: 'section', fields: [...Array.from({ length: 10 }, () => text(1)), text(2001)] },
				{ type: 'context', elements: Array.from({ length: 11 }, () => text(1)) },
				{ type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a'.repeat(2001) },
				...Array.from({ length: 46 }, () => ({ type: 'divider' })),
			];
			// Raw, because @slack/web-api logs each of Slack's messages as an error.
			const { json: data } = await rawPost(
				'chat.postMessage',
				JSON.stringify({ channel: 'C1', text: 't', blocks }),
				{ Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
			);
			expect(data.error).toBe('invalid_blocks');
			expect(data.errors).toEqual([
				'no more than 50 items allowed [json-pointer:/blocks]',
				'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
				'must be less than 3001 characters [json-pointer:/blocks/1/text/text]',
				'no more than 10 items allowed [json-pointer:/blocks/2/fields]',
				'must be less than 2001 characters [json-pointer:/blocks/2/fields/10/text]',
				'no more than 10 items allowed [json-pointer:/blocks/3/elements]',
				'must be less than 2001 characters [json-pointer:/blocks/4/alt_text]',
			]);
			expect(emulator.messages).toHaveLength(0);
		});

		it('accepts blocks exactly at the limits', async () => {
			const blocks = [
				{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
				{ type: 'section', text: text(3000), fields: Array.from({ length: 10 }, () => text(2000)) },
				{ type: 'context', elements: Array.from({ length: 10 }, () => text(1)) },
				{ type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a'.repeat(2000) },
				...Array.from({ length: 46 }, () => ({ type: 'divider' })),
			];
			await client.chat.postMessage({ channel: 'C1', text: 't', blocks });
			expect(emulator.messages).toHaveLength(1);
		});
	});

	describe('repeatCursor', () => {
		it.each([
			['users.list', 'members'],
			['conversations.list', 'channels'],
		] as const)('%s returns the same next_cursor forever', async (method, key) => {
			emulator.addUsers(3);
			for (let i = 0; i < 3; i++) emulator.addChannel({ name: `ch${i}` });
			emulator.repeatCursor(method);
			const first = await client.apiCall(method, { limit: 2 });
			const cursor = (first.response_metadata as { next_cursor: string }).next_cursor;
			expect(cursor).not.toBe('');
			for (let i = 0; i < 3; i++) {
				const again = await client.apiCall(method, { limit: 2, cursor });
				expect((again.response_metadata as { next_cursor: string }).next_cursor).toBe(cursor);
				expect((again as unknown as Record<string, unknown>)[key]).toHaveLength(2);
			}
		});
	});

	it('records every call with its params, time and answer, but not the token', async () => {
		emulator.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
		const before = Date.now();
		await client.users.info({ user: 'U1' });
		await client.users.info({ user: 'U404' }).catch(() => undefined);
		expect(emulator.calls).toEqual([
			{
				method: 'users.info',
				params: { user: 'U1' },
				token: TOKEN,
				at: expect.any(Number),
				answer: 'ok',
			},
			{
				method: 'users.info',
				params: { user: 'U404' },
				token: TOKEN,
				at: expect.any(Number),
				answer: 'user_not_found',
			},
		]);
		expect(emulator.calls[0].at).toBeGreaterThanOrEqual(before);
		expect(emulator.calls[0].at).toBeLessThanOrEqual(Date.now());
		emulator.clearRecords();
		expect(emulator.calls).toHaveLength(0);
	});
});
