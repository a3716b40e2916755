/**
 * Numbers in a webhook body, kept exactly (docs/perks-api.md, "Numbers and bytes…"): a JSON
 * number a double holds as written stays a number; one it cannot (over 15–17 significant digits,
 * beyond ±1.8e308, below 5e-324) stays its exact text, a string, so nothing is rounded, clamped
 * or made Infinity.
 */

/** `-12.50e3` → `-125e2`; undefined for anything that is not a JSON number literal. */
function canonicalDecimal(text: string): string | undefined {
	const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
	if (!match) return undefined;
	const [, sign, whole, fraction = '', exponent = '0'] = match;
	let digits = (whole + fraction).replace(/^0+/, '');
	if (digits === '') return '0';
	const trailing = digits.length - digits.replace(/0+$/, '').length;
	digits = digits.slice(0, digits.length - trailing);
	return `${sign}${digits}e${BigInt(exponent) - BigInt(fraction.length) + BigInt(trailing)}`;
}

/** True when `text` is a JSON number literal whose value no double holds exactly. */
export function isInexactNumberText(text: string): boolean {
	const canonical = canonicalDecimal(text);
	return canonical !== undefined && canonical !== canonicalDecimal(String(Number(text)));
}

/** A JSON.parse reviver (Node.js ≥ 21 passes the source text): keeps inexact numbers as their text. */
export function keepExactNumbers(
	_key: string,
	value: unknown,
	context?: { source?: string },
): unknown {
	if (typeof value !== 'number') return value;
	const source = context?.source;
	if (source !== undefined && isInexactNumberText(source)) return source;
	// -0 is 0: "-0 points" would be shown otherwise.
	return value === 0 ? 0 : value;
}
