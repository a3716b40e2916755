/**
 * Where a reply goes (the serviceUrl a verified token named, the conversation, the thread, the
 * asker), bound to the question item with a MAC keyed from the bot's client secret: Perks Chat
 * Reply answers only there, however the workflow changes the item.
 */
import { bindingMac, sameMac } from '../../recipientBinding';

export { bindRecipient, boundRecipient } from '../../recipientBinding';

export interface ReplyTarget {
	serviceUrl: string;
	conversationId: string;
	/** The activity answered in a thread (channel, group chat); null in a 1:1 chat. */
	replyToId: string | null;
	askerId: string;
	/** The clicked card, updated in place by the answer to its recipient; null for a question. */
	cardActivityId?: string | null;
}

const targetParts = (t: ReplyTarget) => [
	t.serviceUrl,
	t.conversationId,
	t.replyToId ?? '',
	t.askerId,
	// Only a click's target has one: a question's MAC stays as it was.
	...(t.cardActivityId ? [`card:${t.cardActivityId}`] : []),
];

export function signReplyTarget(clientSecret: string, target: ReplyTarget): string {
	return bindingMac(clientSecret, 'reply-target', targetParts(target));
}

export function verifyReplyTarget(
	clientSecret: string,
	target: ReplyTarget,
	signature: unknown,
): boolean {
	return sameMac(signReplyTarget(clientSecret, target), signature);
}
