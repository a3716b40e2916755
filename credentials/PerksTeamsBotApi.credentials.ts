import type { Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/** Scope of the Bot Connector's client-credentials token (sending as the bot). */
export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';

/** Application permissions the bot's app registration needs in Microsoft Graph; docs/teams-setup.md lists the same. */
export const PERKS_TEAMS_BOT_GRAPH_PERMISSIONS = [
	'User.Read.All',
	'TeamsAppInstallation.ReadWriteSelfForUser.All',
	'AppCatalog.Read.All',
	'Team.ReadBasic.All',
	'Channel.ReadBasic.All',
];

/** `<login base URL>/<tenant>/oauth2/v2.0/token`, whatever slashes and spaces the fields carry. */
const TOKEN_URL =
	'={{$credentials.loginBaseUrl.trim().replace(/\\/+$/, "") + "/" + encodeURIComponent($credentials.tenantId.trim()) + "/oauth2/v2.0/token"}}';

export class PerksTeamsBotApi implements ICredentialType {
	name = 'perksTeamsBotApi';

	displayName = 'Perks Teams Bot API';

	icon: Icon = { light: 'file:teams.svg', dark: 'file:teams.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/teams-setup.md';

	properties: INodeProperties[] = [
		{
			displayName:
				'The Perks Teams app\'s bot: messages come from the app ("Perks"), not from a person. Upload the app package (docs/teams-app) first.',
			name: 'botNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'App (Client) ID',
			name: 'appId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description:
				"The bot's Microsoft App ID: the Application (client) ID of its app registration (Azure Bot → Configuration)",
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				"A client secret of the bot's app registration (Certificates & secrets). Secrets expire: note the date and replace it before then.",
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description:
				'Your directory (tenant) ID. The bot is single-tenant: it sends only in this tenant.',
		},
		{
			displayName: 'Login Base URL',
			name: 'loginBaseUrl',
			type: 'string',
			default: 'https://login.microsoftonline.com',
			description:
				'Change only for a national cloud or a test server. Must be https (plain http only to this machine).',
		},
		{
			displayName: 'Graph API Base URL',
			name: 'graphApiBaseUrl',
			type: 'string',
			default: 'https://graph.microsoft.com',
			description:
				'Change only for a national cloud or a test server. Must be https (plain http only to this machine).',
		},
		{
			displayName: 'Bot Connector Service URL',
			name: 'serviceUrl',
			type: 'string',
			default: 'https://smba.trafficmanager.net/teams/',
			description:
				"Where proactive messages go: Teams' global Bot Connector. Change only for a national cloud or a test server. Must be https (plain http only to this machine).",
		},
		{
			displayName: 'Bot Framework OpenID Metadata URL',
			name: 'openIdMetadataUrl',
			type: 'string',
			default: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
			description:
				"Where the keys that sign the Bot Connector's requests to Perks Chat Trigger are published. Change only for a national cloud or a test server. Must be https (plain http only to this machine).",
		},
	];

	test: ICredentialTestRequest = {
		request: {
			method: 'POST',
			url: TOKEN_URL,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: {
				grant_type: 'client_credentials',
				client_id: '={{$credentials.appId.trim()}}',
				client_secret: '={{$credentials.clientSecret}}',
				scope: BOT_CONNECTOR_SCOPE,
			},
			// The secret goes to the token endpoint only, never to where a redirect points.
			disableFollowRedirect: true,
		},
	};
}
