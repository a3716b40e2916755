import {
	PerksMicrosoftTeamsOAuth2Api,
	PERKS_TEAMS_SCOPES,
} from '../../../credentials/PerksMicrosoftTeamsOAuth2Api.credentials';
import { ALL_SCOPES, GraphEmulator } from '../../../emulators/graphApi';

const credential = new PerksMicrosoftTeamsOAuth2Api();
const field = (name: string) => credential.properties.find((p) => p.name === name)!;

/** The hidden URL fields are one n8n expression each: `={{ js }}`, with `$self` the credential's values. */
function resolve(name: string, self: Record<string, string>): string {
	const expression = String(field(name).default);
	const body = /^=\{\{(.*)\}\}$/s.exec(expression)?.[1];
	if (!body) throw new Error(`${name} is not a single expression: ${expression}`);
	return new Function('$self', `return ${body}`)(self) as string;
}

describe('PerksMicrosoftTeamsOAuth2Api', () => {
	it('derives the Entra URLs from the login base URL and the tenant', () => {
		const self = {
			loginBaseUrl: 'https://login.microsoftonline.us/ ',
			tenant: ' contoso.onmicrosoft.com',
		};
		expect(resolve('authUrl', self)).toBe(
			'https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
		);
		expect(
			resolve('accessTokenUrl', { loginBaseUrl: 'https://login.microsoftonline.com', tenant: '' }),
		).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
		expect(field('tenant').default).toBe('common');
	});

	it('asks for exactly the delegated permissions the Graph emulator models, with offline_access', () => {
		expect(field('scope').default).toBe(PERKS_TEAMS_SCOPES.join(' '));
		expect([...PERKS_TEAMS_SCOPES].sort()).toEqual([...ALL_SCOPES].sort());
		expect(credential.test.request.url).toBe('/v1.0/me');
	});

	it('refreshes a token at the derived token URL (against the emulator)', async () => {
		const graph = new GraphEmulator();
		await graph.start();
		try {
			const url = resolve('accessTokenUrl', {
				loginBaseUrl: `${graph.loginBaseUrl}/`,
				tenant: 'contoso',
			});
			const res = await fetch(url, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					grant_type: 'refresh_token',
					refresh_token: graph.issueTokens().refreshToken,
					client_id: graph.clientId,
					client_secret: graph.clientSecret,
					scope: String(field('scope').default),
				}),
			});
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({
				token_type: 'Bearer',
				access_token: expect.any(String),
			});
		} finally {
			await graph.stop();
		}
	});
});
