/**
 * Values the nodes hand to a chat platform or a workflow and take back later, bound with a key
 * derived from a secret of the credential (Slack's signing secret, the bot's client secret) so
 * that nothing in between can change them. A new secret invalidates them: a stale "Show my
 * balance" button then answers "not for you" instead of a balance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function bindingMac(secret: string, purpose: string, parts: string[]): string {
	const key = createHmac('sha256', secret).update(`perks-binding:${purpose}`).digest();
	return createHmac('sha256', key).update(JSON.stringify(parts)).digest('base64url');
}

export function sameMac(expected: string, given: unknown): boolean {
	if (typeof given !== 'string') return false;
	const a = Buffer.from(expected);
	const b = Buffer.from(given);
	return a.length === b.length && timingSafeEqual(a, b);
}

/** A button's `for`: the recipient's id and a MAC of it, so a click proves whom the message was sent to. */
export function bindRecipient(secret: string, recipientId: string): string {
	return `${recipientId}.${bindingMac(secret, 'button-for', [recipientId]).slice(0, 22)}`;
}

/** The recipient a genuine `for` names, or undefined for a forged or altered one. */
export function boundRecipient(secret: string, value: unknown): string | undefined {
	if (typeof value !== 'string' || value.length > 512) return undefined;
	const dot = value.lastIndexOf('.');
	if (dot <= 0) return undefined;
	const recipientId = value.slice(0, dot);
	return sameMac(bindRecipient(secret, recipientId), value) ? recipientId : undefined;
}
