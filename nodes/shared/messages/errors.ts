/**
 * Message failures with a stable `code`, the field at fault and the fix, shaped like the other
 * explained errors (see node/toNodeError.ts) so nodes report them the same way.
 */
import type { ChatErrorCode } from '../chat/errors';

export type MessageBuildErrorCode = 'missing_field' | 'unknown_event_type';

/** The names a platform's refusal of the same message gets (chat/errors.ts), plus checks of our own. */
export type MessageLimitErrorCode =
	| Extract<ChatErrorCode, 'message_too_long' | 'invalid_blocks'>
	| 'too_many_blocks'
	| 'block_text_too_long';

/** A default message cannot be written from this item (never a message with "undefined" in it). */
export class MessageBuildError extends Error {
	constructor(
		readonly code: MessageBuildErrorCode,
		readonly field: string,
		message: string,
		readonly fix: string,
	) {
		super(message);
		this.name = 'MessageBuildError';
	}
}

/** The platform would refuse (or silently cut) this message: caught before any call. */
export class MessageLimitError extends Error {
	constructor(
		readonly code: MessageLimitErrorCode,
		readonly field: string,
		message: string,
		readonly fix: string,
	) {
		super(message);
		this.name = 'MessageLimitError';
	}
}
