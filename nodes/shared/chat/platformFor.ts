/** The "Platform" and "Authentication" parameters every chat node shares, and the adapter they select. */
import {
	NodeOperationError,
	type INodeCredentialDescription,
	type INodeProperties,
} from 'n8n-workflow';

import type { ChatPlatform } from './ChatPlatform';
import type { ChatContext, PlatformEntry } from './PlatformEntry';
import { PLATFORMS, platformEntry } from './platforms';

/** The "Platform" parameter's default: the first platform registered. */
const DEFAULT_PLATFORM = PLATFORMS[0].name;

export const platformProperties: INodeProperties[] = [
	{
		displayName: 'Platform',
		name: 'platform',
		type: 'options',
		noDataExpression: true,
		options: PLATFORMS.map((entry) => ({ name: entry.displayName, value: entry.name })),
		default: DEFAULT_PLATFORM,
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

/** The platform the node's "Platform" parameter picks, and its adapter, signed in as chosen. */
export interface ChatSession {
	entry: PlatformEntry;
	platform: ChatPlatform;
}

export async function openChat(context: ChatContext): Promise<ChatSession> {
	const name = context.getNodeParameter('platform', 0, DEFAULT_PLATFORM) as string;
	const entry = platformEntry(name);
	if (!entry)
		throw new NodeOperationError(context.getNode(), `The platform "${name}" is not supported`);
	const authentication = context.getNodeParameter('authentication', 0, 'accessToken') as string;
	return { entry, platform: await entry.create(context, entry.credentialType(authentication)) };
}

export async function chatPlatformFor(context: ChatContext): Promise<ChatPlatform> {
	return (await openChat(context)).platform;
}
