/**
 * MessageDoc → the HTML body of a Microsoft Teams chat message (Graph `chatMessage.body`).
 * Every piece of text is HTML-escaped; only our `*bold*` and `<url|label>` tokens become tags,
 * and only web/mail URLs become links or images.
 */
import { MessageLimitError } from '../../messages/errors';
import type { ChatErrorCode } from '../errors';
import { isWebUrl, type Markdown, type MarkdownToken } from '../../messages/markdown';
import type { MessageDoc } from '../../messages/MessageDoc';
import { fitMarkdown, fitText, shorten, utf8Bytes } from '../../messages/render/fit';

export { MessageLimitError } from '../../messages/errors';

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

/** Text shown as it is in a Teams HTML body, line breaks kept. */
export function teamsLiteral(text: string): string {
	return escapeHtml(text).replace(/\n/g, '<br>');
}

function teamsToken(token: MarkdownToken): string {
	if (token.kind === 'link')
		return `<a href="${escapeHtml(token.url)}">${escapeHtml(token.label)}</a>`;
	if (token.kind === 'bold') return `<strong>${escapeHtml(token.text)}</strong>`;
	return teamsLiteral(token.text);
}

/** Escaped HTML, shortened with "…" to `max` UTF-8 bytes. */
export function toTeamsHtml(markdown: Markdown, max = Number.POSITIVE_INFINITY): string {
	return fitMarkdown(markdown, max, teamsToken, utf8Bytes);
}

/**
 * Text for a Bot Framework activity (a Teams outgoing-webhook answer) sent with `textFormat:
 * 'xml'`: every character HTML or Markdown would read is a numeric entity, which both show
 * literally, so the text stays literal even where Teams falls back to Markdown.
 */
export function teamsActivityLiteral(text: string): string {
	return text.replace(/[&<>"'*_~`[\]()#|\\!]/g, (character) => `&#${character.charCodeAt(0)};`);
}

const literal = (text: string, max: number) => fitText(text, max, teamsLiteral, utf8Bytes);

const PARAGRAPH_TAGS = '<p></p>';

/** Bytes each part of a default message may take; the body gets what they leave of the limit. */
const BUDGET = { title: 600, field: 2_000, altText: 600, url: 2_048, context: 1_000 } as const;

/**
 * A default message always fits Teams' limit: the small parts are shortened to their budget,
 * then the paragraphs share what is left, in order; an over-long image or link URL is left out.
 */
export function renderTeamsHtml(doc: MessageDoc): TeamsHtmlBody {
	const html = (text: string) => escapeHtml(text);
	const head = `<p><strong>${html(shorten(doc.title, BUDGET.title, html, utf8Bytes))}</strong></p>`;
	const tail: string[] = [];
	if (doc.fields && doc.fields.length > 0) {
		const items = doc.fields.map(
			(field) =>
				`<li><strong>${html(field.label)}:</strong> ${literal(field.value, BUDGET.field)}</li>`,
		);
		tail.push(`<ul>${items.join('')}</ul>`);
	}
	if (doc.image && isWebUrl(doc.image.url) && utf8Bytes(html(doc.image.url)) <= BUDGET.url) {
		const alt = html(shorten(doc.image.altText, BUDGET.altText, html, utf8Bytes));
		tail.push(`<p><img src="${html(doc.image.url)}" alt="${alt}"></p>`);
	}
	if (doc.button && isWebUrl(doc.button.url) && utf8Bytes(html(doc.button.url)) <= BUDGET.url) {
		tail.push(`<p><a href="${html(doc.button.url)}">${html(doc.button.label)}</a></p>`);
	}
	if (doc.context) tail.push(`<p><em>${literal(doc.context, BUDGET.context)}</em></p>`);

	let left =
		TEAMS_MESSAGE_MAX_BYTES -
		utf8Bytes(head) -
		tail.reduce((sum, part) => sum + utf8Bytes(part), 0);
	const body: string[] = [];
	for (const paragraph of doc.body) {
		const content = toTeamsHtml(paragraph, left - PARAGRAPH_TAGS.length);
		if (content === '') break;
		body.push(`<p>${content}</p>`);
		left -= utf8Bytes(body[body.length - 1]);
	}
	return { contentType: 'html', content: [head, ...body, ...tail].join('') };
}

export function validateTeamsMessage(html: string): void {
	const bytes = new TextEncoder().encode(html).length;
	if (bytes <= TEAMS_MESSAGE_MAX_BYTES) return;
	const count = (value: number): string => new Intl.NumberFormat('en').format(value);
	throw new MessageLimitError<Extract<ChatErrorCode, 'message_too_long'>>(
		'message_too_long',
		'content',
		`The Teams message is ${count(bytes)} bytes; Teams allows about 28 KB (we stop at ${count(TEAMS_MESSAGE_MAX_BYTES)} bytes)`,
		'Shorten the message: Microsoft Teams refuses chat messages over about 28 KB. Send long content as several messages or a file.',
	);
}
