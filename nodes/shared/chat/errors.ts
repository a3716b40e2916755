/**
 * Chat platform failures with a stable, platform-neutral `code` where one exists
 * (`recipient_not_found`, `not_a_member`, `reauthorize`, `rate_limited`, …) and the fix, looked up
 * in the fix table of the platform that raised it (each platform folder has its own fixes.ts).
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

export type FixText = string | ((context: ErrorContext) => string);
export type FixTable = Record<string, FixText>;

/** Who raised the error: a platform's name and its fix table (a ChatPlatform is one). */
export interface ErrorSource {
	readonly name: string;
	readonly fixes: FixTable;
}

export class ChatPlatformError extends Error {
	readonly platform: string;
	readonly fix: string;

	constructor(
		source: ErrorSource,
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
		this.platform = source.name;
		const fix = source.fixes[code] ?? source.fixes.unknown ?? 'See the message for the error code.';
		this.fix = typeof fix === 'function' ? fix(context) : fix;
	}
}
