/**
 * OutgoingMessage → a Graph chatMessage: our MessageDoc as Teams HTML, plain text as HTML, or
 * the user's Adaptive Cards as attachments (`<attachment id>` in the body, the card as a string).
 */
import type { OutgoingMessage } from '../ChatPlatform';
import { ChatPlatformError } from '../errors';
import { renderTeamsHtml, toTeamsHtml, validateTeamsMessage } from '../../messages/render/teams';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface GraphChatMessage {
	body: { contentType: 'html'; content: string };
	attachments?: Array<{ id: string; contentType: string; content: string }>;
}

/** Builds the payload and checks it against Teams' limits, before any call. */
export function toGraphMessage(message: OutgoingMessage): GraphChatMessage {
	const payload = build(message);
	if (payload.body.content.trim() === '') {
		throw new ChatPlatformError('teams', 'empty_message', 'The Teams message has neither text nor a card');
	}
	validateTeamsMessage(payload.body.content + (payload.attachments ?? []).map((a) => a.content).join(''));
	return payload;
}

function build(message: OutgoingMessage): GraphChatMessage {
	if (message.native && message.native.length > 0) {
		const attachments = message.native.map((card, index) => {
			if (!isAdaptiveCard(card)) {
				throw new ChatPlatformError('teams', 'invalid_card', `Card ${index + 1} is not an Adaptive Card object`);
			}
			return { id: `card${index + 1}`, contentType: ADAPTIVE_CARD_TYPE, content: JSON.stringify(card) };
		});
		const text = message.text.trim() ? `<p>${toTeamsHtml(message.text)}</p>` : '';
		const refs = attachments.map((a) => `<attachment id="${a.id}"></attachment>`).join('');
		return { body: { contentType: 'html', content: text + refs }, attachments };
	}
	if (message.doc) return { body: renderTeamsHtml(message.doc) };
	return { body: { contentType: 'html', content: message.text.trim() ? toTeamsHtml(message.text) : '' } };
}

function isAdaptiveCard(value: unknown): boolean {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		(value as { type?: unknown }).type === 'AdaptiveCard'
	);
}
