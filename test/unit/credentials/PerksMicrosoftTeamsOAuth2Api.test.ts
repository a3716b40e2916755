import {
	ENTRA_AUTH_URL,
	ENTRA_TOKEN_URL,
	PerksMicrosoftTeamsOAuth2Api,
	PERKS_TEAMS_SCOPES,
} from '../../../credentials/PerksMicrosoftTeamsOAuth2Api.credentials';
import { ALL_SCOPES, GraphEmulator } from '../../../emulators/graphApi';
import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import { graphBaseUrlOf } from '../../../nodes/shared/chat/teams/graphCredential';

const credential = new PerksMicrosoftTeamsOAuth2Api();
const field = (name: string) => credential.properties.find((p) => p.name === name)!;

describe('PerksMicrosoftTeamsOAuth2Api', () => {
	it('has the Entra URLs as plain, editable fields, and no expression n8n would resolve on each read', () => {
		expect(field('authUrl')).toMatchObject({ type: 'string', default: ENTRA_AUTH_URL });
		expect(field('accessTokenUrl')).toMatchObject({ type: 'string', default: ENTRA_TOKEN_URL });
		expect(ENTRA_TOKEN_URL).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
		expect(String(field('authUrl').description)).toMatch(
			/Replace "common" with your Directory \(tenant\) ID/,
		);
		const expressions = credential.properties.filter((p) => String(p.default).startsWith('='));
		expect(expressions.map((p) => p.name)).toEqual([]);
	});

	it('asks for exactly the delegated permissions the Graph emulator models, with offline_access', () => {
		expect(field('scope').default).toBe(PERKS_TEAMS_SCOPES.join(' '));
		expect([...PERKS_TEAMS_SCOPES].sort()).toEqual([...ALL_SCOPES].sort());
		expect(credential.test.request.url).toBe('/v1.0/me');
	});

	it("refreshes a token at a tenant's Access Token URL (against the emulator)", async () => {
		const graph = new GraphEmulator();
		await graph.start();
		try {
			const res = await fetch(`${graph.loginBaseUrl}/contoso.onmicrosoft.com/oauth2/v2.0/token`, {
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

describe('a credential saved before the URL fields (Tenant, Login Base URL)', () => {
	const graphApiBaseUrl = 'https://graph.microsoft.com';
	const refused = (data: Parameters<typeof graphBaseUrlOf>[0]) => {
		try {
			graphBaseUrlOf(data);
		} catch (error) {
			return error as ChatPlatformError;
		}
		return undefined;
	};

	it('is refused while its URLs are the defaults but its tenant was another, with the two URLs to set', () => {
		const error = refused({
			graphApiBaseUrl,
			tenant: ' contoso.onmicrosoft.com',
			loginBaseUrl: '',
		});
		expect(error).toBeInstanceOf(ChatPlatformError);
		expect(error?.code).toBe('credential_outdated');
		expect(error?.message).toContain(
			'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize and https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
		);
		expect(error?.fix).toMatch(/"Authorization URL" and "Access Token URL", and save/);
		// The URLs as n8n shows them when nothing was stored for them: the defaults.
		expect(
			refused({
				graphApiBaseUrl,
				tenant: 'common',
				loginBaseUrl: 'https://login.microsoftonline.us/ ',
				authUrl: ENTRA_AUTH_URL,
				accessTokenUrl: ` ${ENTRA_TOKEN_URL}`,
			})?.message,
		).toContain('https://login.microsoftonline.us/common/oauth2/v2.0/token');
	});

	it('is accepted when its fields meant the defaults, or once someone edited a URL', () => {
		const asOld = { graphApiBaseUrl, authUrl: ENTRA_AUTH_URL, accessTokenUrl: ENTRA_TOKEN_URL };
		expect(
			graphBaseUrlOf({
				...asOld,
				tenant: 'common',
				loginBaseUrl: 'https://login.microsoftonline.com/',
			}),
		).toBe(graphApiBaseUrl);
		expect(graphBaseUrlOf({ ...asOld, tenant: '', loginBaseUrl: '' })).toBe(graphApiBaseUrl);
		const edited = 'https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token';
		expect(graphBaseUrlOf({ ...asOld, tenant: 'contoso', accessTokenUrl: edited })).toBe(
			graphApiBaseUrl,
		);
		expect(graphBaseUrlOf({ graphApiBaseUrl, accessTokenUrl: edited })).toBe(graphApiBaseUrl);
	});
});
