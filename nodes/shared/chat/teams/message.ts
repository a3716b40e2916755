/**
 * OutgoingMessage → a Graph chatMessage: our MessageDoc as Teams HTML, plain text as HTML, or
 * the user's Adaptive Cards as attachments (`<attachment id>` in the body, the card as a string).
 */
import type { OutgoingMessage } from '../ChatPlatform';
import type { MessageRenderer } from '../PlatformEntry';
import { ChatPlatformError } from '../errors';
import { deliveryMarker } from './deliveryTag';
import { TEAMS_SOURCE } from './fixes';
import { Markdown } from '../../messages/markdown';
import { renderTeamsHtml, teamsLiteral, toTeamsHtml, validateTeamsMessage } from './render';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface GraphChatMessage {
	body: { contentType: 'html'; content: string };
	attachments?: Array<{ id: string; contentType: string; content: string }>;
}

/** Builds the payload (with the delivery tag, if any) and checks it against Teams' limits, before any call. */
export function toGraphMessage(message: OutgoingMessage, tag?: string): GraphChatMessage {
	const payload = build(message);
	if (payload.body.content.trim() === '') {
		throw new ChatPlatformError(TEAMS_SOURCE, {
			code: 'empty_message',
			message: 'The Teams message has neither text nor a card',
		});
	}
	if (tag) payload.body.content += deliveryMarker(tag);
	validateTeamsMessage(
		payload.body.content + (payload.attachments ?? []).map((a) => a.content).join(''),
	);
	return payload;
}

export const teamsRenderer: MessageRenderer = {
	render: (message) => toGraphMessage(message),
	validate: (message) => {
		toGraphMessage(message);
	},
};

function build(message: OutgoingMessage): GraphChatMessage {
	if (message.native && message.native.length > 0) {
		const attachments = message.native.map((card, index) => {
			if (!isAdaptiveCard(card)) {
				throw new ChatPlatformError(TEAMS_SOURCE, {
					code: 'invalid_card',
					message: `Card ${index + 1} is not an Adaptive Card object`,
				});
			}
			return {
				id: `card${index + 1}`,
				contentType: ADAPTIVE_CARD_TYPE,
				content: JSON.stringify(card),
			};
		});
		const text = message.text.trim() ? `<p>${textHtml(message)}</p>` : '';
		const refs = attachments.map((a) => `<attachment id="${a.id}"></attachment>`).join('');
		return { body: { contentType: 'html', content: text + refs }, attachments };
	}
	if (message.doc) return { body: renderTeamsHtml(message.doc) };
	return {
		body: { contentType: 'html', content: message.text.trim() ? textHtml(message) : '' },
	};
}

/** The author's custom text may use our simple markdown; literal text (data) never does. */
function textHtml(message: OutgoingMessage): string {
	return message.literal ? teamsLiteral(message.text) : toTeamsHtml(Markdown.parse(message.text));
}

function isAdaptiveCard(value: unknown): boolean {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		(value as { type?: unknown }).type === 'AdaptiveCard'
	);
}

/** The "Adaptive Card" field: one card or a list, as JSON text or already parsed; empty means none. */
export function parseCardsParameter(value: unknown): unknown[] {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return [];
		try {
			parsed = JSON.parse(value) as unknown;
		} catch (error) {
			const reason = error instanceof Error ? error.message : String(error);
			throw new ChatPlatformError(TEAMS_SOURCE, {
				code: 'invalid_card',
				message: `The Adaptive Card is not valid JSON: ${reason}`,
			});
		}
	}
	return Array.isArray(parsed) ? parsed : [parsed];
}
