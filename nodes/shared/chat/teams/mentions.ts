/** Teams mentions in a question's text, cut before the words are read (chat/intent.ts). */
import type { MentionScanner } from '../mentions';
import { searcher, type SpanFinder } from '../markupScan';

/** `<at>…</at>` with no line break inside, as `/<at>.*?<\/at>/gi` found them. */
function teamsMentionSpans(text: string): SpanFinder {
	const open = searcher(text, /<at>/gi);
	const close = searcher(text, /<\/at>/gi);
	const lineBreak = searcher(text, /[\n\r\u2028\u2029]/g);
	return (from) => {
		for (let start = open(from); start !== -1; start = open(from)) {
			const end = close(start + 4);
			// No closing tag anywhere after: no later `<at>` can match either.
			if (end === -1) return undefined;
			const br = lineBreak(start + 4);
			if (br === -1 || br > end) return [start, end + 5];
			from = br + 1;
		}
		return undefined;
	};
}

// The name inside `<at>…</at>` goes with the mention, so it is cut before tags inside it are.
export const teamsMentions: MentionScanner = { find: teamsMentionSpans, encloses: true };
