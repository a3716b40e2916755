import type { Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/** Delegated permissions every Perks Teams node needs; docs/teams-setup.md lists the same. */
export const PERKS_TEAMS_SCOPES = [
	'offline_access',
	'User.Read',
	'User.Read.All',
	'Chat.Create',
	'ChatMessage.Send',
	// Perks Chat Trigger's "Teams Chat" source: subscribe to, and read, messages sent to the service account.
	'Chat.Read',
	'ChannelMessage.Send',
	'Team.ReadBasic.All',
	'Channel.ReadBasic.All',
];

/** Entra's login host on the global cloud. */
export const ENTRA_LOGIN_URL = 'https://login.microsoftonline.com';
/** Entra's endpoints for a multitenant app on the global cloud; the fields say what to change. */
export const ENTRA_AUTH_URL = `${ENTRA_LOGIN_URL}/common/oauth2/v2.0/authorize`;
export const ENTRA_TOKEN_URL = `${ENTRA_LOGIN_URL}/common/oauth2/v2.0/token`;

const ENDPOINT_HINT =
	'Replace "common" with your Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com (keep "common" only for a multitenant app registration). On a national cloud, also use its login host (US Government: login.microsoftonline.us, China: login.chinacloudapi.cn).';

export class PerksMicrosoftTeamsOAuth2Api implements ICredentialType {
	name = 'perksMicrosoftTeamsOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Perks Microsoft Teams OAuth2 API';

	icon: Icon = { light: 'file:teams.svg', dark: 'file:teams.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/teams-setup.md';

	properties: INodeProperties[] = [
		{
			displayName:
				'Sign in with a service account (a dedicated Microsoft 365 user), not your own: Teams messages are sent as the account that connects here.',
			name: 'serviceAccountNotice',
			type: 'notice',
			default: '',
		},
		// Plain values, as in n8n's own Microsoft credentials: n8n resolves a credential's expressions on
		// every read, and that alone makes each run build an expression isolate.
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'string',
			default: ENTRA_AUTH_URL,
			required: true,
			description: ENDPOINT_HINT,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: ENTRA_TOKEN_URL,
			required: true,
			description: ENDPOINT_HINT,
		},
		{
			displayName: 'Graph API Base URL',
			name: 'graphApiBaseUrl',
			type: 'string',
			default: 'https://graph.microsoft.com',
			description:
				'Change only for a national cloud (US Government: https://graph.microsoft.us, China: https://microsoftgraph.chinacloudapi.cn) or a test server',
		},
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: PERKS_TEAMS_SCOPES.join(' ') },
		// Lets whoever connects pick the service account instead of the browser's signed-in user.
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: 'prompt=select_account',
		},
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
		// What credentials saved before the two URL fields hold instead; Teams refuses them until the
		// URLs say the same (nodes/shared/chat/teams/graphCredential.ts).
		{ displayName: 'Tenant (Before the URL Fields)', name: 'tenant', type: 'hidden', default: '' },
		{
			displayName: 'Login Base URL (Before the URL Fields)',
			name: 'loginBaseUrl',
			type: 'hidden',
			default: '',
		},
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.graphApiBaseUrl.trim().replace(/\\/+$/, "")}}',
			url: '/v1.0/me',
			// A redirect is not followed: n8n would send the token on to wherever it points.
			disableFollowRedirect: true,
		},
	};
}
