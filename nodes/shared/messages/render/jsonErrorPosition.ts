/**
 * Where pasted JSON goes wrong. V8's JSON.parse message sometimes has no position at all
 * ("Unexpected token 'x', "…" is not valid JSON"), so a small scanner finds the first offending
 * character and we report its line and column, which is what a user fixing a paste needs.
 */

/** The offset of the first character that makes `text` invalid JSON; undefined if it is valid. */
export function findJsonErrorPosition(text: string): number | undefined {
	let i = 0;
	const skipSpace = (): void => {
		while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
	};
	const literal = (word: string): boolean => {
		if (!text.startsWith(word, i)) return false;
		i += word.length;
		return true;
	};
	const string = (): boolean => {
		i++;
		while (i < text.length) {
			const character = text[i];
			if (character === '"') {
				i++;
				return true;
			}
			if (character < ' ') return false;
			if (character === '\\') {
				const next = text[i + 1] ?? '';
				if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
				else if (next !== '' && '"\\/bfnrt'.includes(next)) i += 2;
				else return false;
			} else i++;
		}
		return false;
	};
	const number = (): boolean => {
		const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
		match.lastIndex = i;
		const found = match.exec(text);
		if (!found) return false;
		i += found[0].length;
		return true;
	};
	const container = (close: string, entry: () => boolean): boolean => {
		i++;
		skipSpace();
		if (text[i] === close) {
			i++;
			return true;
		}
		for (;;) {
			if (!entry()) return false;
			skipSpace();
			if (text[i] === close) {
				i++;
				return true;
			}
			if (text[i] !== ',') return false;
			i++;
		}
	};
	const value = (): boolean => {
		skipSpace();
		const character = text[i];
		if (character === '{') {
			return container('}', () => {
				skipSpace();
				if (text[i] !== '"' || !string()) return false;
				skipSpace();
				if (text[i] !== ':') return false;
				i++;
				return value();
			});
		}
		if (character === '[') return container(']', value);
		if (character === '"') return string();
		if (character === '-' || (character >= '0' && character <= '9')) return number();
		return literal('true') || literal('false') || literal('null');
	};
	if (!value()) return i;
	skipSpace();
	return i < text.length ? i : undefined;
}

/** "Unexpected token 'x' at line 2, column 3 (near "x]")", from V8's message and the scanner. */
export function describeJsonError(text: string, parserMessage: string): string {
	const reason = parserMessage
		.replace(/, ".*" is not valid JSON$/s, '')
		.replace(/ in JSON at position \d+.*$/s, '')
		.replace(/^JSON\.parse: /, '');
	const position = findJsonErrorPosition(text);
	if (position === undefined) return reason;
	const before = text.slice(0, position).split('\n');
	const line = before.length;
	const column = before[before.length - 1].length + 1;
	const near = text.slice(position, position + 20).split('\n')[0];
	const where = `line ${line}, column ${column} (position ${position})`;
	return position >= text.length
		? `${reason} at ${where}: the JSON ends too early`
		: `${reason} at ${where}, near "${near}"`;
}
