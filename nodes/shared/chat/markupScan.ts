/**
 * Markup cut out of chat text in one forward pass each (platforms' mention scanners build on
 * `searcher`). A regex like `<[^>]*>` restarts its scan at every `<`, so 100 KB of `<` with no
 * `>` cost seconds of CPU; here every search resumes where the previous one stopped.
 */

/** Where a match starts and where it ends (exclusive). */
export type Span = [start: number, end: number];
/** The first match at or after `from`; `from` never decreases between calls. */
export type SpanFinder = (from: number) => Span | undefined;
/** A text's finder: what replaceSpans takes. */
export type MarkupFinder = (text: string) => SpanFinder;

/** Every span the finder reports, replaced. */
export function replaceSpans(text: string, finderFor: MarkupFinder, replacement: string): string {
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
export function searcher(text: string, pattern: RegExp | string): (from: number) => number {
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
