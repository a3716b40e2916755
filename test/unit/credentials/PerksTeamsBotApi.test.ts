import {
	BOT_CONNECTOR_SCOPE,
	PerksTeamsBotApi,
	PERKS_TEAMS_BOT_GRAPH_PERMISSIONS,
} from '../../../credentials/PerksTeamsBotApi.credentials';
import { BotConnectorEmulator, DEFAULT_APP_ROLES } from '../../../emulators/botConnector';
import { GraphEmulator } from '../../../emulators/graphApi';

const credential = new PerksTeamsBotApi();

/** A `={{ js }}` value with `$credentials` bound, as n8n resolves the credential test request. */
function resolve(value: unknown, credentials: Record<string, string>): string {
	const body = /^=\{\{(.*)\}\}$/s.exec(String(value))?.[1];
	if (!body) return String(value);
	return new Function('$credentials', `return ${body}`)(credentials) as string;
}

describe('PerksTeamsBotApi', () => {
	const graph = new GraphEmulator();
	const bot = new BotConnectorEmulator({ graph });
	beforeAll(async () => {
		await graph.start();
		await bot.start();
	});
	afterAll(async () => {
		await Promise.all([bot.stop(), graph.stop()]);
	});

	async function runTest(fields: Record<string, string>) {
		const { request } = credential.test;
		const body = Object.fromEntries(
			Object.entries(request.body as Record<string, string>).map(([k, v]) => [
				k,
				resolve(v, fields),
			]),
		);
		const response = await fetch(resolve(request.url, fields), {
			method: request.method,
			headers: request.headers as Record<string, string>,
			body: new URLSearchParams(body),
			redirect: 'manual',
		});
		return { status: response.status, text: await response.text() };
	}

	it('its test gets a Bot Connector token with the right secret, and is refused with a wrong one', async () => {
		const fields = {
			...bot.credential(),
			loginBaseUrl: `${bot.loginBaseUrl}/ `,
			appId: ` ${bot.appId}`,
		};
		const good = await runTest(fields);
		expect(good.status).toBe(200);
		expect(JSON.parse(good.text)).toMatchObject({ token_type: 'Bearer' });
		expect(bot.issued[bot.issued.length - 1].scope).toBe(BOT_CONNECTOR_SCOPE);
		const bad = await runTest({ ...fields, clientSecret: 'not-the-secret' });
		expect(bad.status).toBe(401);
		expect(bad.text).not.toContain('not-the-secret');
	});

	it('keeps the secret in a password field and names the permissions the emulated app has', () => {
		const secret = credential.properties.find((p) => p.name === 'clientSecret')!;
		expect(secret.typeOptions?.password).toBe(true);
		expect([...PERKS_TEAMS_BOT_GRAPH_PERMISSIONS].sort()).toEqual([...DEFAULT_APP_ROLES].sort());
		expect(credential.test.request.disableFollowRedirect).toBe(true);
	});
});
