/**
 * The MessageDoc's simple markdown: `*bold*` and `<url|label>` links, nothing else. Renderers
 * walk these tokens and escape every text piece for their platform, so the doc stays raw text.
 */
export type MarkdownToken =
	| { kind: 'text'; text: string }
	| { kind: 'bold'; text: string }
	| { kind: 'link'; url: string; label: string };

/** Only web and mail links: anything else between angle brackets stays literal text. */
const LINK = /<((?:https?:\/\/|mailto:)[^\s|<>]+)\|([^<>]+)>/g;
const BOLD = /\*([^*\n]+)\*/g;

export function tokenizeMarkdown(markdown: string): MarkdownToken[] {
	const tokens: MarkdownToken[] = [];
	let last = 0;
	for (const match of markdown.matchAll(LINK)) {
		tokens.push(...tokenizeBold(markdown.slice(last, match.index)));
		tokens.push({ kind: 'link', url: match[1], label: match[2] });
		last = match.index + match[0].length;
	}
	tokens.push(...tokenizeBold(markdown.slice(last)));
	return tokens;
}

function tokenizeBold(text: string): MarkdownToken[] {
	const tokens: MarkdownToken[] = [];
	let last = 0;
	for (const match of text.matchAll(BOLD)) {
		if (match.index > last) tokens.push({ kind: 'text', text: text.slice(last, match.index) });
		tokens.push({ kind: 'bold', text: match[1] });
		last = match.index + match[0].length;
	}
	if (last < text.length) tokens.push({ kind: 'text', text: text.slice(last) });
	return tokens;
}

/** For notifications and screen readers: "*Spa day*" → "Spa day", "<url|label>" → "label (url)". */
export function toPlainText(markdown: string): string {
	return tokenizeMarkdown(markdown)
		.map((token) => (token.kind === 'link' ? `${token.label} (${token.url})` : token.text))
		.join('');
}

/** Absolute http(s) URLs only (`http:foo` parses, but is no link anyone meant). */
export function isWebUrl(value: string): boolean {
	if (!/^https?:\/\//i.test(value)) return false;
	try {
		const url = new URL(value);
		return url.protocol === 'https:' || url.protocol === 'http:';
	} catch {
		return false;
	}
}
