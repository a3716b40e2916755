/** The fix for every code the Slack adapter raises: neutral codes first, then Slack's own. */
import type { ChatErrorCode, ErrorContext, FixTable } from '../errors';

/** Failures only Slack reports. */
export const SLACK_ERROR_CODES = [
	'channel_archived',
	'invalid_blocks',
	'invalid_blocks_format',
	'request_timeout',
	'internal_error',
	'pagination_loop',
	'too_many_pages',
	'response_url_not_slack',
	'signing_secret_required',
] as const;
export type SlackErrorCode = (typeof SLACK_ERROR_CODES)[number];

declare module '../errors' {
	interface PlatformErrorCodes {
		slack: SlackErrorCode;
	}
}

const REAUTHORIZE =
	'Re-authorize the credential (reconnect OAuth2 or paste a fresh bot token). Prefer a service account: credentials tied to a person stop working when that person leaves or changes role.';

const inviteApp = (c: ErrorContext) =>
	`If ${c.channel ? `"${c.channel}"` : 'the channel'} is private, invite the app: open the channel and type /invite @${c.appName ?? '<app name>'}. Otherwise check the channel name or ID.`;

const RATE_LIMITED =
	'Slack is rate limiting this app. Lower how many messages the workflow sends at once, or retry later.';
const SLACK_DOWN = 'Slack had an internal error. Retry later; see https://slack-status.com.';

/**
 * Slack's own error codes → ours; the message keeps Slack's code. A code not listed here is
 * `unknown` (its fix says to read the message).
 */
export const SLACK_TO_NEUTRAL: Record<string, ChatErrorCode> = {
	not_in_channel: 'not_a_member',
	channel_not_found: 'channel_not_found',
	is_archived: 'channel_archived',
	users_not_found: 'recipient_not_found',
	user_not_found: 'recipient_not_found',
	user_disabled: 'recipient_disabled',
	cannot_dm_bot: 'recipient_is_bot',
	invalid_auth: 'reauthorize',
	not_authed: 'reauthorize',
	token_revoked: 'reauthorize',
	token_expired: 'reauthorize',
	account_inactive: 'reauthorize',
	missing_scope: 'missing_permission',
	ratelimited: 'rate_limited',
	msg_too_long: 'message_too_long',
	no_text: 'empty_message',
	invalid_blocks: 'invalid_blocks',
	invalid_blocks_format: 'invalid_blocks_format',
	request_timeout: 'request_timeout',
	service_unavailable: 'service_unavailable',
	internal_error: 'internal_error',
	fatal_error: 'internal_error',
};

export const SLACK_ERROR_FIXES: FixTable<SlackErrorCode> = {
	not_a_member: inviteApp,
	channel_not_found: inviteApp,
	channel_archived: (c) =>
		`${c.channel ? `"${c.channel}"` : 'The channel'} is archived. Unarchive it in Slack or choose another channel.`,
	recipient_not_found: (c) =>
		`No Slack user has the email ${c.user ? `"${c.user}"` : 'given'}. The perks email and the Slack email probably differ: check the user mapping, or add the pair to "Manual Mappings".`,
	recipient_disabled: (c) =>
		`The Slack account ${c.user ? `"${c.user}"` : ''} is deactivated, so it cannot receive messages. Update the user mapping.`,
	recipient_is_bot:
		'The recipient is a bot or app, which cannot receive direct messages. Check the user mapping.',
	recipient_external: (c) =>
		`The Slack account with ${c.user ? `"${c.user}"` : 'this email'} is not a member of the app's workspace (another organisation, e.g. through Slack Connect), so its email proves nothing. If it really is the employee, add the perks email to "Manual Mappings" with that account's Slack user ID.`,
	recipient_email_unconfirmed: (c) =>
		`The Slack account with ${c.user ? `"${c.user}"` : 'this email'} has not confirmed its email, so it proves nothing. Ask the person to confirm it in Slack, or add the perks email to "Manual Mappings" with their Slack user ID.`,
	ambiguous_recipient: (c) =>
		`Several Slack accounts have ${c.user ? `"${c.user}"` : 'this email'}, so the recipient is not guessed. Add the perks email to "Manual Mappings" with the right person's Slack user ID.`,
	reauthorize: REAUTHORIZE,
	missing_permission: (c) =>
		`The Slack app lacks the "${c.neededScope ?? 'required'}" scope. Add it under OAuth & Permissions → Bot Token Scopes (or re-create the app from docs/slack-app-manifest.json), reinstall the app, then re-authorize the credential.`,
	rate_limited: RATE_LIMITED,
	message_too_long: "The message text is over Slack's 40,000 character limit. Shorten it.",
	empty_message: 'The message has neither text nor blocks. Set "Text" or "Blocks".',
	invalid_blocks:
		'Slack refused the blocks. Check them in Block Kit Builder (https://app.slack.com/block-kit-builder).',
	invalid_blocks_format: 'The blocks must be a JSON array of Block Kit blocks.',
	request_timeout: 'Slack did not answer in time. Retry later.',
	service_unavailable: 'Slack is unavailable. Retry later; see https://slack-status.com.',
	internal_error: SLACK_DOWN,
	unreachable: 'Could not reach the Slack API. Check the credential\'s "API URL" and the network.',
	pagination_loop:
		'Slack returned the same page cursor twice, so the listing stopped instead of looping. Retry later; if it persists, report it to Slack.',
	too_many_pages:
		'The listing passed its page cap and stopped. Narrow it (a name filter), or report the workspace size.',
	response_url_not_slack:
		'Connect Perks Chat Reply directly after a Perks Chat Trigger set to "Slack Slash Command" and leave the item\'s responseUrl as Slack sent it (https://hooks.slack.com/…). For GovSlack or a test server, set the Slack credential\'s API URL to that host.',
	signing_secret_required:
		'"Show My Balance Button" is on, but the Slack credential has no Signing Secret. Paste it into the credential\'s "Signing Secret" field (Slack app → Basic Information → App Credentials), or turn "Show My Balance Button" off.',
	unknown: 'Slack refused the call: see the message for its error code.',
};

/** The error source for failures raised outside an adapter instance. */
export const SLACK_SOURCE = { name: 'slack', fixes: SLACK_ERROR_FIXES };
