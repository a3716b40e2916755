/**
 * Microsoft Teams as the nodes offer it: the Perks app's bot (Authentication "Teams Bot") or a
 * service account's OAuth2 sign-in (any other choice), Adaptive Cards, the two adapters.
 */
import { credentialThrottleKey, type ChatContext, type PlatformEntry } from '../PlatformEntry';
import { createTeamsBotPlatform, TEAMS_BOT_CREDENTIAL_TYPE } from './bot/n8n';
import { graphBaseUrlOf, type GraphCredential } from './graphCredential';
import { parseCardsParameter, teamsRenderer } from './message';
import { n8nGraphTransport, TEAMS_CREDENTIAL_TYPE } from './n8nGraph';
import { teamsMentions } from './mentions';
import { TEAMS_QUESTION_SOURCES } from './questions';
import { TeamsPlatform } from './TeamsPlatform';

export { n8nGraphTransport, TEAMS_CREDENTIAL_TYPE, TEAMS_BOT_CREDENTIAL_TYPE };
/** The "Authentication" choice that sends as the Teams app's bot. */
export const TEAMS_BOT_AUTHENTICATION = 'teamsBot';

export const teamsEntry = {
	name: 'teams' as const,
	displayName: 'Microsoft Teams',
	credentials: [
		{
			name: TEAMS_CREDENTIAL_TYPE,
			required: true,
			// Every choice but the bot's, so workflows saved before the bot existed keep their credential.
			displayOptions: {
				show: { platform: ['teams'] },
				hide: { authentication: [TEAMS_BOT_AUTHENTICATION] },
			},
		},
		{
			name: TEAMS_BOT_CREDENTIAL_TYPE,
			required: true,
			displayOptions: { show: { platform: ['teams'], authentication: [TEAMS_BOT_AUTHENTICATION] } },
		},
	],
	credentialType: (authentication) =>
		authentication === TEAMS_BOT_AUTHENTICATION ? TEAMS_BOT_CREDENTIAL_TYPE : TEAMS_CREDENTIAL_TYPE,
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
		if (type === TEAMS_BOT_CREDENTIAL_TYPE) return await createTeamsBotPlatform(context, type);
		const credential = await context.getCredentials<GraphCredential>(type);
		return new TeamsPlatform({
			transport: n8nGraphTransport(context, type),
			graphApiBaseUrl: graphBaseUrlOf(credential),
			throttleKey: credentialThrottleKey(context, type),
		});
	},
	questionSources: TEAMS_QUESTION_SOURCES,
	mentions: teamsMentions,
} satisfies PlatformEntry;
