import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/** The security token Teams shows once when an outgoing webhook is created; verifies each request. */
// No Teams API knows the token, so there is no request to test it with: Perks Chat Trigger's
// credentialTest (testedBy) checks its format instead.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class PerksTeamsOutgoingWebhookApi implements ICredentialType {
	name = 'perksTeamsOutgoingWebhookApi';

	displayName = 'Perks Teams Outgoing Webhook API';

	icon: Icon = { light: 'file:teams.svg', dark: 'file:teams.dark.svg' };

	documentationUrl =
		'https://github.com/n8n-nodes-perks/n8n-nodes-perks/blob/main/docs/chat-balance.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Security Token',
			name: 'securityToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Shown once when you create the outgoing webhook (Team → Manage team → Apps → Create an outgoing webhook). Paste it whole: 44 characters of base64 (32 bytes), ending in "=". A token that is not base64 or is shorter makes the trigger refuse every request.',
		},
	];
}
