/** The Bot Connector emulator behaves as the Bot Framework documents it (checked over loopback HTTP). */
import { createRemoteJWKSet, jwtVerify } from 'jose';

import {
	BOT_CONNECTOR_SCOPE,
	BOT_FRAMEWORK_ISSUER,
	BOT_PUBLISHED_LIMITS,
	BotConnectorEmulator,
	GRAPH_SCOPE,
} from '../../../emulators/botConnector';
import { GraphEmulator } from '../../../emulators/graphApi';

const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph });
let user: { id: string };

beforeAll(async () => {
	await graph.start();
	await bot.start();
	user = graph.addUser({ displayName: 'Ada', userPrincipalName: 'ada@contoso.test' });
});
afterAll(async () => {
	await Promise.all([bot.stop(), graph.stop()]);
});

async function token(scope: string, secret = bot.clientSecret, tenant = bot.tenantId) {
	const response = await fetch(`${bot.loginBaseUrl}/${tenant}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: bot.appId,
			client_secret: secret,
			scope,
		}),
	});
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function connector(path: string, body: unknown, accessToken?: string) {
	const response = await fetch(`${bot.serviceUrl}v3/${path}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
		},
		body: JSON.stringify(body),
	});
	return {
		status: response.status,
		retryAfter: response.headers.get('retry-after'),
		body: (await response.json()) as Record<string, unknown>,
	};
}

