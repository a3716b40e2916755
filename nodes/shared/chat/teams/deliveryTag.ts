/**
 * The delivery tag in a Teams message. Graph has no message metadata, and Teams sanitizes the
 * HTML body (attributes and unknown tags may be dropped), but it keeps the text. So the tag is
 * written as text nobody sees: each hex digit as four zero-width characters (U+200B = 0,
 * U+200C = 1) between two word joiners (U+2060), at the end of the body. Read back, the body
 * may carry them as HTML entities; both forms are found.
 */
const ZERO = '\u200b';
const ONE = '\u200c';
const EDGE = '\u2060';

export function deliveryMarker(tag: string): string {
	const bits = [...tag.toLowerCase()]
		.map((digit) => parseInt(digit, 16).toString(2).padStart(4, '0'))
		.join('');
	return EDGE + [...bits].map((bit) => (bit === '1' ? ONE : ZERO)).join('') + EDGE;
}

export function carriesMarker(content: string, tag: string): boolean {
	const decoded = content.replace(/&#(x[0-9a-f]+|\d+);/gi, (entity, code: string) => {
		const point = code[0].toLowerCase() === 'x' ? parseInt(code.slice(1), 16) : Number(code);
		return [0x200b, 0x200c, 0x2060].includes(point) ? String.fromCodePoint(point) : entity;
	});
	return decoded.includes(deliveryMarker(tag));
}
