/**
 * The MessageDoc's simple markdown: `*bold*` and `<url|label>` links, nothing else. Only our own
 * wording (and a workflow author's custom text) is ever tokenized: the `md` tag tokenizes its
 * literal parts with a placeholder where each value goes and puts the value back as text, so a
 * perk called `*x*` or `<https://evil|perks>` stays those characters. Renderers escape every
 * text piece for their platform.
 */
export type MarkdownToken =
	| { kind: 'text'; text: string }
	| { kind: 'bold'; text: string }
	| { kind: 'link'; url: string; label: string };

/** Only web and mail links: anything else between angle brackets stays literal text. */
const LINK = /<((?:https?:\/\/|mailto:)[^\s|<>]+)\|([^<>]+)>/g;
const BOLD = /\*([^*\n]+)\*/g;

/** Tokenizes trusted markup only: our wording or the author's custom text, never data. */
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

/** A paragraph as tokens: built by `md` (our wording plus literal values) or from plain text. */
export class Markdown {
	private constructor(readonly tokens: readonly MarkdownToken[]) {}

	/** Trusted markup (our own wording, or text the workflow author typed). */
	static parse(markup: string): Markdown {
		return new Markdown(tokenizeMarkdown(markup));
	}

	/** Text shown as it is, whatever it holds. */
	static text(text: string): Markdown {
		return new Markdown(text === '' ? [] : [{ kind: 'text', text }]);
	}

	static fromTokens(tokens: readonly MarkdownToken[]): Markdown {
		return new Markdown(tokens);
	}

	/** For notifications and screen readers: bold dropped, "<url|label>" → "label (url)". */
	plainText(): string {
		return this.tokens
			.map((token) => (token.kind === 'link' ? `${token.label} (${token.url})` : token.text))
			.join('');
	}

	/** The markup again, for logs and tests: data is not re-escaped, so do not parse it back. */
	toString(): string {
		return this.tokens
			.map((token) =>
				token.kind === 'link'
					? `<${token.url}|${token.label}>`
					: token.kind === 'bold'
						? `*${token.text}*`
						: token.text,
			)
			.join('');
	}

	toJSON(): string {
		return this.toString();
	}
}

export type MarkdownValue = string | number | Markdown | undefined | null;

/** Private-use characters never appear in our wording, so they mark where a value goes. */
const SLOT = /\uE000(\d+)\uE001/g;
const slot = (index: number) => `\uE000${index}\uE001`;

/**
 * Our wording with data in it: `md\`You redeemed *${perk}*\``. The literal parts are markup;
 * every value is literal text (a Markdown value keeps its own tokens where it stands as text).
 */
export function md(strings: TemplateStringsArray, ...values: MarkdownValue[]): Markdown {
	const markup = strings.reduce((joined, part, i) => joined + slot(i - 1) + part);
	const plain = (index: number): string => {
		const value = values[index];
		return value instanceof Markdown ? value.plainText() : value == null ? '' : String(value);
	};
	const fill = (text: string) => text.replace(SLOT, (_, index: string) => plain(Number(index)));
	const tokens: MarkdownToken[] = [];
	const pushText = (text: string) => {
		if (text === '') return;
		const previous = tokens[tokens.length - 1];
		if (previous?.kind === 'text')
			tokens[tokens.length - 1] = { kind: 'text', text: previous.text + text };
		else tokens.push({ kind: 'text', text });
	};
	for (const token of tokenizeMarkdown(markup)) {
		if (token.kind === 'link') {
			// A value as a link target would let data choose where our wording points.
			if (/\uE000/.test(token.url)) throw new Error('md: a value cannot be a link URL');
			tokens.push({ kind: 'link', url: token.url, label: fill(token.label) });
		} else if (token.kind === 'bold') {
			tokens.push({ kind: 'bold', text: fill(token.text) });
		} else {
			let last = 0;
			for (const match of token.text.matchAll(SLOT)) {
				pushText(token.text.slice(last, match.index));
				const value = values[Number(match[1])];
				if (value instanceof Markdown) {
					for (const inner of value.tokens) {
						if (inner.kind === 'text') pushText(inner.text);
						else tokens.push(inner);
					}
				} else pushText(plain(Number(match[1])));
				last = match.index + match[0].length;
			}
			pushText(token.text.slice(last));
		}
	}
	return Markdown.fromTokens(tokens);
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
