/**
 * MessageDoc → the HTML body of a Microsoft Teams chat message (Graph `chatMessage.body`).
 * Every piece of text is HTML-escaped; only our `*bold*` and `<url|label>` become tags, and
 * only web/mail URLs become links or images.
 */
import { MessageLimitError } from '../errors';
import { isWebUrl, tokenizeMarkdown } from '../markdown';
import type { MessageDoc } from '../MessageDoc';

export { MessageLimitError } from '../errors';

/** Teams refuses chat messages over about 28 KB; we count the HTML's UTF-8 bytes, with margin. */
export const TEAMS_MESSAGE_MAX_BYTES = 28_000;

export interface TeamsHtmlBody {
	contentType: 'html';
	content: string;
}

export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

export function toTeamsHtml(markdown: string): string {
	return tokenizeMarkdown(markdown)
		.map((token) => {
			if (token.kind === 'link') return `<a href="${escapeHtml(token.url)}">${escapeHtml(token.label)}</a>`;
			if (token.kind === 'bold') return `<strong>${escapeHtml(token.text)}</strong>`;
			return escapeHtml(token.text);
		})
		.join('')
		.replace(/\n/g, '<br>');
}

export function renderTeamsHtml(doc: MessageDoc): TeamsHtmlBody {
	const parts = [`<p><strong>${escapeHtml(doc.title)}</strong></p>`];
	for (const paragraph of doc.body) parts.push(`<p>${toTeamsHtml(paragraph)}</p>`);
	if (doc.fields && doc.fields.length > 0) {
		const items = doc.fields.map((field) => `<li><strong>${escapeHtml(field.label)}:</strong> ${toTeamsHtml(field.value)}</li>`);
		parts.push(`<ul>${items.join('')}</ul>`);
	}
	if (doc.image && isWebUrl(doc.image.url)) {
		parts.push(`<p><img src="${escapeHtml(doc.image.url)}" alt="${escapeHtml(doc.image.altText)}"></p>`);
	}
	if (doc.button && isWebUrl(doc.button.url)) {
		parts.push(`<p><a href="${escapeHtml(doc.button.url)}">${escapeHtml(doc.button.label)}</a></p>`);
	}
	if (doc.context) parts.push(`<p><em>${toTeamsHtml(doc.context)}</em></p>`);
	return { contentType: 'html', content: parts.join('') };
}

export function validateTeamsMessage(html: string): void {
	const bytes = new TextEncoder().encode(html).length;
	if (bytes <= TEAMS_MESSAGE_MAX_BYTES) return;
	const count = (value: number): string => new Intl.NumberFormat('en').format(value);
	throw new MessageLimitError(
		'message_too_long',
		'content',
		`The Teams message is ${count(bytes)} bytes; Teams allows about 28 KB (we stop at ${count(TEAMS_MESSAGE_MAX_BYTES)} bytes)`,
		'Shorten the message: Microsoft Teams refuses chat messages over about 28 KB. Send long content as several messages or a file.',
	);
}
