/** The fix for every code the Teams bot adapter raises: the service account's, restated for an app identity. */
import type { FixTable } from '../../errors';
import { TEAMS_ERROR_FIXES, type TeamsErrorCode } from '../fixes';

/** Failures only the Teams bot (Bot Connector, app installations) reports. */
export const TEAMS_BOT_ERROR_CODES = [
	'app_not_installed',
	'app_not_in_team',
	'app_not_in_catalog',
	'insecure_url',
	'reply_target_unverified',
	'bot_credential_required',
] as const;
export type TeamsBotErrorCode = (typeof TEAMS_BOT_ERROR_CODES)[number];

declare module '../../errors' {
	interface PlatformErrorCodes {
		teamsBot: TeamsBotErrorCode;
	}
}

const PERMISSIONS =
	'User.Read.All, TeamsAppInstallation.ReadWriteSelfForUser.All, AppCatalog.Read.All, Team.ReadBasic.All and Channel.ReadBasic.All';

export const TEAMS_BOT_FIXES: FixTable<TeamsErrorCode | TeamsBotErrorCode> = {
	...TEAMS_ERROR_FIXES,
	reauthorize:
		"Microsoft Entra refused the bot's sign-in. Check the credential's App (Client) ID and Tenant ID (the bot is single-tenant), and its Client Secret: secrets expire, so create a new one in the Entra admin center → App registrations → the bot → Certificates & secrets and paste it into the credential.",
	forbidden: `Microsoft refused the bot access. Check that the bot's app registration has the application permissions ${PERMISSIONS} with admin consent (docs/teams-setup.md).`,
	missing_permission: (c) =>
		`The bot's app registration lacks the application permission ${c.neededScope ? `"${c.neededScope}"` : 'this call needs'}, or an admin has not consented to it. In the Entra admin center → App registrations → the bot → API permissions, add it (Application, not Delegated) and click "Grant admin consent" (docs/teams-setup.md).`,
	not_a_member:
		'The Perks app is not added to this team. In Teams: the team → ⋯ → Manage team → Apps → Get more apps → Perks → Add; or pick a team it is in.',
	team_not_found:
		"No team with this ID exists in the tenant. Pick the team from the list, or check the ID (the groupId in the team's link).",
	rate_limited:
		'Microsoft Teams is throttling the bot (about 7 messages a second per conversation, 50 requests a second per app). Send fewer messages at once, or run again later.',
	service_unavailable:
		'The Bot Connector or Microsoft Graph is unavailable. Retry later; see the Microsoft 365 service health page.',
	delivery_unknown:
		"The Bot Connector failed while posting, so the message may or may not have arrived. Nothing to do: the next attempt (the perks redelivery) reads the chat or channel back first (the Perks app's resource-specific consent allows it), so it is not posted twice.",
	unreachable:
		'Could not reach Microsoft Entra, Graph or the Bot Connector. Check the credential\'s "Login Base URL", "Graph API Base URL" and "Bot Connector Service URL", and the network.',
	bad_request:
		'The Bot Connector or Microsoft Graph refused the request as malformed: see the message for its error code.',
	unknown:
		'The Bot Connector or Microsoft Graph refused the call: see the message for its status and error code.',
	app_not_installed: (c) =>
		`The Perks app is not installed for ${c.user ? `"${c.user}"` : 'this person'} and the bot could not install it. Either give the bot's app registration the application permission TeamsAppInstallation.ReadWriteSelfForUser.All with admin consent, and allow the Perks app in the Teams app permission policy that applies to the person; or install it for everyone with a Teams app setup policy (Teams admin center → Teams apps → Setup policies → Installed apps → add Perks).`,
	app_not_in_team:
		'The Perks app is not added to this team, so the bot cannot post in its channels. In Teams: the team → ⋯ → Manage team → Apps → Get more apps → Perks → Add (or an admin adds it in the Teams admin center → Manage apps → Perks → Add to a team).',
	app_not_in_catalog:
		"No Teams app with this bot is in the tenant's app catalog. Upload the Perks app package (scripts/teams-app-package.sh builds it) in the Teams admin center → Teams apps → Manage apps → Upload, or as a custom app; its bot ID must be the credential's App (Client) ID.",
	insecure_url: (c) =>
		`The credential's "${c.channel ?? 'base URL'}" must be an https address (plain http is allowed only to this machine, for tests), without a user name or password. Leave it at its default unless you use a national cloud.`,
	reply_target_unverified:
		"Perks Chat Reply answers a Teams bot question only where it was asked: use the same Teams bot credential as the Perks Chat Trigger, and pass the trigger's item on without changing its serviceUrl, channelId, replyToId, cardActivityId, askerId or replyTargetSignature.",
	bot_credential_required:
		'A question to the Teams bot is answered by the bot: set Perks Chat Reply\'s Authentication to "Teams Bot" and pick the Teams bot credential the Perks Chat Trigger uses.',
};

/** The error source for failures raised outside the adapter instance (tokens, URLs). */
export const TEAMS_BOT_SOURCE = { name: 'teams', fixes: TEAMS_BOT_FIXES };
