import type { Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { bearerAuth } from './bearer';
import { slackApiUrlField, slackSigningSecretField } from './slackFields';

export class PerksSlackApi implements ICredentialType {
	name = 'perksSlackApi';

	displayName = 'Perks Slack Bot API';

	icon: Icon = { light: 'file:slack.svg', dark: 'file:slack.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/slack-setup.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Bot Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'xoxb-…',
			description: 'The "Bot User OAuth Token" from the Slack app\'s OAuth & Permissions page',
		},
		slackSigningSecretField,
		slackApiUrlField,
	];

	authenticate = bearerAuth('accessToken');

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.apiUrl.replace(/\\/?$/, "/")}}',
			url: 'auth.test',
			method: 'POST',
			// A redirect is not followed: n8n would send the token on to wherever it points.
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'ok',
					value: false,
					message: 'Slack rejected the bot token: re-copy it or reinstall the app',
				},
			},
		],
	};
}
