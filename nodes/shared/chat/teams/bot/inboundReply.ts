/**
 * An answer to a question the bot received, through the Bot Connector: POST
 * {serviceUrl}/v3/conversations/{id}/activities with the app's token, threaded under the question
 * (or the clicked card) when the conversation is not a 1:1 chat. The recipient's click on a card
 * updates that card in place (PUT on its activity), or gets a reply when the card is gone. The destination is only ever the
 * one a verified token named, carried through the workflow under a MAC (bindings.ts).
 */
import { ChatPlatformError } from '../../errors';
import { type ReplyTarget, verifyReplyTarget } from './bindings';
import { markdownInert } from './activity';
import { BotConnector } from './connector';
import { TEAMS_BOT_SOURCE } from './fixes';
import type { BotHttp } from './http';
import type { BotTokens } from './tokens';
import { teamsLiteral } from '../render';
import type { InPlaceAnswer } from '../../QuestionSource';
import { bindRecipient } from '../../recipientBinding';
import { showBalanceCard } from './cardAction';

/** The item's reply target, checked against its MAC; throws when the workflow changed it. */
export function replyTargetOf(item: Record<string, unknown>, clientSecret: string): ReplyTarget {
	const target: ReplyTarget = {
		serviceUrl: String(item.serviceUrl ?? ''),
		conversationId: String(item.channelId ?? ''),
		replyToId: typeof item.replyToId === 'string' ? item.replyToId : null,
		askerId: String(item.askerId ?? ''),
		cardActivityId: typeof item.cardActivityId === 'string' ? item.cardActivityId : null,
	};
	if (!verifyReplyTarget(clientSecret, target, item.replyTargetSignature)) {
		throw new ChatPlatformError(TEAMS_BOT_SOURCE, {
			code: 'reply_target_unverified',
			message:
				"The question's reply address, conversation or asker is not the one the Teams bot received (changed in the workflow, or another credential)",
		});
	}
	return target;
}

/** The answer as a message activity: literal text (data such as a currency unit never turns into markup). */
export function replyActivity(target: ReplyTarget, text: string): Record<string, unknown> {
	return {
		type: 'message',
		textFormat: 'xml',
		text: markdownInert(teamsLiteral(text)),
		...(target.replyToId ? { replyToId: target.replyToId } : {}),
	};
}

/** The clicked card again: the answer as its text, and the same button to click again. */
export function updatedCardActivity(
	target: ReplyTarget,
	text: string,
	inPlace: InPlaceAnswer,
	clientSecret: string,
): Record<string, unknown> {
	return {
		type: 'message',
		textFormat: 'xml',
		text: markdownInert(teamsLiteral(text)),
		attachments: [
			showBalanceCard(inPlace.buttonLabel, bindRecipient(clientSecret, target.askerId)),
		],
	};
}

/** The card is gone (deleted, or the bot removed from the chat): the answer comes as a reply. */
const cardGone = (error: unknown) =>
	error instanceof ChatPlatformError && (error.httpStatus === 404 || error.httpStatus === 403);

export async function sendBotReply(
	http: BotHttp,
	tokens: BotTokens,
	target: ReplyTarget,
	text: string,
	update?: { inPlace: InPlaceAnswer; clientSecret: string },
): Promise<Record<string, unknown>> {
	const serviceUrl = `${target.serviceUrl.replace(/\/+$/, '')}/`;
	const connector = new BotConnector(TEAMS_BOT_SOURCE, http, tokens, serviceUrl);
	const conversation = `conversations/${encodeURIComponent(target.conversationId)}/activities`;
	if (update && target.cardActivityId) {
		try {
			return await connector.put(
				'card update',
				`${conversation}/${encodeURIComponent(target.cardActivityId)}`,
				updatedCardActivity(target, text, update.inPlace, update.clientSecret),
				{ user: target.askerId },
			);
		} catch (error) {
			if (!cardGone(error)) throw error;
		}
	}
	return await connector.post(
		'answer',
		`conversations/${encodeURIComponent(target.conversationId)}/activities`,
		replyActivity(target, text),
		{ user: target.askerId },
		false,
	);
}
