/** The "Platform" and "Authentication" parameters every chat node shares, and the adapter they select. */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeCredentialDescription,
	type INodeProperties,
} from 'n8n-workflow';

import type { ChatPlatform } from './ChatPlatform';
import type { ChatContext } from './PlatformEntry';
import { PLATFORMS, platformEntry } from './platforms';
import { runPerItem } from '../node/runPerItem';
import { toNodeError } from '../node/toNodeError';

export const platformProperties: INodeProperties[] = [
	{
		displayName: 'Platform',
		name: 'platform',
		type: 'options',
		noDataExpression: true,
		options: PLATFORMS.map((entry) => ({ name: entry.displayName, value: entry.name })),
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
			{ name: 'Teams Bot (Teams App)', value: 'teamsBot' },
		],
		default: 'accessToken',
		description:
			'How the node signs in. Slack: Bot Token or OAuth2. Microsoft Teams: "Teams Bot (Teams App)" sends as the Perks app (recommended); any other choice signs in as a service account with OAuth2.',
		// No displayOptions: n8n's editor hides every parameter an auth field's displayOptions
		// name, which would hide "Platform" (seen in the editor test).
	},
];

export const platformCredentials: INodeCredentialDescription[] = PLATFORMS.flatMap(
	(entry) => entry.credentials,
);

export async function chatPlatformFor(context: ChatContext): Promise<ChatPlatform> {
	const name = context.getNodeParameter('platform', 0, 'slack') as string;
	const entry = platformEntry(name);
	if (!entry)
		throw new NodeOperationError(context.getNode(), `The platform "${name}" is not supported`);
	const authentication = context.getNodeParameter('authentication', 0, 'accessToken') as string;
	return await entry.create(context, entry.credentialType(authentication));
}

/** The execute() of a chat node: one adapter for the whole run, then the shared item loop. */
export async function runChatOperation(
	context: IExecuteFunctions,
	operation: (
		this: IExecuteFunctions,
		itemIndex: number,
		platform: ChatPlatform,
	) => Promise<IDataObject>,
): Promise<INodeExecutionData[][]> {
	// A credential the adapter refuses (an unsafe URL) fails with its code and fix, as a call would.
	const platform = await chatPlatformFor(context).catch((error: unknown) => {
		throw toNodeError(context.getNode(), error);
	});
	return [
		await runPerItem(context, async function (itemIndex) {
			return await operation.call(this, itemIndex, platform);
		}),
	];
}
