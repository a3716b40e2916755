/**
 * The messaging endpoint's JWT check against a loopback copy of the Bot Framework's published
 * keys: everything but a current token from the Bot Connector, for this bot, naming this
 * activity's serviceUrl, is refused with its own code.
 */
import { SignJWT } from 'jose';

import { BotSigningKeys, type FetchJson } from '../../../nodes/shared/chat/teams/bot/signingKeys';
import {
	verifyBotRequest,
	type BotAuthResult,
} from '../../../nodes/shared/chat/teams/bot/verifyJwt';
import { BotSigningServer, mintBotToken, signingKey, type SigningKey } from './botSigningServer';

const APP_ID = '6f1b2c3d-0000-4000-8000-00000000b07a';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const server = new BotSigningServer();
const fetchJson: FetchJson = async (url) => await (await fetch(url)).json();
let key: SigningKey;
let clock: number;
let keys: BotSigningKeys;

beforeAll(async () => {
	await server.start();
	key = await signingKey('key-1', ['msteams', 'skype']);
});
afterAll(async () => await server.stop());
beforeEach(() => {
	server.published = [key];
	server.keyRequests = 0;
	clock = Date.now();
	keys = new BotSigningKeys(server.metadataUrl, () => clock);
});

async function verify(
	token: string,
	overrides: { serviceUrl?: unknown; channelId?: unknown; appId?: string } = {},
): Promise<BotAuthResult> {
	return await verifyBotRequest({
		authorization: `Bearer ${token}`,
		appId: overrides.appId ?? APP_ID,
		serviceUrl: 'serviceUrl' in overrides ? overrides.serviceUrl : SERVICE_URL,
		channelId: overrides.channelId ?? 'msteams',
		keys,
		fetchJson,
		nowSeconds: Math.floor(clock / 1000),
	});
}

const mint = (options: Partial<Parameters<typeof mintBotToken>[0]> = {}) =>
	mintBotToken({ key, appId: APP_ID, serviceUrl: SERVICE_URL, ...options });
const codeOf = (result: BotAuthResult) => (result.valid ? 'valid' : result.code);
const now = () => Math.floor(clock / 1000);

test('a current token from the Bot Connector for this bot and serviceUrl is accepted', async () => {
	const result = await verify(await mint());
	expect(result).toMatchObject({ valid: true, serviceUrl: SERVICE_URL });
});

test('a token signed with another key under a published key id is refused', async () => {
	const forger = await signingKey('key-1');
	expect(codeOf(await verify(await mint({ key: forger })))).toBe('invalid_signature');
});

test('a genuine token whose claims were edited after signing is refused', async () => {
	const [header, , signature] = (await mint({ appId: 'someone-elses-bot' })).split('.');
	const payload = Buffer.from(
		JSON.stringify({
			iss: 'https://api.botframework.com',
			aud: APP_ID,
			serviceurl: SERVICE_URL,
			exp: now() + 600,
		}),
	).toString('base64url');
	expect(codeOf(await verify(`${header}.${payload}.${signature}`))).toBe('invalid_signature');
});

test('expiry allows 5 minutes of clock skew and no more', async () => {
	const lifetimeSeconds = 3600;
	const justInside = await mint({ issuedAt: now() - lifetimeSeconds - 290, lifetimeSeconds });
	const justOutside = await mint({ issuedAt: now() - lifetimeSeconds - 310, lifetimeSeconds });
	expect(codeOf(await verify(justInside))).toBe('valid');
	expect(codeOf(await verify(justOutside))).toBe('token_expired');
});

test('a token captured yesterday and replayed today is refused', async () => {
	const captured = await mint({ issuedAt: now() - 86_400 });
	expect(codeOf(await verify(captured))).toBe('token_expired');
});

test('a token that is not valid yet (beyond the skew) is refused', async () => {
	expect(codeOf(await verify(await mint({ issuedAt: now() + 400 })))).toBe('token_not_yet_valid');
});

test('a token for another bot is refused', async () => {
	expect(codeOf(await verify(await mint({ appId: 'another-app-id' })))).toBe('wrong_audience');
});

