/** Microsoft Teams as the nodes offer it: one OAuth2 credential, Adaptive Cards, the Graph adapter. */
import { credentialThrottleKey, type ChatContext, type PlatformEntry } from '../PlatformEntry';
import { parseCardsParameter, teamsRenderer } from './message';
import { n8nGraphTransport, TEAMS_CREDENTIAL_TYPE } from './n8nGraph';
import { teamsMentions } from './mentions';
import { TEAMS_QUESTION_SOURCES } from './questions';
import { TeamsPlatform } from './TeamsPlatform';

export { n8nGraphTransport, TEAMS_CREDENTIAL_TYPE };

export const teamsEntry = {
	name: 'teams' as const,
	displayName: 'Microsoft Teams',
	credentials: [
		{
			name: TEAMS_CREDENTIAL_TYPE,
			required: true,
			displayOptions: { show: { platform: ['teams'] } },
		},
	],
	credentialType: () => TEAMS_CREDENTIAL_TYPE,
	nativeProperty: {
		displayName: 'Adaptive Card (Teams)',
		name: 'card',
		type: 'json',
		default: '',
		description:
			'Optional Adaptive Card JSON ({"type": "AdaptiveCard", …}, as the Adaptive Cards Designer exports it), or a list of cards',
		displayOptions: { show: { messageSource: ['custom'], platform: ['teams'] } },
	},
	parseNative: parseCardsParameter,
	renderer: teamsRenderer,
	channelsInTeams: true,
	async create(context: ChatContext, type: string) {
		const credential = await context.getCredentials<{ graphApiBaseUrl?: string }>(type);
		return new TeamsPlatform({
			transport: n8nGraphTransport(context, type),
			graphApiBaseUrl: credential.graphApiBaseUrl,
			throttleKey: credentialThrottleKey(context, type),
		});
	},
	questionSources: TEAMS_QUESTION_SOURCES,
	mentions: teamsMentions,
} satisfies PlatformEntry;
