/** Slack mentions in a question's text, cut before the words are read (chat/intent.ts). */
import type { MentionScanner } from '../mentions';
import { searcher, type SpanFinder } from '../markupScan';

const isSlackIdChar = (code: number) => (code >= 65 && code <= 90) || (code >= 48 && code <= 57);

/** `<@U123>` and `<@U123|label>`, as `/<@[A-Z0-9]+(?:\|[^>]*)?>/g` found them. */
function slackMentionSpans(text: string): SpanFinder {
	const open = searcher(text, '<@');
	const gt = searcher(text, '>');
	return (from) => {
		for (let start = open(from); start !== -1; start = open(from)) {
			let end = start + 2;
			while (end < text.length && isSlackIdChar(text.charCodeAt(end))) end++;
			if (end > start + 2 && text[end] === '>') return [start, end + 1];
			if (end > start + 2 && text[end] === '|') {
				const close = gt(end);
				return close === -1 ? undefined : [start, close + 1];
			}
			from = Math.max(end, start + 1);
		}
		return undefined;
	};
}

export const slackMentions: MentionScanner = { find: slackMentionSpans };
