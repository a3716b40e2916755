import type { INodeProperties } from 'n8n-workflow';

/** Fields both Slack credential types carry, so the nodes read them the same way. */
export const slackApiUrlField: INodeProperties = {
	displayName: 'API URL',
	name: 'apiUrl',
	type: 'string',
	default: 'https://slack.com/api/',
	description: 'Change only for GovSlack (https://slack-gov.com/api/) or a test server',
};

export const slackSigningSecretField: INodeProperties = {
	displayName: 'Signing Secret',
	name: 'signingSecret',
	type: 'string',
	typeOptions: { password: true },
	default: '',
	description:
		'From the Slack app\'s Basic Information page; verifies that /perks slash commands and "Show my balance" clicks really come from Slack; required for Send DM\'s "Show My Balance Button"',
};
