import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class PerksSlackApi implements ICredentialType {
	name = 'perksSlackApi';

	displayName = 'Perks Slack Bot API';

	icon: Icon = { light: 'file:slack.svg', dark: 'file:slack.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/slack-setup.md';

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
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'From the Slack app\'s Basic Information page; verifies that /perks slash commands really come from Slack',
		},
		{
			displayName: 'API URL',
			name: 'apiUrl',
			type: 'string',
			default: 'https://slack.com/api/',
			description: 'Change only for GovSlack (https://slack-gov.com/api/) or a test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: '={{$credentials.apiUrl.replace(/\\/?$/, "/")}}', url: 'auth.test', method: 'POST' },
		rules: [
			{
				type: 'responseSuccessBody',
				properties: { key: 'ok', value: false, message: 'Slack rejected the bot token: re-copy it or reinstall the app' },
			},
		],
	};
}
