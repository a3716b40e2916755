/** The fix for every code the Teams adapter raises (neutral codes where chat/errors.ts lists one). */
import type { ErrorContext, FixTable } from '../errors';

/** Failures only Microsoft Teams (Graph) reports. */
export const TEAMS_ERROR_CODES = [
	'team_not_found',
	'team_required',
	'team_archived',
	'forbidden',
	'delivery_unknown',
	'invalid_card',
	'bad_request',
	'notification_url_unreachable',
	'foreign_next_link',
	'credential_outdated',
] as const;
export type TeamsErrorCode = (typeof TEAMS_ERROR_CODES)[number];

declare module '../errors' {
	interface PlatformErrorCodes {
		teams: TeamsErrorCode;
	}
}

const REAUTHORIZE =
	"Microsoft refused the sign-in even after refreshing the token. Open the credential and reconnect (sign in again). Prefer a service account: a person's sign-in stops working when they leave, change their password or lose their Teams license.";

const userNotFound = (c: ErrorContext) =>
	`No Microsoft Entra user has ${c.user ? `"${c.user}"` : 'this email'} as mail, sign-in name or alias (never "other emails": a user can set those to anything). The perks email and the Teams email probably differ: add the pair to "Manual Mappings".`;

/** Graph answers this when it throttles; also the wait is over our bounded policy. */
const RATE_LIMITED =
	'Microsoft Teams is throttling this app (it allows about 4 requests a second per team or channel). Send fewer messages at once, or run again later.';

export const TEAMS_ERROR_FIXES: FixTable<TeamsErrorCode> = {
	not_a_member:
		'Add the service account the credential signed in with to the team (in Teams: the team → ⋯ → Manage team → Members → Add member), and to the channel if it is private; or pick a team it belongs to.',
	team_not_found:
		"No team with this ID is visible to the service account. Pick the team from the list, or check the ID (the groupId in the team's link).",
	team_required: 'Choose a team: a Teams channel is always inside a team.',
	channel_not_found: (c) =>
		`The team has no channel ${c.channel ? `"${c.channel}"` : 'with this ID'}. Pick the channel from the list, or check its ID (19:…@thread.tacv2, from the channel's link).`,
	team_archived:
		'The team is archived, so it is read-only. Restore it in Teams (Manage teams → Archived → Restore) or pick another team.',
	recipient_not_found: userNotFound,
	recipient_is_bot: 'The recipient is not a person. Check the user mapping.',
	ambiguous_recipient: (c) =>
		`Several enabled Microsoft Entra users have ${c.user ? `"${c.user}"` : 'this email'} as mail, sign-in name or alias, so the recipient is not guessed. Add the perks email to "Manual Mappings" with the right person's Entra object ID (Entra admin center → Users → the user → Object ID), or remove the duplicate address in Entra.`,
	recipient_external: (c) =>
		`The Microsoft Entra account with ${c.user ? `"${c.user}"` : 'this email'} belongs to another organisation (a guest or external user), so its email proves nothing. If it really is the employee, add the perks email to "Manual Mappings" with that account's Entra object ID.`,
	recipient_email_unconfirmed: (c) =>
		`The Microsoft Entra account with ${c.user ? `"${c.user}"` : 'this email'} has not confirmed this email, so it proves nothing. Add the perks email to "Manual Mappings" with the person's Entra object ID.`,
	recipient_disabled: (c) =>
		`The Microsoft Entra account ${c.user ? `"${c.user}"` : ''} is disabled (sign-in blocked), so it cannot receive messages. Update the user mapping.`,
	forbidden:
		'Microsoft Graph refused the service account access. Check that it has a Teams license and can sign in, and that the app registration has all the permissions in docs/teams-setup.md with admin consent.',
	reauthorize: REAUTHORIZE,
	missing_permission: (c) =>
		`The app registration lacks the delegated permission ${c.neededScope ? `"${c.neededScope}"` : 'this call needs'}, or an admin has not consented to it. In the Entra admin center → App registrations → the app → API permissions, add it and click "Grant admin consent", then reconnect the credential (docs/teams-setup.md).`,
	rate_limited: RATE_LIMITED,
	service_unavailable:
		'Microsoft Graph is unavailable. Retry later; see the Microsoft 365 service health page.',
	delivery_unknown:
		'Microsoft Graph failed while posting, so the message may or may not have arrived. Nothing to do: the next attempt (the perks redelivery) looks for it before posting, so it is not posted twice.',
	message_too_long:
		'Teams refused the message as too large (about 28 KB). Shorten it or split it into several messages.',
	empty_message: 'The message is empty. Set "Text", or an Adaptive Card.',
	invalid_card:
		'An Adaptive Card must be a JSON object with "type": "AdaptiveCard". Design and check it at https://adaptivecards.microsoft.com/designer.',
	bad_request:
		'Microsoft Graph refused the request as malformed: see the message for its error code.',
	notification_url_unreachable:
		"Microsoft Graph could not validate Perks Chat Trigger's URL: Graph must reach it over HTTPS from the internet and get the validation token back within 10 seconds. Set n8n's WEBHOOK_URL to its public HTTPS address and publish again (docs/teams-setup.md).",
	foreign_next_link:
		'A next-page link from Microsoft Graph pointed outside the credential\'s "Graph API Base URL", so it was not followed (the token would have gone there). Set "Graph API Base URL" to the Graph host of your cloud, and check for a proxy rewriting Graph\'s answers.',
	credential_outdated:
		'Open the Perks Microsoft Teams OAuth2 API credential, paste the two URLs this message gives into "Authorization URL" and "Access Token URL", and save. The sign-in stays: no need to reconnect.',
	unreachable:
		'Could not reach Microsoft Graph. Check the credential\'s "Graph API Base URL" and the network.',
	unknown: 'Microsoft Graph refused the call: see the message for its status and error code.',
};

/** The error source for failures raised outside an adapter instance. */
export const TEAMS_SOURCE = { name: 'teams', fixes: TEAMS_ERROR_FIXES };
