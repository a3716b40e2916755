/** An item that did not come from a Perks Chat Trigger. */
export class ChatQuestionError extends Error {
	readonly code = 'not_a_chat_question';
	readonly fix = 'Connect Perks Chat Reply directly after a Perks Chat Trigger (or pass its item through unchanged).';

	constructor(message: string) {
		super(message);
		this.name = 'ChatQuestionError';
	}
}
