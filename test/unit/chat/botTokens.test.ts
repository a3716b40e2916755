/** The bot's client-credentials tokens against the emulated Entra: shared, fetched once at a time, replaced before expiry. */
import {
	BotTokens,
	BOT_CONNECTOR_SCOPE,
	GRAPH_APP_SCOPE,
} from '../../../nodes/shared/chat/teams/bot/tokens';
import type { BotHttp } from '../../../nodes/shared/chat/teams/bot/http';
import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import { BotConnectorEmulator } from '../../../emulators/botConnector';
import { GraphEmulator } from '../../../emulators/graphApi';

const graph = new GraphEmulator();
const bot = new BotConnectorEmulator({ graph });

beforeAll(async () => {
	await graph.start();
	await bot.start();
});
afterAll(async () => {
	await Promise.all([bot.stop(), graph.stop()]);
});
beforeEach(() => bot.clearRecords());

const http: BotHttp = async ({ method, url, headers, body }) => {
	const response = await fetch(url, { method, headers, body });
	return {
		status: response.status,
		headers: Object.fromEntries(response.headers),
		body: await response.text(),
	};
};

let secrets = 0;
/** A fresh secret per test, so no test sees another's cached tokens. */
function tokensAt(now: () => number = Date.now, secret = `secret-${++secrets}`) {
	bot.clientSecret = secret;
	return new BotTokens(
		{
			appId: bot.appId,
			clientSecret: secret,
			tokenUrl: `${bot.loginBaseUrl}/${bot.tenantId}/oauth2/v2.0/token`,
		},
		http,
		now,
	);
}

describe('BotTokens', () => {
	it('twenty callers at once cause one token request per scope', async () => {
		const tokens = tokensAt();
		const got = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				tokens.get(i % 2 ? GRAPH_APP_SCOPE : BOT_CONNECTOR_SCOPE),
			),
		);
		expect(new Set(got).size).toBe(2);
		expect(bot.callCount('POST /oauth2/token')).toBe(2);
	});

	it('is shared by every instance for the same app and secret', async () => {
		const first = tokensAt();
		const token = await first.get(BOT_CONNECTOR_SCOPE);
		const second = new BotTokens(
			{
				appId: bot.appId,
				clientSecret: bot.clientSecret,
				tokenUrl: `${bot.loginBaseUrl}/${bot.tenantId}/oauth2/v2.0/token`,
			},
			http,
		);
		expect(await second.get(BOT_CONNECTOR_SCOPE)).toBe(token);
		expect(bot.callCount('POST /oauth2/token')).toBe(1);
	});

	it('replaces a token five minutes before it expires, not earlier', async () => {
		let now = Date.now();
		const tokens = tokensAt(() => now);
		const first = await tokens.get(BOT_CONNECTOR_SCOPE);
		now += 54 * 60_000;
		expect(await tokens.get(BOT_CONNECTOR_SCOPE)).toBe(first);
		now += 2 * 60_000;
		const second = await tokens.get(BOT_CONNECTOR_SCOPE);
		expect(second).not.toBe(first);
		expect(bot.callCount('POST /oauth2/token')).toBe(2);
	});

	it('a refused token is fetched afresh once, not by every caller', async () => {
		const tokens = tokensAt();
		const first = await tokens.get(BOT_CONNECTOR_SCOPE);
		tokens.invalidate(BOT_CONNECTOR_SCOPE, first);
		const second = await tokens.get(BOT_CONNECTOR_SCOPE);
		tokens.invalidate(BOT_CONNECTOR_SCOPE, first); // a late caller with the old token changes nothing
		expect(await tokens.get(BOT_CONNECTOR_SCOPE)).toBe(second);
		expect(bot.callCount('POST /oauth2/token')).toBe(2);
	});

	it("a wrong secret is reauthorize with Entra's code, never the secret; no answer is unreachable", async () => {
		const tokens = tokensAt(Date.now, 'right-secret');
		const wrong = new BotTokens(
			{
				appId: bot.appId,
				clientSecret: 'wrong-secret-x1',
				tokenUrl: `${bot.loginBaseUrl}/${bot.tenantId}/oauth2/v2.0/token`,
			},
			http,
		);
		const error = (await wrong
			.get(BOT_CONNECTOR_SCOPE)
			.catch((e: unknown) => e)) as ChatPlatformError;
		expect(error).toBeInstanceOf(ChatPlatformError);
		expect(error.code).toBe('reauthorize');
		expect(error.message).toBe(
			"Microsoft Entra refused the bot's token request: HTTP 401 invalid_client AADSTS7000215",
		);
		expect(JSON.stringify({ ...error, message: error.message, fix: error.fix })).not.toMatch(
			/wrong-secret-x1|right-secret/,
		);
		const nowhere = new BotTokens(
			{
				appId: bot.appId,
				clientSecret: 'right-secret',
				tokenUrl: 'http://127.0.0.1:9/t/oauth2/v2.0/token',
			},
			async () => {
				throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
			},
		);
		await expect(nowhere.get(BOT_CONNECTOR_SCOPE)).rejects.toMatchObject({ code: 'unreachable' });
		expect(await tokens.get(BOT_CONNECTOR_SCOPE)).toBeTruthy();
	});
});
