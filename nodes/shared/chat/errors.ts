/**
 * Chat platform failures with a stable `code` (the platform's own error code where it has one)
 * and the fix, looked up in one table so every node explains a failure the same way.
 */
import type { PlatformName } from './ChatPlatform';
import { TEAMS_ERROR_FIXES } from './teams/fixes';

export interface ErrorContext {
	/** The channel the call was about, as the user named it. */
	channel?: string;
	/** The app's display name in the workspace, for "/invite @<app>". */
	appName?: string;
	/** The user id or email the call was about. */
	user?: string;
	/** From Slack's `missing_scope` answer. */
	neededScope?: string;
}

type FixText = string | ((context: ErrorContext) => string);

const REAUTHORIZE =
	'Re-authorize the credential (reconnect OAuth2 or paste a fresh bot token). Prefer a service account: credentials tied to a person stop working when that person leaves or changes role.';

const inviteApp = (c: ErrorContext) =>
	`If ${c.channel ? `"${c.channel}"` : 'the channel'} is private, invite the app: open the channel and type /invite @${c.appName ?? '<app name>'}. Otherwise check the channel name or ID.`;

/** Slack Web API error codes we explain; anything else falls back to `unknown`. */
export const SLACK_ERROR_FIXES: Record<string, FixText> = {
	not_in_channel: inviteApp,
	channel_not_found: inviteApp,
	is_archived: (c) =>
		`${c.channel ? `"${c.channel}"` : 'The channel'} is archived. Unarchive it in Slack or choose another channel.`,
	users_not_found: (c) =>
		`No Slack user has the email ${c.user ? `"${c.user}"` : 'given'}. The perks email and the Slack email probably differ: check the user mapping, or add the pair to "Manual Mappings".`,
	user_not_found: (c) =>
		`Slack does not know the user ${c.user ? `"${c.user}"` : ''}. Check the user mapping: the perks email and the Slack email may differ ("Manual Mappings" fixes aliases).`,
	user_disabled: (c) =>
		`The Slack account ${c.user ? `"${c.user}"` : ''} is deactivated, so it cannot receive messages. Update the user mapping.`,
	cannot_dm_bot: 'The recipient is a bot or app, which cannot receive direct messages. Check the user mapping.',
	invalid_auth: REAUTHORIZE,
	not_authed: REAUTHORIZE,
	token_revoked: REAUTHORIZE,
	token_expired: REAUTHORIZE,
	account_inactive: REAUTHORIZE,
	missing_scope: (c) =>
		`The Slack app lacks the "${c.neededScope ?? 'required'}" scope. Add it under OAuth & Permissions → Bot Token Scopes (or re-create the app from docs/slack-app-manifest.json), reinstall the app, then re-authorize the credential.`,
	msg_too_long: 'The message text is over Slack\'s 40,000 character limit. Shorten it.',
	no_text: 'The message has neither text nor blocks. Set "Text" or "Blocks".',
	invalid_blocks: 'Slack refused the blocks. Check them in Block Kit Builder (https://app.slack.com/block-kit-builder).',
	invalid_blocks_format: 'The blocks must be a JSON array of Block Kit blocks.',
	ratelimited: 'Slack is rate limiting this app. Lower how many messages the workflow sends at once, or retry later.',
	rate_limited: 'Slack is rate limiting this app. Lower how many messages the workflow sends at once, or retry later.',
	request_timeout: 'Slack did not answer in time. Retry later.',
	service_unavailable: 'Slack is unavailable. Retry later; see https://slack-status.com.',
	internal_error: 'Slack had an internal error. Retry later; see https://slack-status.com.',
	fatal_error: 'Slack had an internal error. Retry later; see https://slack-status.com.',
	unreachable: 'Could not reach the Slack API. Check the credential\'s "API URL" and the network.',
	pagination_loop: 'Slack returned the same page cursor twice, so the listing stopped instead of looping. Retry later; if it persists, report it to Slack.',
	too_many_pages: 'The listing passed its page cap and stopped. Narrow it (a name filter), or report the workspace size.',
	unknown: 'Slack refused the call: see the message for its error code.',
};

const FIXES: Record<PlatformName, Record<string, FixText>> = { slack: SLACK_ERROR_FIXES, teams: TEAMS_ERROR_FIXES };

export class ChatPlatformError extends Error {
	readonly fix: string;

	constructor(
		readonly platform: PlatformName,
		readonly code: string,
		message: string,
		context: ErrorContext = {},
		readonly retryAfterSeconds?: number,
		readonly httpStatus?: number,
		/** The call may have taken effect although it failed (timeout, reset, 5xx). */
		readonly ambiguous = false,
	) {
		super(message);
		this.name = 'ChatPlatformError';
		const table = FIXES[platform];
		const fix = table[code] ?? table.unknown ?? 'See the message for the error code.';
		this.fix = typeof fix === 'function' ? fix(context) : fix;
	}
}
