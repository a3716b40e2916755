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

/** `<login base URL>/<tenant>/oauth2/v2.0/<endpoint>`, whatever slashes and spaces the fields carry. */
const entraUrl = (endpoint: string) =>
	`={{$self["loginBaseUrl"].trim().replace(/\\/+$/, "") + "/" + ($self["tenant"].trim() || "common") + "/oauth2/v2.0/${endpoint}"}}`;

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
		{
			displayName: 'Tenant',
			name: 'tenant',
			type: 'string',
			default: 'common',
			description:
				'Your directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com. Keep "common" only for a multitenant app registration.',
		},
		{
			displayName: 'Login Base URL',
			name: 'loginBaseUrl',
			type: 'string',
			default: 'https://login.microsoftonline.com',
			description:
				'Change only for a national cloud (US Government: https://login.microsoftonline.us, China: https://login.chinacloudapi.cn) or a test server',
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
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: entraUrl('authorize'),
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: entraUrl('token'),
		},
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: PERKS_TEAMS_SCOPES.join(' ') },
		// Lets whoever connects pick the service account instead of the browser's signed-in user.
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: 'prompt=select_account',
		},
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
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
