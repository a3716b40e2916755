/** The question item Perks Chat Reply answers, checked against the registry's sources. */
import type { IDataObject } from 'n8n-workflow';

import type { ChatPlatform } from '../../shared/chat/ChatPlatform';
import { questionSource, type RegisteredSource } from '../../shared/chat/platforms';
import type { QuestionItem } from '../../shared/chat/QuestionSource';
import { ChatQuestionError, PlatformMismatchError } from './errors';

export function readQuestion(json: IDataObject): QuestionItem & { from: RegisteredSource } {
	const { source, askerId, intent, language, responseUrl, button } = json;
	const from = questionSource(source);
	if (!from || typeof askerId !== 'string' || !askerId) {
		throw new ChatQuestionError(
			'The input item is not a chat question: it needs "source" and "askerId"',
		);
	}
	const missing = from.source.answer?.check?.(json);
	if (missing) throw new ChatQuestionError(missing);
	return {
		from,
		platform: from.platform.name,
		source: from.source.value,
		askerId,
		intent: intent === 'help' ? 'help' : 'balance',
		language: typeof language === 'string' ? language : null,
		responseUrl: typeof responseUrl === 'string' ? responseUrl : null,
		...(button === undefined || button === null ? {} : { button: buttonOf(button) }),
	};
}

/** The question, refused when it came from another platform than the node's. */
export function questionFor(json: IDataObject, platform: ChatPlatform) {
	const question = readQuestion(json);
	if (question.platform !== platform.name)
		throw new PlatformMismatchError(question.platform, platform.name);
	return question;
}

/** Anything but a named recipient counts as a button for nobody. */
function buttonOf(button: unknown): { for: string | null } {
	const recipient = (button as { for?: unknown }).for;
	return { for: typeof recipient === 'string' && recipient ? recipient : null };
}
