/**
 * MessageDoc → Slack Block Kit. The doc's text is raw, so every piece of it is escaped for
 * mrkdwn here (`&`, `<`, `>`), except our own `<url|label>` link syntax. A MessageDoc is always
 * a default message, so it is fitted to Slack's limits, never refused.
 */
import type { MarkdownToken } from '../markdown';
import type { MessageDoc } from '../MessageDoc';
import { fitMarkdown, shorten } from './fit';
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

function slackToken(token: MarkdownToken): string {
	if (token.kind === 'link') return `<${escapeSlack(token.url)}|${escapeSlack(token.label)}>`;
	if (token.kind === 'bold') return `*${escapeSlack(token.text)}*`;
	return escapeSlack(token.text);
}

/** Escaped mrkdwn, shortened with "…" to `max` characters once escaped. */
function toSlackMrkdwn(markdown: string, max: number = SLACK_LIMITS.text): string {
	return fitMarkdown(markdown, max, slackToken);
}

/**
 * A default message fits every Slack limit whatever the event holds: long text is shortened
 * with "…", an image or link whose URL is over Slack's limit is left out.
 */
export function renderSlack(doc: MessageDoc): SlackMessage {
	const blocks: SlackBlock[] = [
		{
			type: 'header',
			text: { type: 'plain_text', text: shorten(doc.title, SLACK_LIMITS.headerText), emoji: true },
		},
	];
	for (const text of packParagraphs(
		doc.body.map((paragraph) => toSlackMrkdwn(paragraph, SLACK_LIMITS.sectionText)),
	)) {
		blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
	}
	const fields = (doc.fields ?? []).map((field): SlackTextObject => {
		const label = `*${escapeSlack(field.label)}*\n`;
		return {
			type: 'mrkdwn',
			text: label + toSlackMrkdwn(field.value, SLACK_LIMITS.fieldText - label.length),
		};
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
		blocks.push({
			type: 'actions',
			elements: [
				{
					type: 'button',
					text: {
						type: 'plain_text',
						text: shorten(doc.button.label, SLACK_LIMITS.buttonText),
						emoji: true,
					},
					url: doc.button.url,
					action_id: 'perks_open_url',
				},
			],
		});
	}
	if (doc.context) {
		blocks.push({
			type: 'context',
			elements: [{ type: 'mrkdwn', text: toSlackMrkdwn(doc.context, SLACK_LIMITS.contextText) }],
		});
	}
	return { text: shorten(doc.fallbackText, SLACK_LIMITS.text), blocks };
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