test('a token from another issuer is refused, even signed with a published key', async () => {
	const token = await mint({ issuer: 'https://sts.windows.net/attacker/' });
	expect(codeOf(await verify(token))).toBe('wrong_issuer');
});

test("the serviceurl claim must name the activity's serviceUrl", async () => {
	const token = await mint();
	expect(codeOf(await verify(token, { serviceUrl: 'https://attacker.example/' }))).toBe(
		'service_url_mismatch',
	);
	expect(codeOf(await verify(token, { serviceUrl: undefined }))).toBe('service_url_mismatch');
	expect(codeOf(await verify(token, { serviceUrl: SERVICE_URL.slice(0, -1) }))).toBe('valid');
	const noClaim = await new SignJWT({})
		.setProtectedHeader({ alg: 'RS256', kid: key.kid })
		.setIssuer('https://api.botframework.com')
		.setAudience(APP_ID)
		.setExpirationTime(now() + 600)
		.sign(key.privateKey);
	expect(codeOf(await verify(noClaim))).toBe('service_url_mismatch');
});

test('a key that lists endorsements signs only for those channels (403)', async () => {
	const result = await verify(await mint(), { channelId: 'webchat' });
	expect(result).toEqual({ valid: false, status: 403, code: 'channel_not_endorsed' });
});

test('an unknown key id fetches the keys again once, then a rotated key verifies', async () => {
	expect(codeOf(await verify(await mint()))).toBe('valid');
	expect(server.keyRequests).toBe(1);
	const rotated = await signingKey('key-2', ['msteams']);
	server.published = [key, rotated];
	clock += 2 * 60_000;
	expect(codeOf(await verify(await mint({ key: rotated })))).toBe('valid');
	expect(server.keyRequests).toBe(2);
	// Made-up key ids within the next minute cost no fetch.
	const stranger = await signingKey('key-never-published');
	for (let i = 0; i < 5; i++)
		expect(codeOf(await verify(await mint({ key: stranger })))).toBe('unknown_signing_key');
	expect(server.keyRequests).toBe(2);
});

test('a key withdrawn from the set stops verifying once the set is a day old', async () => {
	expect(codeOf(await verify(await mint()))).toBe('valid');
	const next = await signingKey('key-3', ['msteams']);
	server.published = [next];
	clock += 25 * 3600_000;
	expect(codeOf(await verify(await mint({ issuedAt: now() })))).toBe('unknown_signing_key');
});

test('no token, another scheme, alg none and HMAC tokens are refused', async () => {
	const token = await mint();
	const header = (alg: string) =>
		Buffer.from(JSON.stringify({ alg, kid: 'key-1' })).toString('base64url');
	const [, payload] = token.split('.');
	const withAuthorization = async (authorization: string | undefined) =>
		await verifyBotRequest({
			authorization,
			appId: APP_ID,
			serviceUrl: SERVICE_URL,
			channelId: 'msteams',
			keys,
			fetchJson,
		});
	const results = await Promise.all([
		withAuthorization(undefined),
		withAuthorization(`Basic ${token}`),
		verify(`${header('none')}.${payload}.x`),
		verify(`${header('HS256')}.${payload}.${Buffer.from('sig').toString('base64url')}`),
	]);
	expect(results.map(codeOf)).toEqual([
		'missing_token',
		'missing_token',
		'malformed_token',
		'malformed_token',
	]);
});

test('unreachable signing keys refuse the request (503), they never let it through', async () => {
	const down: FetchJson = async () => {
		throw new Error('connect ECONNREFUSED');
	};
	const result = await verifyBotRequest({
		authorization: `Bearer ${await mint()}`,
		appId: APP_ID,
		serviceUrl: SERVICE_URL,
		channelId: 'msteams',
		keys,
		fetchJson: down,
	});
	expect(result).toEqual({ valid: false, status: 503, code: 'signing_keys_unavailable' });
});

test('requests arriving together before the first fetch share it, and all verify', async () => {
	const tokens = await Promise.all([mint(), mint(), mint(), mint()]);
	const results = await Promise.all(tokens.map(async (token) => await verify(token)));
	expect(results.map(codeOf)).toEqual(['valid', 'valid', 'valid', 'valid']);
	expect(server.keyRequests).toBe(1);
});
