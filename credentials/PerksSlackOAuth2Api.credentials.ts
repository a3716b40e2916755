import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

import { slackApiUrlField, slackSigningSecretField } from './slackFields';

/** The bot scopes every Perks Slack node needs; docs/slack-app-manifest.json asks for the same. */
export const PERKS_SLACK_BOT_SCOPES = [
	'chat:write',
	'chat:write.public',
	'im:write',
	// Read back our own posts before re-sending after an ambiguous failure (docs/idempotency.md).
	'im:history',
	'channels:history',
	'groups:history',
	// Join a public channel to read it back (history needs membership) after an ambiguous post.
	'channels:join',
	'users:read',
	'users:read.email',
	'channels:read',
	'groups:read',
	'commands',
	// Perks Chat Trigger: questions that @mention the app.
	'app_mentions:read',
];

export class PerksSlackOAuth2Api implements ICredentialType {
	name = 'perksSlackOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Perks Slack OAuth2 API';

	icon: Icon = { light: 'file:slack.svg', dark: 'file:slack.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/slack-setup.md';

	properties: INodeProperties[] = [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: 'https://slack.com/oauth/v2/authorize',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: 'https://slack.com/api/oauth.v2.access',
		},
		// Slack's v2 flow takes bot scopes in `scope` and returns the bot token as access_token.
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: PERKS_SLACK_BOT_SCOPES.join(','),
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
		slackApiUrlField,
		slackSigningSecretField,
	];
}
