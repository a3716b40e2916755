/**
 * Values the trigger hands to a workflow and takes back later, bound with a key derived from the
 * bot's client secret so that nothing in between can change them: where a reply goes (the
 * serviceUrl a verified token named, the conversation, the asker) and whom a "Show my balance"
 * button is for. A new client secret invalidates both, which only costs a stale button a reply.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

function keyFor(clientSecret: string, purpose: string): Buffer {
	return createHmac('sha256', clientSecret).update(`perks-teams-bot:${purpose}`).digest();
}

function mac(clientSecret: string, purpose: string, parts: string[]): string {
	return createHmac('sha256', keyFor(clientSecret, purpose))
		.update(JSON.stringify(parts))
		.digest('base64url');
}

function sameMac(expected: string, given: unknown): boolean {
	if (typeof given !== 'string') return false;
	const a = Buffer.from(expected);
	const b = Buffer.from(given);
	return a.length === b.length && timingSafeEqual(a, b);
}

export interface ReplyTarget {
	serviceUrl: string;
	conversationId: string;
	/** The activity answered in a thread (channel, group chat); null in a 1:1 chat. */
	replyToId: string | null;
	askerId: string;
}

const targetParts = (t: ReplyTarget) => [
	t.serviceUrl,
	t.conversationId,
	t.replyToId ?? '',
	t.askerId,
];

export function signReplyTarget(clientSecret: string, target: ReplyTarget): string {
	return mac(clientSecret, 'reply-target', targetParts(target));
}

export function verifyReplyTarget(
	clientSecret: string,
	target: ReplyTarget,
	signature: unknown,
): boolean {
	return sameMac(signReplyTarget(clientSecret, target), signature);
}

/** A button's `for`: the recipient's id and a MAC of it, so a click proves whom the card was sent to. */
export function bindRecipient(secret: string, recipientId: string): string {
	return `${recipientId}.${mac(secret, 'button-for', [recipientId]).slice(0, 22)}`;
}

/** The recipient a genuine `for` names, or undefined for a forged or altered one. */
export function boundRecipient(secret: string, value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const dot = value.lastIndexOf('.');
	if (dot <= 0) return undefined;
	const recipientId = value.slice(0, dot);
	return sameMac(bindRecipient(secret, recipientId), value) ? recipientId : undefined;
}
