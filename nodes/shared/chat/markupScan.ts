/**
 * Mentions and tags cut out of chat text in one forward pass each. The regexes these replace
 * (`<[^>]*>`, `<at>.*?<\/at>`, `<@U1|[^>]*>`) restart their scan at every `<`, so 100 KB of `<`
 * with no `>` cost seconds of CPU; here every search resumes where the previous one stopped.
 */

/** Where a match starts and where it ends (exclusive). */
type Span = [start: number, end: number];
/** The first match at or after `from`; `from` never decreases between calls. */
type SpanFinder = (from: number) => Span | undefined;

/** Every span the finder reports, replaced. */
export function replaceSpans(
	text: string,
	finderFor: (text: string) => SpanFinder,
	replacement: string,
): string {
	const find = finderFor(text);
	let out = '';
	let from = 0;
	for (let span = find(0); span; span = find(from)) {
		out += text.slice(from, span[0]) + replacement;
		from = span[1];
	}
	return from === 0 ? text : out + text.slice(from);
}

/**
 * The next match of `pattern` (global) at or after `from`, or -1. A found index stays valid for
 * later calls up to it, and "none left" stays true, so the text is scanned once overall.
 */
function searcher(text: string, pattern: RegExp | string): (from: number) => number {
	let at = -2;
	return (from) => {
		if (at === -1 || at >= from) return at;
		if (typeof pattern === 'string') {
			at = text.indexOf(pattern, from);
		} else {
			pattern.lastIndex = from;
			at = pattern.exec(text)?.index ?? -1;
		}
		return at;
	};
}

/** `<at>…</at>` with no line break inside (Teams mentions), as `/<at>.*?<\/at>/gi` found them. */
export function teamsMentions(text: string): SpanFinder {
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

const isSlackIdChar = (code: number) => (code >= 65 && code <= 90) || (code >= 48 && code <= 57);

/** `<@U123>` and `<@U123|label>` (Slack mentions), as `/<@[A-Z0-9]+(?:\|[^>]*)?>/g` found them. */
export function slackMentions(text: string): SpanFinder {
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

/**
 * `<…>` from a `<` to the first `>` after it: `<[^>]*>` (or `<[^>]+>` with `nonEmpty`), or only
 * tags for which `name(text, at)` holds, `at` being just after the `<`.
 */
export function tags(
	options: { nonEmpty?: boolean; name?: (text: string, at: number) => boolean } = {},
) {
	return (text: string): SpanFinder => {
		const open = searcher(text, '<');
		const gt = searcher(text, '>');
		return (from) => {
			for (let start = open(from); start !== -1; start = open(from)) {
				from = start + 1;
				if (options.name && !options.name(text, start + 1)) continue;
				const close = gt(start + 1);
				// No `>` anywhere after: no later `<` can match either.
				if (close === -1) return undefined;
				if (!(options.nonEmpty && close === start + 1)) return [start, close + 1];
			}
			return undefined;
		};
	};
}

const isWordChar = (code: number) =>
	(code >= 48 && code <= 57) ||
	(code >= 65 && code <= 90) ||
	(code >= 97 && code <= 122) ||
	code === 95;

/** A tag name test: one of `names` (lower case) at `at`, any case, then no word character (regex `\b`). */
export function tagNamed(...names: string[]): (text: string, at: number) => boolean {
	return (text, at) =>
		names.some(
			(name) =>
				text.slice(at, at + name.length).toLowerCase() === name &&
				!isWordChar(text.charCodeAt(at + name.length)),
		);
}