async function graphCall(method: string, path: string, accessToken: string, body?: unknown) {
	const response = await fetch(`${graph.graphBaseUrl}/v1.0${path}`, {
		method,
		headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return {
		status: response.status,
		body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
	};
}

const dm = (userId: string) => ({
	isGroup: false,
	bot: { id: `28:${bot.appId}` },
	members: [{ id: userId }],
	tenantId: bot.tenantId,
});

describe('Entra client credentials for the bot', () => {
	it('issues a token per scope to the right secret and tenant only, never echoing the secret', async () => {
		const good = await token(BOT_CONNECTOR_SCOPE);
		expect(good.status).toBe(200);
		expect(good.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
		const bad = await token(BOT_CONNECTOR_SCOPE, 'wrong-secret');
		expect(bad.status).toBe(401);
		expect(bad.body.error).toBe('invalid_client');
		expect(JSON.stringify(bad.body)).not.toContain('wrong-secret');
		expect((await token(BOT_CONNECTOR_SCOPE, bot.clientSecret, 'other-tenant')).status).toBe(400);
		expect((await token('https://example.com/.default')).status).toBe(400);
	});
});

describe('Bot Framework signing keys', () => {
	it('publishes OpenID metadata whose JWK set verifies inbound tokens, and not forged ones', async () => {
		const metadata = (await (await fetch(bot.openIdMetadataUrl)).json()) as Record<string, string>;
		expect(metadata.issuer).toBe(BOT_FRAMEWORK_ISSUER);
		const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
		const jwks = (await (await fetch(metadata.jwks_uri)).json()) as {
			keys: Array<Record<string, unknown>>;
		};
		expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', endorsements: ['msteams'] });
		const { payload } = await jwtVerify(await bot.signInboundToken(), keys, {
			issuer: BOT_FRAMEWORK_ISSUER,
			audience: bot.appId,
		});
		expect(payload.serviceurl).toBe(bot.serviceUrl);
		await expect(
			jwtVerify(await bot.signInboundToken({ unpublishedKey: true }), keys),
		).rejects.toThrow();
		await expect(
			jwtVerify(await bot.signInboundToken({ expiresInSeconds: -600 }), keys),
		).rejects.toThrow(/exp/);
	});
});

describe('/v3/conversations', () => {
	it('refuses calls without a Connector token, or with a Graph token', async () => {
		expect((await connector('conversations', dm(user.id))).status).toBe(401);
		const graphToken = (await token(GRAPH_SCOPE)).body.access_token as string;
		expect((await connector('conversations', dm(user.id), graphToken)).status).toBe(401);
	});

	it('opens a 1:1 only once the app is installed for the person, and the same one again', async () => {
		const access = (await token(BOT_CONNECTOR_SCOPE)).body.access_token as string;
		const refused = await connector('conversations', dm(user.id), access);
		expect(refused.status).toBe(403);
		graph.installAppForUser(user.id, bot.catalogApp!.id);
		const first = await connector('conversations', dm(user.id), access);
		const again = await connector('conversations', dm(user.id), access);
		expect(first.status).toBe(201);
		expect(again.body.id).toBe(first.body.id);
		const sent = await connector(
			`conversations/${encodeURIComponent(first.body.id as string)}/activities`,
			{ type: 'message', text: 'hi' },
			access,
		);
		expect(sent.status).toBe(201);
		expect(bot.activitiesFor(user.id).map((a) => a.activity.text)).toEqual(['hi']);
		// Graph lists the bot's message in the app's chat with the person, under the activity's id.
		const app = (await token(GRAPH_SCOPE)).body.access_token as string;
		const installs = await graphCall(
			'GET',
			`/users/${user.id}/teamwork/installedApps?$filter=${encodeURIComponent(`teamsApp/externalId eq '${bot.appId}'`)}`,
			app,
		);
		const [installation] = installs.body.value as Array<{ id: string }>;
		const chat = await graphCall(
			'GET',
			`/users/${user.id}/teamwork/installedApps/${encodeURIComponent(installation.id)}/chat`,
			app,
		);
		const listed = await graphCall(
			'GET',
			`/chats/${encodeURIComponent(chat.body.id as string)}/messages`,
			app,
		);
		expect(listed.body.value).toEqual([
			expect.objectContaining({ id: sent.body.id, body: { contentType: 'html', content: 'hi' } }),
		]);
	});

	it('starts a channel thread only in a team the app is added to', async () => {
		const access = (await token(BOT_CONNECTOR_SCOPE)).body.access_token as string;
		const team = graph.addTeam({ displayName: 'Perks', channels: ['General'] });
		const thread = {
			isGroup: true,
			bot: { id: `28:${bot.appId}` },
			channelData: { channel: { id: team.channels[0].id }, tenant: { id: bot.tenantId } },
			activity: { type: 'message', text: 'news' },
		};
		const refused = await connector('conversations', thread, access);
		expect(refused).toMatchObject({
			status: 403,
			body: { error: { code: 'BotNotInConversationRoster' } },
		});
		graph.installAppInTeam(team.id, bot.catalogApp!.id);
		const posted = await connector('conversations', thread, access);
		expect(posted.status).toBe(201);
		expect(posted.body.id).toBe(`${team.channels[0].id};messageid=${posted.body.activityId}`);
		expect(bot.activitiesIn(team.channels[0].id)).toHaveLength(1);
	});

	it('answers 429 with Retry-After past 7 messages a second in one conversation', async () => {
		const access = (await token(BOT_CONNECTOR_SCOPE)).body.access_token as string;
		const opened = await connector('conversations', dm(user.id), access);
		const path = `conversations/${encodeURIComponent(opened.body.id as string)}/activities`;
		const answers = await Promise.all(
			Array.from({ length: BOT_PUBLISHED_LIMITS.perConversation + 3 }, () =>
				connector(path, { type: 'message', text: 'x' }, access),
			),
		);
		const limited = answers.filter((a) => a.status === 429);
		expect(limited.length).toBeGreaterThanOrEqual(3);
		expect(Number(limited[0].retryAfter)).toBeGreaterThanOrEqual(1);
	});
});

describe('Graph with the bot app token', () => {
	it('installs the app for a user once (409 after), finds it in the catalog, refuses delegated-only routes', async () => {
		const access = (await token(GRAPH_SCOPE)).body.access_token as string;
		const other = graph.addUser({ displayName: 'Bo', userPrincipalName: 'bo@contoso.test' });
		const catalog = await graphCall(
			'GET',
			`/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${bot.appId}'`)}`,
			access,
		);
		expect(catalog.body.value).toEqual([expect.objectContaining({ id: bot.catalogApp!.id })]);
		const bind = {
			'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${bot.catalogApp!.id}`,
		};
		const path = `/users/${other.id}/teamwork/installedApps`;
		expect((await graphCall('POST', path, access, bind)).status).toBe(201);
		expect((await graphCall('POST', path, access, bind)).status).toBe(409);
		expect(graph.botInstalledForUser(other.id, bot.appId)).toBe(true);
		expect((await graphCall('GET', '/me', access)).status).toBe(403);
		bot.roles.delete('TeamsAppInstallation.ReadWriteSelfForUser.All');
		try {
			const refused = await graphCall('GET', path, access);
			expect(refused.status).toBe(403);
			expect(JSON.stringify(refused.body)).toContain(
				'TeamsAppInstallation.ReadWriteSelfForUser.All',
			);
		} finally {
			bot.roles.add('TeamsAppInstallation.ReadWriteSelfForUser.All');
		}
	});

	it('an installation the app setup policy blocks is 403', async () => {
		const access = (await token(GRAPH_SCOPE)).body.access_token as string;
		const other = graph.addUser({ displayName: 'Cy', userPrincipalName: 'cy@contoso.test' });
		graph.userInstallPolicy = 'blocked';
		try {
			const refused = await graphCall('POST', `/users/${other.id}/teamwork/installedApps`, access, {
				'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${bot.catalogApp!.id}`,
			});
			expect(refused.status).toBe(403);
		} finally {
			graph.userInstallPolicy = 'allowed';
		}
	});
});
