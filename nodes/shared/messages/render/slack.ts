/**
 * MessageDoc → Slack Block Kit. The doc's text is raw, so every piece of it is escaped for
 * mrkdwn here (`&`, `<`, `>`), except our own `<url|label>` link syntax.
 */
import { tokenizeMarkdown } from '../markdown';
import type { MessageDoc } from '../MessageDoc';
import { SLACK_LIMITS } from './slackLimits';

export { MessageLimitError } from '../errors';
export { parseBlocksParameter, SLACK_LIMITS, validateSlackMessage } from './slackLimits';

export interface SlackTextObject {
	type: 'plain_text' | 'mrkdwn';
	text: string;
	emoji?: boolean;
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
	url: string;
	action_id: string;
}

export interface SlackMessage {
	text: string;
	blocks: SlackBlock[];
}

/** Slack mrkdwn needs exactly these three escaped; anything else would show literally. */
export function escapeSlack(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toSlackMrkdwn(markdown: string): string {
	return tokenizeMarkdown(markdown)
		.map((token) => {
			if (token.kind === 'link') return `<${escapeSlack(token.url)}|${escapeSlack(token.label)}>`;
			if (token.kind === 'bold') return `*${escapeSlack(token.text)}*`;
			return escapeSlack(token.text);
		})
		.join('');
}

export function renderSlack(doc: MessageDoc): SlackMessage {
	const blocks: SlackBlock[] = [
		{ type: 'header', text: { type: 'plain_text', text: ellipsize(doc.title, SLACK_LIMITS.headerText), emoji: true } },
	];
	for (const text of packParagraphs(doc.body.map(toSlackMrkdwn))) {
		blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
	}
	const fields = (doc.fields ?? []).map(
		(field): SlackTextObject => ({ type: 'mrkdwn', text: `*${escapeSlack(field.label)}*\n${toSlackMrkdwn(field.value)}` }),
	);
	for (let start = 0; start < fields.length; start += SLACK_LIMITS.sectionFields) {
		blocks.push({ type: 'section', fields: fields.slice(start, start + SLACK_LIMITS.sectionFields) });
	}
	if (doc.image) blocks.push({ type: 'image', image_url: doc.image.url, alt_text: doc.image.altText });
	if (doc.button) {
		blocks.push({
			type: 'actions',
			elements: [
				{
					type: 'button',
					text: { type: 'plain_text', text: ellipsize(doc.button.label, SLACK_LIMITS.buttonText), emoji: true },
					url: doc.button.url,
					action_id: 'perks_open_url',
				},
			],
		});
	}
	if (doc.context) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: toSlackMrkdwn(doc.context) }] });
	return { text: doc.fallbackText, blocks };
}

/**
 * Paragraphs share one section while they fit in its 3,000 characters, then continue in the
 * next section: long bodies are split, never cut. A single oversize paragraph is left for
 * validateSlackMessage to refuse.
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

/** Only for our own short labels (title, button): cuts on a character, not inside an emoji. */
function ellipsize(text: string, max: number): string {
	if (text.length <= max) return text;
	const characters = Array.from(text);
	let result = '';
	for (const character of characters) {
		if (result.length + character.length > max - 1) break;
		result += character;
	}
	return `${result.trimEnd()}…`;
}
