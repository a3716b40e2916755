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

export type SharedChatErrorCode = (typeof CHAT_ERROR_CODES)[number];
/**
 * Each platform folder adds its own failures here (`declare module '../errors'`, one key per
 * platform), so the union below knows every code without this file naming a platform.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PlatformErrorCodes {}
export type ChatErrorCode = SharedChatErrorCode | PlatformErrorCodes[keyof PlatformErrorCodes];

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
