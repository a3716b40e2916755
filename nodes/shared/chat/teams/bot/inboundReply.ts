/**
 * An answer to a question the bot received, through the Bot Connector: POST
 * {serviceUrl}/v3/conversations/{id}/activities with the app's token, threaded under the question
 * (or the clicked card) when the conversation is not a 1:1 chat. The destination is only ever the
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

/** The item's reply target, checked against its MAC; throws when the workflow changed it. */
export function replyTargetOf(item: Record<string, unknown>, clientSecret: string): ReplyTarget {
	const target: ReplyTarget = {
		serviceUrl: String(item.serviceUrl ?? ''),
		conversationId: String(item.channelId ?? ''),
		replyToId: typeof item.replyToId === 'string' ? item.replyToId : null,
		askerId: String(item.askerId ?? ''),
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

export async function sendBotReply(
	http: BotHttp,
	tokens: BotTokens,
	target: ReplyTarget,
	text: string,
): Promise<Record<string, unknown>> {
	const serviceUrl = `${target.serviceUrl.replace(/\/+$/, '')}/`;
	const connector = new BotConnector(TEAMS_BOT_SOURCE, http, tokens, serviceUrl);
	return await connector.post(
		'answer',
		`conversations/${encodeURIComponent(target.conversationId)}/activities`,
		replyActivity(target, text),
		{ user: target.askerId },
		false,
	);
}
