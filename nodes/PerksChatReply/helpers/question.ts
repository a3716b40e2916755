/** The question item Perks Chat Reply answers, checked against the registry's sources. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChatPlatform } from '../../shared/chat/ChatPlatform';
import { questionSource, type RegisteredSource } from '../../shared/chat/platforms';
import type { QuestionItem } from '../../shared/chat/QuestionSource';
import { readManualMappings } from '../../shared/mapping/properties';
import type { PerksClient } from '../../shared/perks/client';
import { ChatQuestionError, PlatformMismatchError } from './errors';
import { findAsker } from './findAsker';

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

/** The item and its question, refused when it came from another platform than the node's. */
export function itemQuestion(
	context: IExecuteFunctions,
	itemIndex: number,
	platform: ChatPlatform,
) {
	const item = context.getInputData()[itemIndex].json;
	const question = readQuestion(item);
	if (question.platform !== platform.name)
		throw new PlatformMismatchError(question.platform, platform.name);
	return { item, question };
}

/** Who asked, by this item's Manual Mappings and what the item says of the asker. */
export async function askerMatch(
	context: IExecuteFunctions,
	itemIndex: number,
	platform: ChatPlatform,
	perks: PerksClient,
	askerId: string,
) {
	// The item's own word on the asker (Teams bot: another tenant, a guest) only ever narrows.
	const item = context.getInputData()[itemIndex].json;
	return await findAsker(platform, perks, askerId, readManualMappings(context, itemIndex), {
		external: item.askerExternal === true,
		guest: item.askerGuest === true,
	});
}

/** Anything but a named recipient counts as a button for nobody. */
function buttonOf(button: unknown): { for: string | null } {
	const recipient = (button as { for?: unknown }).for;
	return { for: typeof recipient === 'string' && recipient ? recipient : null };
}
