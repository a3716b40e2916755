/** The "Platform" and "Authentication" parameters every chat node shares, and the adapter they select. */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type ILoadOptionsFunctions,
	type INodeCredentialDescription,
	type INodeProperties,
} from 'n8n-workflow';

import type { ChatPlatform, PlatformName } from './ChatPlatform';
import { SlackPlatform } from './slack/SlackPlatform';
import { runPerItem } from '../node/runPerItem';

/** Credential type names for the two "Authentication" choices. */
export const SLACK_BOT_TYPE = 'perksSlackApi';
export const SLACK_CONNECTED_APP_TYPE = 'perksSlackOAuth2Api';

export const platformProperties: INodeProperties[] = [
	{
		displayName: 'Platform',
		name: 'platform',
		type: 'options',
		noDataExpression: true,
		options: [{ name: 'Slack', value: 'slack' }],
		default: 'slack',
		description: 'Where the message goes. Switching platform keeps every other setting.',
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Bot Token', value: 'accessToken' },
			{ name: 'OAuth2', value: 'oAuth2' },
		],
		default: 'accessToken',
		// No displayOptions: n8n's editor hides every parameter an auth field's displayOptions
		// name, which would hide "Platform" (seen in the editor test).
	},
];

export const platformCredentials: INodeCredentialDescription[] = [
	{
		name: SLACK_BOT_TYPE,
		required: true,
		displayOptions: { show: { platform: ['slack'], authentication: ['accessToken'] } },
	},
	{
		name: SLACK_CONNECTED_APP_TYPE,
		required: true,
		displayOptions: { show: { platform: ['slack'], authentication: ['oAuth2'] } },
	},
];

interface SlackCredential {
	accessToken?: string;
	apiUrl?: string;
	oauthTokenData?: { access_token?: string };
}

export async function chatPlatformFor(context: IExecuteFunctions | ILoadOptionsFunctions): Promise<ChatPlatform> {
	const platform = context.getNodeParameter('platform', 0, 'slack') as PlatformName;
	if (platform !== 'slack') {
		throw new NodeOperationError(context.getNode(), `The platform "${platform}" is not supported yet`);
	}
	const oauth = context.getNodeParameter('authentication', 0, 'accessToken') === 'oAuth2';
	const type = oauth ? SLACK_CONNECTED_APP_TYPE : SLACK_BOT_TYPE;
	const credential = await context.getCredentials<SlackCredential>(type);
	const token = oauth ? credential.oauthTokenData?.access_token : credential.accessToken;
	if (!token) {
		throw new NodeOperationError(context.getNode(), 'The Slack credential has no token', {
			description: oauth
				? 'Open the credential and click "Connect my account" to authorize the Slack app.'
				: 'Paste the app\'s "Bot User OAuth Token" (xoxb-…) into the credential.',
		});
	}
	// One rate-limit queue per credential, shared by every execution in this process.
	const credentialId = context.getNode().credentials?.[type]?.id;
	return new SlackPlatform({ token, apiUrl: credential.apiUrl, throttleKey: credentialId ? `credential:${credentialId}` : undefined });
}

/** The execute() of a chat node: one adapter for the whole run, then the shared item loop. */
export async function runChatOperation(
	context: IExecuteFunctions,
	operation: (this: IExecuteFunctions, itemIndex: number, platform: ChatPlatform) => Promise<IDataObject>,
): Promise<INodeExecutionData[][]> {
	const platform = await chatPlatformFor(context);
	return [
		await runPerItem(context, async function (itemIndex) {
			return await operation.call(this, itemIndex, platform);
		}),
	];
}
