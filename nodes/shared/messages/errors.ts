/**
 * Message failures with a stable `code`, the field at fault and the fix, shaped like the other
 * explained errors (see node/toNodeError.ts) so nodes report them the same way.
 */
export type MessageBuildErrorCode = 'missing_field' | 'unknown_event_type';

export type MessageLimitErrorCode =
	| 'message_too_long'
	| 'too_many_blocks'
	| 'block_text_too_long'
	| 'invalid_blocks';

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
