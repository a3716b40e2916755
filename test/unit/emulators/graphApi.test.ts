import { GraphEmulator } from '../../../emulators/graphApi';

describe('GraphEmulator', () => {
	let graph: GraphEmulator;
	let token: string;

	beforeEach(async () => {
		graph = new GraphEmulator({ accessTokenLifetimeSeconds: 60 });
		await graph.start();
		token = graph.issueTokens().accessToken;
	});

	afterEach(async () => {
		await graph.stop();
	});

	async function call(method: string, path: string, body?: unknown, bearer = token) {
		const res = await fetch(`${graph.graphBaseUrl}/v1.0${path}`, {
			method,
			headers: {
				...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
				...(body ? { 'Content-Type': 'application/json' } : {}),
			},
			body: body ? JSON.stringify(body) : undefined,
		});
		const text = await res.text();
		return {
			status: res.status,
			headers: res.headers,
			json: (text ? JSON.parse(text) : {}) as Record<string, any>,
		};
	}

	async function tokenRequest(form: Record<string, string>, tenant = 'contoso') {
		const res = await fetch(`${graph.loginBaseUrl}/${tenant}/oauth2/v2.0/token`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({
				client_id: graph.clientId,
				client_secret: graph.clientSecret,
				...form,
			}),
		});
		return { status: res.status, json: (await res.json()) as Record<string, any> };
	}

	const ids = (json: Record<string, any>) => (json.value as Array<{ id: string }>).map((u) => u.id);

	describe('tokens', () => {
		it('listens on loopback and answers /me for a valid token', async () => {
			expect(graph.graphBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			const me = await call('GET', '/me');
			expect(me.status).toBe(200);
			expect(me.json).toEqual({
				id: graph.serviceAccount.id,
				displayName: 'Perks Bot',
				mail: null,
				userPrincipalName: 'perks-bot@contoso.test',
			});
		});

		it('refuses missing, unknown and expired tokens with InvalidAuthenticationToken', async () => {
			for (const bearer of ['', 'made-up']) {
				const res = await call('GET', '/me', undefined, bearer);
				expect(res.status).toBe(401);
				expect(res.json.error.code).toBe('InvalidAuthenticationToken');
			}
			graph.expireAccessTokens();
			const expired = await call('GET', '/me');
			expect(expired.status).toBe(401);
			expect(expired.json.error.message).toMatch(/expired/);
		});

		it('refreshes with a refresh token; the new access token works and expires as configured', async () => {
			const { refreshToken } = graph.issueTokens();
			graph.expireAccessTokens();
			const refreshed = await tokenRequest({
				grant_type: 'refresh_token',
				refresh_token: refreshToken,
			});
			expect(refreshed.status).toBe(200);
			expect(refreshed.json).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
			expect(refreshed.json.refresh_token).toEqual(expect.any(String));
			expect((await call('GET', '/me', undefined, refreshed.json.access_token)).status).toBe(200);
			expect(graph.callCount('POST /oauth2/token')).toBe(1);
		});

		it('answers invalid_grant for a revoked refresh token and invalid_client for a wrong secret', async () => {
			const { refreshToken } = graph.issueTokens();
			expect(
				(
					await tokenRequest({
						grant_type: 'refresh_token',
						refresh_token: refreshToken,
						client_secret: 'wrong',
					})
				).json.error,
			).toBe('invalid_client');
			graph.revokeRefreshTokens();
			const revoked = await tokenRequest({
				grant_type: 'refresh_token',
				refresh_token: refreshToken,
			});
			expect(revoked.status).toBe(400);
			expect(revoked.json.error).toBe('invalid_grant');
		});

		it('signs in with the authorization code flow, each code once', async () => {
			const authorize = new URL(`${graph.loginBaseUrl}/common/oauth2/v2.0/authorize`);
			authorize.search = new URLSearchParams({
				client_id: graph.clientId,
				redirect_uri: 'http://127.0.0.1:1/callback',
				state: 's1',
			}).toString();
			const res = await fetch(authorize, { redirect: 'manual' });
			expect(res.status).toBe(302);
			const location = new URL(res.headers.get('location')!);
			expect(location.searchParams.get('state')).toBe('s1');
			const code = location.searchParams.get('code')!;
			const first = await tokenRequest({
				grant_type: 'authorization_code',
				code,
				redirect_uri: 'http://127.0.0.1:1/callback',
			});
			expect(first.json.access_token).toEqual(expect.any(String));
			expect((await tokenRequest({ grant_type: 'authorization_code', code })).json.error).toBe(
				'invalid_grant',
			);
		});
	});

	describe('users', () => {
		beforeEach(() => {
			graph.addUser({
				id: 'u1',
				displayName: 'Ana',
				userPrincipalName: 'ana@contoso.test',
				mail: 'Ana@Perks.test',
				otherMails: ['ana@home.test'],
				proxyAddresses: ['SMTP:Ana@Perks.test', 'smtp:ana.alias@perks.test'],
			});
		});

		it.each([
			["mail eq 'ana@perks.test'"],
			["userPrincipalName eq 'ANA@contoso.test'"],
			["otherMails/any(x:x eq 'ana@home.test')"],
			["proxyAddresses/any(x:x eq 'SMTP:ana.alias@perks.test')"],
			["mail eq 'nobody@x.test' or proxyAddresses/any(x:x eq 'smtp:ana@perks.test')"],
		])('filters on %s, case-insensitively', async (filter) => {
			const res = await call('GET', `/users?$filter=${encodeURIComponent(filter)}`);
			expect(ids(res.json)).toEqual(['u1']);
		});

		it('refuses a filter it does not understand', async () => {
			const res = await call('GET', `/users?$filter=${encodeURIComponent("startswith(mail,'a')")}`);
			expect(res.status).toBe(400);
		});

		it('returns the default properties, or those in $select', async () => {
			const plain = await call('GET', '/users/u1');
			expect(Object.keys(plain.json).sort()).toEqual([
				'displayName',
				'id',
				'mail',
				'userPrincipalName',
			]);
			const selected = await call(
				'GET',
				'/users/ana@contoso.test?$select=id,accountEnabled,proxyAddresses',
			);
			expect(selected.json).toEqual({
				id: 'u1',
				accountEnabled: true,
				proxyAddresses: ['SMTP:Ana@Perks.test', 'smtp:ana.alias@perks.test'],
			});
		});

		it('answers 404 in Graph error shape for an unknown user', async () => {
			const res = await call('GET', '/users/nobody');
			expect(res.status).toBe(404);
			expect(res.json.error.code).toBe('Request_ResourceNotFound');
		});

		it('pages with $top up to 999 and @odata.nextLink', async () => {
			graph.addUsers(2_000);
			let link: string | undefined = `${graph.graphBaseUrl}/v1.0/users?$select=id&$top=999`;
			const seen: string[] = [];
			while (link) {
				const res: Response = await fetch(link, { headers: { Authorization: `Bearer ${token}` } });
				const json = (await res.json()) as Record<string, any>;
				seen.push(...ids(json));
				link = json['@odata.nextLink'];
				if (link) expect(link).toMatch(/\/v1\.0\/users\?\$select=id&\$top=999&\$skiptoken=/);
			}
			expect(seen).toHaveLength(2_002);
			expect(new Set(seen).size).toBe(2_002);
			expect(graph.callCount('GET /users')).toBe(3);
			expect((await call('GET', '/users?$top=1000')).status).toBe(400);
		});

		it('answers 403 Authorization_RequestDenied without User.Read.All', async () => {
			graph.setScopes(['User.Read']);
			const res = await call('GET', '/users');
			expect(res.status).toBe(403);
			expect(res.json.error.code).toBe('Authorization_RequestDenied');
			expect((await call('GET', '/me')).status).toBe(200);
		});
	});

	describe('chats', () => {
		const bind = (id: string) => ({
			'@odata.type': '#microsoft.graph.aadUserConversationMember',
			roles: ['owner'],
			'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
		});

		it('creates a 1:1 chat once per pair and keeps its messages', async () => {
			graph.addUser({ id: 'u1', displayName: 'Ana', userPrincipalName: 'ana@contoso.test' });
			const request = {
				chatType: 'oneOnOne',
				members: [bind(graph.serviceAccount.id), bind('ana@contoso.test')],
			};
			const first = await call('POST', '/chats', request);
			const again = await call('POST', '/chats', {
				...request,
				members: [...request.members].reverse(),
			});
			expect(first.status).toBe(201);
			expect(again.json.id).toBe(first.json.id);
			expect(graph.chatIds).toEqual([first.json.id]);

			const chat = encodeURIComponent(first.json.id);
			const posted = await call('POST', `/chats/${chat}/messages`, {
				body: { contentType: 'html', content: '<p>Hi</p>' },
			});
			expect(posted.status).toBe(201);
			const listed = await call('GET', `/chats/${chat}/messages`);
			expect(listed.json.value).toEqual([
				expect.objectContaining({
					id: posted.json.id,
					body: { contentType: 'html', content: '<p>Hi</p>' },
				}),
			]);
			expect(graph.messagesIn(`chat:${first.json.id}`)).toHaveLength(1);
		});

		it('refuses chats without the service account, unknown chats, and dangling attachments', async () => {
			graph.addUser({ id: 'u1', displayName: 'Ana', userPrincipalName: 'ana@contoso.test' });
			graph.addUser({ id: 'u2', displayName: 'Bo', userPrincipalName: 'bo@contoso.test' });
			expect(
				(await call('POST', '/chats', { chatType: 'oneOnOne', members: [bind('u1'), bind('u2')] }))
					.status,
			).toBe(403);
			expect(
				(await call('POST', '/chats/19:nope/messages', { body: { content: 'x' } })).status,
			).toBe(404);
			const chat = await call('POST', '/chats', {
				chatType: 'oneOnOne',
				members: [bind(graph.serviceAccount.id), bind('u1')],
			});
			const dangling = await call('POST', `/chats/${encodeURIComponent(chat.json.id)}/messages`, {
				body: { contentType: 'html', content: '<attachment id="a1"></attachment>' },
			});
			expect(dangling.status).toBe(400);
			expect(graph.messages).toHaveLength(0);
		});
	});

	describe('teams and channels', () => {
		it('lists joined teams and channels, and posts to a channel', async () => {
			const team = graph.addTeam({ displayName: 'Perks', channels: ['General', 'Perks'] });
			graph.addTeam({ displayName: 'Finance', serviceAccountIsMember: false });
			expect((await call('GET', '/me/joinedTeams')).json.value).toEqual([
				{ id: team.id, displayName: 'Perks', isArchived: false },
			]);
			const channels = await call('GET', `/teams/${team.id}/channels`);
			expect(channels.json.value.map((c: { displayName: string }) => c.displayName)).toEqual([
				'General',
				'Perks',
			]);
			const channel = encodeURIComponent(team.channels[1].id);
			const posted = await call('POST', `/teams/${team.id}/channels/${channel}/messages`, {
				body: { contentType: 'html', content: 'New perk' },
			});
			expect(posted.status).toBe(201);
			expect(
				(await call('GET', `/teams/${team.id}/channels/${channel}/messages`)).json.value,
			).toHaveLength(1);
		});

		it('answers 403 to a non-member and for an archived team, 404 for unknown teams and channels', async () => {
			const outside = graph.addTeam({ displayName: 'Finance', serviceAccountIsMember: false });
			const archived = graph.addTeam({ displayName: 'Old', isArchived: true });
			const message = { body: { contentType: 'html', content: 'x' } };
			const post = (team: string, channel: string) =>
				call('POST', `/teams/${team}/channels/${encodeURIComponent(channel)}/messages`, message);
			expect((await post(outside.id, outside.channels[0].id)).status).toBe(403);
			expect((await post(archived.id, archived.channels[0].id)).status).toBe(403);
			expect((await post('nope', 'c')).status).toBe(404);
			expect((await post(archived.id, 'c')).json.error.code).toBe('NotFound');
			expect(graph.messages).toHaveLength(0);
		});
	});

	describe('faults and records', () => {
		it('answers 429 and 503 with Retry-After as queued, then normally, counting every call', async () => {
			graph.throttleNext('GET /me', 1, 7);
			graph.failNext('GET /me', 1, { status: 503, retryAfter: 2 });
			const limited = await call('GET', '/me');
			expect(limited.status).toBe(429);
			expect(limited.headers.get('retry-after')).toBe('7');
			expect(limited.json.error.code).toBe('TooManyRequests');
			const unavailable = await call('GET', '/me');
			expect([unavailable.status, unavailable.headers.get('retry-after')]).toEqual([503, '2']);
			expect((await call('GET', '/me')).status).toBe(200);
			expect(graph.callCount('GET /me')).toBe(3);
			expect(graph.requests[0]).toMatchObject({
				method: 'GET',
				route: 'GET /me',
				path: '/me',
				token,
			});
		});

		it("failNext('*') fails whichever route comes next; clearFaults drops what is left", async () => {
			graph.failNext('*', 2, { status: 502 });
			expect((await call('GET', '/users')).status).toBe(502);
			graph.clearFaults();
			expect((await call('GET', '/me')).status).toBe(200);
		});

		it('an outage answers its routes with the status until it ends; a 429 outage says how long', async () => {
			graph.outage(['GET /me'], 60_000);
			expect((await call('GET', '/me')).status).toBe(503);
			expect((await call('GET', '/users')).status).toBe(200);
			graph.outage('*', 60_000, 429);
			const limited = await call('GET', '/users');
			expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60']);
			graph.endOutage();
			expect((await call('GET', '/me')).status).toBe(200);
		});

		it('limits a route to N calls in a rolling second: the rest 429 + Retry-After, unhandled and counted', async () => {
			const [ana, bruno] = graph.addUsers(2);
			const chats = [graph.oneOnOneChat(ana.id), graph.oneOnOneChat(bruno.id)];
			graph.limitPerSecond('POST /chats/{id}/messages', 5);
			const send = (i: number) =>
				call('POST', `/chats/${encodeURIComponent(chats[i % 2])}/messages`, {
					body: { contentType: 'text', content: `m${i}` },
				});
			const results = await Promise.all(Array.from({ length: 15 }, (_, i) => send(i)));
			const limited = results.filter((r) => r.status === 429);
			expect(results.filter((r) => r.status === 201)).toHaveLength(5);
			expect(limited).toHaveLength(10);
			for (const r of limited) {
				expect(r.headers.get('retry-after')).toBe('1');
				expect(r.json.error.code).toBe('TooManyRequests');
			}
			// One window per route, whatever the chat: only the accepted calls were stored.
			expect(graph.messages).toHaveLength(5);
			expect(graph.rateLimitedCount('POST /chats/{id}/messages')).toBe(10);
			expect(graph.callCount('POST /chats/{id}/messages')).toBe(15);
			expect((await call('GET', '/me')).status).toBe(200); // other routes are not limited
			expect(graph.rateLimitedCount('GET /me')).toBe(0);

			await new Promise((resolve) => setTimeout(resolve, 1050));
			expect((await send(0)).status).toBe(201);
			expect(graph.messages).toHaveLength(6);
		});

		it('published limits: 20 chat posts and 30 other calls a second per app, 4 a second on one team or channel; users exempt', async () => {
			await graph.stop();
			graph = new GraphEmulator({ limits: 'published' });
			await graph.start();
			token = graph.issueTokens().accessToken;
			const people = graph.addUsers(30);
			const chats = people.map((p) => graph.oneOnOneChat(p.id));
			const posts = await Promise.all(
				chats.map((chat) =>
					call('POST', `/chats/${encodeURIComponent(chat)}/messages`, {
						body: { contentType: 'text', content: 'hi' },
					}),
				),
			);
			expect(posts.filter((r) => r.status === 201)).toHaveLength(20);
			expect(posts.filter((r) => r.status === 429)).toHaveLength(10);
			expect(graph.rateLimitedCount('POST /chats/{id}/messages')).toBe(10);
			// Identity calls are not counted here: /users and /me always answer.
			const users = await Promise.all(Array.from({ length: 40 }, () => call('GET', '/users')));
			expect(users.every((r) => r.status === 200)).toBe(true);
			const team = graph.addTeam({ displayName: 'Perks', channels: ['General'] });
			const channelId = team.channels[0].id;
			const channelPosts = await Promise.all(
				Array.from({ length: 6 }, () =>
					call('POST', `/teams/${team.id}/channels/${encodeURIComponent(channelId)}/messages`, {
						body: { contentType: 'text', content: 'x' },
					}),
				),
			);
			expect(channelPosts.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 429, 429]);
			graph.clearLimits();
			expect((await call('GET', `/teams/${team.id}/channels`)).status).toBe(200);
		});

		it('answers Teams routes without their permission with the scope it needs', async () => {
			graph.setScopes(['User.Read']);
			const res = await call('GET', '/me/joinedTeams');
			expect(res.status).toBe(403);
			expect(res.json.error.message).toContain("requires one of 'Team.ReadBasic.All'");
		});
	});
});
