/**
 * Chat platform failures with a stable, platform-neutral `code` and the fix, looked up in the fix
 * table of the platform that raised it (each platform folder has its own fixes.ts). Workflows
 * branch on these codes, so each failure has one name on every platform.
 */
export interface ErrorContext {
	/** The channel the call was about, as the user named it. */
	channel?: string;
	/** The app's display name in the workspace, for "/invite @<app>". */
	appName?: string;
	/** The user id or email the call was about. */
	user?: string;
	/** The permission or scope the platform said is missing. */
	neededScope?: string;
}

/** Any platform may raise these (mapping/recipients.ts raises some for all), so every fix table has them. */
export const CHAT_ERROR_CODES = [
	'not_a_member',
	'channel_not_found',
	'recipient_not_found',
	'recipient_disabled',
	'recipient_is_bot',
	'recipient_external',
	'recipient_email_unconfirmed',
	'ambiguous_recipient',
	'reauthorize',
	'missing_permission',
	'rate_limited',
	'message_too_long',
	'empty_message',
	'service_unavailable',
	'unreachable',
	'unknown',
] as const;

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
] as const;

/** Failures only the Teams bot (Bot Connector, app installations) reports. */
export const TEAMS_BOT_ERROR_CODES = [
	'app_not_installed',
	'app_not_in_team',
	'app_not_in_catalog',
	'insecure_url',
	'reply_target_unverified',
	'bot_credential_required',
] as const;

export type SharedChatErrorCode = (typeof CHAT_ERROR_CODES)[number];
export type SlackErrorCode = (typeof SLACK_ERROR_CODES)[number];
export type TeamsErrorCode = (typeof TEAMS_ERROR_CODES)[number];
export type TeamsBotErrorCode = (typeof TEAMS_BOT_ERROR_CODES)[number];
export type ChatErrorCode =
	| SharedChatErrorCode
	| SlackErrorCode
	| TeamsErrorCode
	| TeamsBotErrorCode;

export type FixText = string | ((context: ErrorContext) => string);
/** A platform's fixes: one for every shared code and for each of its own (a missing one does not compile). */
export type FixTable<Own extends ChatErrorCode = never> = Record<
	SharedChatErrorCode | Own,
	FixText
>;

/** Who raised the error: a platform's name and its fix table (a ChatPlatform is one). */
export interface ErrorSource {
	readonly name: string;
	readonly fixes: FixTable & Partial<Record<ChatErrorCode, FixText>>;
}

export interface ChatErrorOptions {
	code: ChatErrorCode;
	message: string;
	context?: ErrorContext;
	retryAfterSeconds?: number;
	httpStatus?: number;
	/** The call may have taken effect although it failed (timeout, reset, 5xx). */
	ambiguous?: boolean;
}

export class ChatPlatformError extends Error {
	readonly platform: string;
	readonly code: ChatErrorCode;
	readonly fix: string;
	readonly retryAfterSeconds?: number;
	readonly httpStatus?: number;
	readonly ambiguous: boolean;
	/** What the fix was written from, so another source can restate the error with its own fix. */
	readonly context: ErrorContext;

	constructor(source: ErrorSource, options: ChatErrorOptions) {
		super(options.message);
		this.context = options.context ?? {};
		this.name = 'ChatPlatformError';
		this.platform = source.name;
		this.code = options.code;
		this.retryAfterSeconds = options.retryAfterSeconds;
		this.httpStatus = options.httpStatus;
		this.ambiguous = options.ambiguous ?? false;
		const fix = source.fixes[options.code] ?? source.fixes.unknown;
		this.fix = typeof fix === 'function' ? fix(options.context ?? {}) : fix;
	}
}
