import { platformEntry } from '../../shared/chat/platforms';

/** An item that did not come from a Perks Chat Trigger. */
export class ChatQuestionError extends Error {
	readonly code = 'not_a_chat_question';
	readonly fix =
		'Connect Perks Chat Reply directly after a Perks Chat Trigger (or pass its item through unchanged).';

	constructor(message: string) {
		super(message);
		this.name = 'ChatQuestionError';
	}
}

/** A question from one platform given to a node set to another: the asker id means nothing there. */
export class PlatformMismatchError extends Error {
	readonly code = 'platform_mismatch';
	readonly fix: string;

	constructor(asked: string, configured: string) {
		super(`The question came from ${asked}, but Perks Chat Reply's Platform is ${configured}`);
		this.name = 'PlatformMismatchError';
		this.fix = `Set Perks Chat Reply's Platform to ${platformEntry(asked)?.displayName ?? asked} and pick that platform's credential.`;
	}
}
