/**
 * Message failures with a stable `code`, the field at fault and the fix, shaped like the other
 * explained errors (see node/toNodeError.ts) so nodes report them the same way.
 */
export type MessageBuildErrorCode = 'missing_field' | 'unknown_event_type';

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

/**
 * The platform would refuse (or silently cut) this message: caught before any call. Each
 * platform's limits file names its codes, with the platform's own name for the same refusal.
 */
export class MessageLimitError<Code extends string = string> extends Error {
	constructor(
		readonly code: Code,
		readonly field: string,
		message: string,
		readonly fix: string,
	) {
		super(message);
		this.name = 'MessageLimitError';
	}
}
