/**
 * MessageDoc → Slack Block Kit. Every text Slack parses (the top-level `text` and each mrkdwn
 * object) gets its text pieces through `slackLiteral`; only our own bold and link tokens become
 * mrkdwn. A MessageDoc is always a default message, so it is fitted to Slack's limits, never
 * refused.
 */
import type { Markdown, MarkdownToken } from '../../messages/markdown';
import type { OutgoingMessage } from '../ChatPlatform';
import type { MessageRenderer } from '../PlatformEntry';
import type { MessageDoc } from '../../messages/MessageDoc';
import { fitMarkdown, fitText, shorten } from '../../messages/render/fit';
import { SLACK_LIMITS, validateSlackMessage } from './limits';

export { MessageLimitError } from '../../messages/errors';
export { parseBlocksParameter, SLACK_LIMITS, validateSlackMessage } from './limits';

export interface SlackTextObject {
	type: 'plain_text' | 'mrkdwn';
	text: string;
	emoji?: boolean;
	verbatim?: boolean;
}

export type SlackBlock =
	| { type: 'header'; text: SlackTextObject & { type: 'plain_text' } }
	| { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
	| { type: 'image'; image_url: string; alt_text: string }
	| { type: 'actions'; elements: SlackButton[] }
	| { type: 'context'; elements: SlackTextObject[] };

export interface SlackButton {
	type: 'button';
	text: SlackTextObject & { type: 'plain_text' };
	/** A link button; a button without one is answered through the app's interactivity URL. */
	url?: string;
	value?: string;
	action_id: string;
}

export interface SlackMessage {
	text: string;
	blocks: SlackBlock[];
}

/** What chat.postMessage is sent: a user's own blocks, a laid-out default message, or text. */
export function toSlackPayload(message: OutgoingMessage): { text: string; blocks?: unknown[] } {
	if (message.native) return { text: message.text, blocks: message.native };
	if (message.doc) return renderSlack(message.doc, message.showBalanceFor);
	// Custom text is the author's own mrkdwn; literal text is data and must stay text.
	return { text: message.literal ? slackLiteral(message.text) : message.text };
}

export const slackRenderer: MessageRenderer = {
	render: toSlackPayload,
	validate: (message) => validateSlackMessage(toSlackPayload(message)),
};

/** Slack's control characters: escaped, `<!channel>` or `<url|label>` are text, not syntax. */
export function escapeSlack(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * mrkdwn has no escape for its formatting characters, so in text they become look-alikes
 * (`*` → `∗`, `_` → `ˍ`, `~` → `∼`, `` ` `` → `ˋ`, and the full-width forms Slack also reads),
 * and a `>` starting a line gets an invisible soft hyphen so it cannot open a quote.
 */
const FORMATTING: Readonly<Record<string, string>> = {
	'*': '\u2217',
	'＊': '\ufe61',
	_: '\u02cd',
	'＿': '\u2e0f',
	'~': '\u223c',
	'～': '\u223c',
	'`': '\u02cb',
	'｀': '\u02cb',
};

/** Text Slack shows as it is, in any text it parses: no mention, link, formatting or quote. */
export function slackLiteral(text: string): string {
	return escapeSlack(text)
		.replace(/[*＊_＿~～`｀]/g, (character) => FORMATTING[character])
		.replace(/(^|\n)(&gt;|＞)/g, '$1\u00ad$2');
}

function slackToken(token: MarkdownToken): string {
	if (token.kind === 'link') return `<${escapeSlack(token.url)}|${slackLiteral(token.label)}>`;
	// Slack's bold stops at a line break: a name on two lines stays bold, on one.
	if (token.kind === 'bold') return `*${slackLiteral(token.text.replace(/\s*\n\s*/g, ' '))}*`;
	return slackLiteral(token.text);
}

/**
 * A mrkdwn text object; `verbatim` stops Slack from turning bare URLs, #channel names and
 * @mentions in the text into links, so only our own link tokens link.
 */
const mrkdwn = (text: string): SlackTextObject => ({ type: 'mrkdwn', text, verbatim: true });

/** Escaped mrkdwn, shortened with "…" to `max` characters once escaped. */
function toSlackMrkdwn(markdown: Markdown, max: number = SLACK_LIMITS.text): string {
	return fitMarkdown(markdown, max, slackToken);
}

const literal = (text: string, max: number) => fitText(text, max, slackLiteral);

/**
 * A default message fits every Slack limit whatever the event holds: long text is shortened
 * with "…", an image or link whose URL is over Slack's limit is left out.
 */
export function renderSlack(doc: MessageDoc, showBalanceFor?: string): SlackMessage {
	// plain_text (header, button, alt text) is never parsed: no mention, link or markup, and
	// Slack shows `&amp;` there as those five characters, so it goes as it is, unescaped.
	const blocks: SlackBlock[] = [
		{
			type: 'header',
			text: { type: 'plain_text', text: shorten(doc.title, SLACK_LIMITS.headerText), emoji: true },
		},
	];
	for (const text of packParagraphs(
		doc.body.map((paragraph) => toSlackMrkdwn(paragraph, SLACK_LIMITS.sectionText)),
	)) {
		blocks.push({ type: 'section', text: mrkdwn(text) });
	}
	const fields = (doc.fields ?? []).map((field): SlackTextObject => {
		const label = `*${slackLiteral(field.label)}*\n`;
		return mrkdwn(label + literal(field.value, SLACK_LIMITS.fieldText - label.length));
	});
	for (let start = 0; start < fields.length; start += SLACK_LIMITS.sectionFields) {
		blocks.push({
			type: 'section',
			fields: fields.slice(start, start + SLACK_LIMITS.sectionFields),
		});
	}
	if (doc.image && doc.image.url.length <= SLACK_LIMITS.url) {
		blocks.push({
			type: 'image',
			image_url: doc.image.url,
			alt_text: shorten(doc.image.altText, SLACK_LIMITS.imageAltText),
		});
	}
	if (doc.button && doc.button.url.length <= SLACK_LIMITS.url) {
		blocks.push(buttonBlock(doc.button.label, 'perks_open_url', { url: doc.button.url }));
	}
	if (doc.showBalance && showBalanceFor && showBalanceFor.length <= SLACK_LIMITS.buttonValue) {
		// Answered through the app's interactivity URL (Perks Chat Trigger, "Slack Button Clicks").
		blocks.push(buttonBlock(doc.showBalance.label, 'perks.showBalance', { value: showBalanceFor }));
	}
	if (doc.context) {
		blocks.push({
			type: 'context',
			elements: [mrkdwn(literal(doc.context, SLACK_LIMITS.contextText))],
		});
	}
	// Slack parses the top-level text too (and notifies from it): it is no plain text.
	return { text: literal(doc.fallbackText, SLACK_LIMITS.text), blocks };
}

/** An actions block with one button: a link (`url`) or one the app answers (`value`). */
export function buttonBlock(
	label: string,
	actionId: string,
	target: { url: string } | { value: string },
): SlackBlock {
	return {
		type: 'actions',
		elements: [
			{
				type: 'button',
				text: { type: 'plain_text', text: shorten(label, SLACK_LIMITS.buttonText), emoji: true },
				action_id: actionId,
				...target,
			},
		],
	};
}

/**
 * Paragraphs share one section while they fit in its 3,000 characters, then continue in the
 * next section (each paragraph already fits one).
 */
function packParagraphs(paragraphs: string[]): string[] {
	const sections: string[] = [];
	for (const paragraph of paragraphs) {
		const last = sections.length - 1;
		const joined = last >= 0 ? `${sections[last]}\n\n${paragraph}` : paragraph;
		if (last >= 0 && joined.length <= SLACK_LIMITS.sectionText) sections[last] = joined;
		else sections.push(paragraph);
	}
	return sections;
}
