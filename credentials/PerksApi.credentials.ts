import type { Icon, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { bearerAuth } from './bearer';

export class PerksApi implements ICredentialType {
	name = 'perksApi';

	displayName = 'Perks API';

	icon: Icon = { light: 'file:perks.svg', dark: 'file:perks.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/perks-api.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://perks.example.com/api',
			required: true,
			description: 'The perks API root; every call adds /v1/… to it',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Webhook Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only for webhooks you registered by hand: the "whsec_…" secret that signs their deliveries',
		},
	];

	authenticate = bearerAuth('apiKey');

	test: ICredentialTestRequest = {
		// A redirect is not followed: n8n would send the API key on to wherever it points.
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/account',
			disableFollowRedirect: true,
		},
	};
}
