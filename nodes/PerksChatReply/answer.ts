/**
 * One chat question answered: the asker is mapped to a perks employee by their chat account's
 * confirmed email (Manual Mappings win; findAsker.ts), only that employee's wallet is read, and the answer goes back
 * privately the way the question came in. Nobody can ask for someone else's balance: the
 * asker comes from the signed request, never from a parameter.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChatPlatform } from '../shared/chat/ChatPlatform';
import { readManualMappings } from '../shared/mapping/properties';
import { formatAmount, MESSAGE_STRINGS, resolveLocale, type Locale } from '../shared/messages/i18n';
import { slackLiteral } from '../shared/chat/slack/render';
import { teamsActivityLiteral } from '../shared/chat/teams/render';
import type { PerksClient } from '../shared/perks/client';
import type { Employee } from '../shared/perks/contract';
import { ChatQuestionError, PlatformMismatchError } from './errors';
import { findAsker } from './findAsker';
import { slackResponseUrl } from './responseUrl';

type Answered = 'balance' | 'help' | 'not_mapped' | 'not_identified';

interface Question {
	platform: 'slack' | 'teams';
	source: 'slackCommand' | 'slackEvents' | 'teamsOutgoingWebhook' | 'teamsChat';
	askerId: string;
	intent: 'balance' | 'help';
	language: string | null;
	responseUrl: string | null;
}

export async function answerQuestion(
	this: IExecuteFunctions,
	itemIndex: number,
	platform: ChatPlatform,
	perks: PerksClient,
): Promise<IDataObject> {
	const question = readQuestion(this.getInputData()[itemIndex].json);
	if (question.platform !== platform.name)
		throw new PlatformMismatchError(question.platform, platform.name);
	// Checked before anything is read: a refused address never costs a perks call.
	const responseUrl =
		question.source === 'slackCommand'
			? await slackResponseUrl(this, question.responseUrl as string)
			: undefined;
	const match = await findAsker(
		platform,
		perks,
		question.askerId,
		readManualMappings(this, itemIndex),
	);
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

	if (question.source === 'teamsOutgoingWebhook') {
		// This item is the HTTP answer to Teams (the trigger's "last node" response): the reply activity.
		// The answer holds data (the wallet's currency unit): it goes as literal text everywhere.
		return { type: 'message', textFormat: 'xml', text: teamsActivityLiteral(text) };
	}
	if (responseUrl) {
		await this.helpers.httpRequest({
			method: 'POST',
			url: responseUrl,
			body: { response_type: 'ephemeral', replace_original: false, text: slackLiteral(text) },
			json: true,
			// A redirect could lead off Slack's hosts.
			disableFollowRedirect: true,
		});
	} else {
		// Slack bot messages, and Teams Chat: the asker's 1:1 chat with the service account (where the question came from).
		await platform.sendDirectMessage(question.askerId, { text, literal: true });
	}
	const reason = match.unidentified ? { unidentified: match.unidentified } : {};
	return { answered, ...reason, locale, platform: platform.name, askerId: question.askerId };
}

export function readQuestion(json: IDataObject): Question {
	const { source, askerId, intent, language, responseUrl } = json;
	const sources = ['slackCommand', 'slackEvents', 'teamsOutgoingWebhook', 'teamsChat'];
	if (
		typeof source !== 'string' ||
		!sources.includes(source) ||
		typeof askerId !== 'string' ||
		!askerId
	) {
		throw new ChatQuestionError(
			'The input item is not a chat question: it needs "source" and "askerId"',
		);
	}
	if (source === 'slackCommand' && typeof responseUrl !== 'string') {
		throw new ChatQuestionError('A Slack slash command item needs "responseUrl"');
	}
	return {
		platform: source.startsWith('teams') ? 'teams' : 'slack',
		source: source as Question['source'],
		askerId,
		intent: intent === 'help' ? 'help' : 'balance',
		language: typeof language === 'string' ? language : null,
		responseUrl: typeof responseUrl === 'string' ? responseUrl : null,
	};
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
