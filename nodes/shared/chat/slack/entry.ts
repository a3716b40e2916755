/** Slack as the nodes offer it: two credential types (bot token, OAuth2), Block Kit, the adapter. */
import { NodeOperationError } from 'n8n-workflow';

import { parseBlocksParameter } from '../../messages/render/slack';
import { credentialThrottleKey, type PlatformEntry } from '../PlatformEntry';
import { SlackPlatform } from './SlackPlatform';

/** Credential type names for the two "Authentication" choices. */
export const SLACK_BOT_TYPE = 'perksSlackApi';
export const SLACK_CONNECTED_APP_TYPE = 'perksSlackOAuth2Api';

interface SlackCredential {
	accessToken?: string;
	apiUrl?: string;
	oauthTokenData?: { access_token?: string };
}

export const slackEntry: PlatformEntry = {
	name: 'slack',
	displayName: 'Slack',
	credentials: [
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
	],
	credentialType: (authentication) => (authentication === 'oAuth2' ? SLACK_CONNECTED_APP_TYPE : SLACK_BOT_TYPE),
	nativeProperty: {
		displayName: 'Blocks (Slack)',
		name: 'blocks',
		type: 'json',
		default: '',
		description: 'Optional Block Kit JSON: an array of blocks, or {"blocks": [...]} as Block Kit Builder exports it',
		displayOptions: { show: { messageSource: ['custom'], platform: ['slack'] } },
	},
	parseNative: parseBlocksParameter,
	async create(context, type) {
		const oauth = type === SLACK_CONNECTED_APP_TYPE;
		const credential = await context.getCredentials<SlackCredential>(type);
		const token = oauth ? credential.oauthTokenData?.access_token : credential.accessToken;
		if (!token) {
			throw new NodeOperationError(context.getNode(), 'The Slack credential has no token', {
				description: oauth
					? 'Open the credential and click "Connect my account" to authorize the Slack app.'
					: 'Paste the app\'s "Bot User OAuth Token" (xoxb-…) into the credential.',
			});
		}
		return new SlackPlatform({ token, apiUrl: credential.apiUrl, throttleKey: credentialThrottleKey(context, type) });
	},
};
