/**
 * One chat question answered: the asker is mapped to a perks employee by their chat account's
 * confirmed email (Manual Mappings win; helpers/findAsker.ts), only that employee's wallet is
 * read, and the answer goes back privately the way the question came in (the source's answer
 * route). Nobody can ask for someone else's balance: the asker comes from the signed request,
 * never from a parameter.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { AnswerSender } from '../../shared/chat/QuestionSource';
import {
	formatAmount,
	MESSAGE_STRINGS,
	resolveLocale,
	type Locale,
} from '../../shared/messages/i18n';
import type { ChatPerksSession } from '../../shared/node/chatNode';
import type { PerksClient } from '../../shared/perks/client';
import type { Employee } from '../../shared/perks/contract';
import { askerMatch, itemQuestion } from '../helpers/question';

type Answered = 'balance' | 'help' | 'not_mapped' | 'not_identified' | 'not_for_you';

/** Its parameters are the node's (Manual Mappings): the same for both operations. */
export const description: INodeProperties[] = [];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ platform, perks }: ChatPerksSession,
): Promise<IDataObject> {
	const { item, question } = itemQuestion(this, itemIndex, platform);
	// Prepared before anything is read: a refused destination never costs a perks call.
	const send: AnswerSender = question.from.source.answer
		? await question.from.source.answer.prepare(this, platform, question, item)
		: async (text) => {
				// The default route: a direct message to the asker (where a bot message or 1:1 chat came from).
				await platform.sendDirectMessage(question.askerId, { text, literal: true });
				return undefined;
			};
	if (question.button && question.button.for !== question.askerId) {
		// Someone else's (or a forged) "Show my balance": a polite no, and nobody's wallet is read.
		const locale = resolveLocale(question.language ?? undefined);
		const reply = await send(MESSAGE_STRINGS[locale].chat.notForYou);
		if (reply) return reply;
		return { answered: 'not_for_you', locale, platform: platform.name, askerId: question.askerId };
	}
	const match = await askerMatch(this, itemIndex, platform, perks, question.askerId);
	const employee = match.employee;
	const locale = resolveLocale(question.language ?? employee?.locale);
	const strings = MESSAGE_STRINGS[locale];

	let answered: Answered;
	let text: string;
	if (question.intent === 'help') {
		[answered, text] = ['help', strings.chat.help];
	} else if (match.unidentified === 'not_mapped') {
		[answered, text] = ['not_mapped', strings.chat.notMapped];
	} else if (!employee) {
		// Guest, stranger, unconfirmed or shared email, unknown account: only an admin's mapping helps.
		[answered, text] = ['not_identified', strings.chat.notIdentified];
	} else {
		[answered, text] = ['balance', await balanceText(perks, employee, locale)];
	}

	// The answer holds data (the wallet's currency unit): it goes as literal text everywhere.
	// The recipient's own click: the message's button answers in place, and stays to be clicked again.
	const reply = await send(
		text,
		question.button ? { buttonLabel: strings.chat.showBalance } : undefined,
	);
	// A route whose answer is this item (an HTTP response to the platform) outputs just that.
	if (reply) return reply;
	const reason = match.unidentified ? { unidentified: match.unidentified } : {};
	return { answered, ...reason, locale, platform: platform.name, askerId: question.askerId };
}

async function balanceText(
	perks: PerksClient,
	employee: Employee,
	locale: Locale,
): Promise<string> {
	const wallet = await perks.getWallet(employee.id);
	const amount = (value: number) => formatAmount(value, wallet.currency, locale);
	const low = wallet.balance < wallet.low_balance_threshold;
	return MESSAGE_STRINGS[locale].chat.balance({
		balance: amount(wallet.balance),
		threshold: low ? amount(wallet.low_balance_threshold) : undefined,
	});
}
