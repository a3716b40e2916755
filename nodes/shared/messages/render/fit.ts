/**
 * Shortening a default message's text to a platform limit, measured on the rendered (escaped)
 * text. Cuts fall between graphemes of the raw text, before escaping: never inside an emoji or
 * an escape such as `&amp;`, and a link is kept whole or left out, never cut.
 */
import type { Markdown, MarkdownToken } from '../markdown';

const ELLIPSIS = '…';

type Measure = (rendered: string) => number;

/** Platforms count their limits in UTF-16 units or in UTF-8 bytes. */
const utf16Length: Measure = (text) => text.length;
export const utf8Bytes: Measure = (text) => Buffer.byteLength(text, 'utf8');

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` as is when its rendering fits `max`, else its longest grapheme prefix (plus "…") that
 * does; '' when not even "…" fits.
 */
export function shorten(
	text: string,
	max: number,
	render: (text: string) => string = (t) => t,
	measure = utf16Length,
): string {
	if (measure(render(text)) <= max) return text;
	const parts = Array.from(segmenter.segment(text), ({ segment }) => segment);
	const candidate = (count: number): string =>
		`${parts.slice(0, count).join('').trimEnd()}${ELLIPSIS}`;
	const fits = (count: number): boolean => measure(render(candidate(count))) <= max;
	if (!fits(0)) return '';
	// Binary search for the longest fitting prefix (rendered length grows with the prefix).
	let low = 0;
	let high = parts.length - 1;
	while (low < high) {
		const middle = Math.ceil((low + high) / 2);
		if (fits(middle)) low = middle;
		else high = middle - 1;
	}
	return candidate(low);
}

/** Plain text rendered literally by `render`, shortened with "…" so the rendering fits `max`. */
export function fitText(
	text: string,
	max: number,
	render: (text: string) => string,
	measure = utf16Length,
): string {
	return render(shorten(text, max, render, measure));
}

/** The simple markdown rendered token by token, cut with "…" once it would pass `max`. */
export function fitMarkdown(
	markdown: Markdown,
	max: number,
	renderToken: (token: MarkdownToken) => string,
	measure = utf16Length,
): string {
	let rendered = '';
	let used = 0;
	for (const token of markdown.tokens) {
		const whole = renderToken(token);
		if (used + measure(whole) <= max) {
			rendered += whole;
			used += measure(whole);
			continue;
		}
		const budget = max - used;
		const cut =
			cutToken(token, budget, renderToken, measure) ??
			shortText(ELLIPSIS, budget, renderToken, measure);
		return rendered + cut;
	}
	return rendered;
}

function cutToken(
	token: MarkdownToken,
	budget: number,
	renderToken: (token: MarkdownToken) => string,
	measure: Measure,
): string | undefined {
	if (token.kind === 'link') return undefined;
	const text = shorten(token.text, budget, (t) => renderToken({ ...token, text: t }), measure);
	return text === '' ? undefined : renderToken({ ...token, text });
}

function shortText(
	text: string,
	budget: number,
	renderToken: (token: MarkdownToken) => string,
	measure: Measure,
): string {
	const rendered = renderToken({ kind: 'text', text });
	return measure(rendered) <= budget ? rendered : '';
}
