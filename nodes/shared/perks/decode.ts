/**
 * A webhook body's bytes → JSON, losing nothing (docs/perks-api.md, "Numbers and bytes…"): a
 * UTF-8 byte order mark is skipped (the signature covers it, JSON.parse would not), numbers are
 * kept exactly (exactNumbers.ts), and the bytes are decoded as strict UTF-8: invalid bytes in a
 * field the contract defines are refused naming the field; in an unknown extra field they become
 * U+FFFD. Errors name where, never echo the body.
 */
import { z } from 'zod';

import { findJsonErrorPosition } from '../messages/render/jsonErrorPosition';
import { eventDataSchemas } from './contract';
import { keepExactNumbers } from './exactNumbers';

const INVALID_UTF8_FIX =
	'The perks platform sent bytes that are not UTF-8 in this field, which JSON requires (RFC 8259): ' +
	'fix the text on the platform, then send the event again; this delivery cannot be handled.';

export class InvalidUtf8Error extends Error {
	readonly fix = INVALID_UTF8_FIX;

	constructor(readonly field: string) {
		super(`${field}: holds bytes that are not valid UTF-8`);
		this.name = 'InvalidUtf8Error';
	}
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeEventBody(raw: Buffer): unknown {
	const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
	const bytes = raw.subarray(bom ? 3 : 0);
	let text: string;
	try {
		text = strictUtf8.decode(bytes);
	} catch {
		return decodeInvalidUtf8(bytes);
	}
	return parseJson(text);
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(
			text,
			keepExactNumbers as (key: string, value: unknown) => unknown,
		) as unknown;
	} catch (error) {
		// The reviver recurses: nesting thousands deep overflows it, so those bodies keep JSON.parse's numbers.
		if (error instanceof RangeError) return JSON.parse(text) as unknown;
		const position = jsonErrorPosition(text);
		throw new SyntaxError(
			position === undefined
				? 'The body is not valid JSON'
				: `The body is not valid JSON (at character ${position})`,
		);
	}
}

/** The recursive scanner can overflow on absurd nesting; then the message just has no position. */
function jsonErrorPosition(text: string): number | undefined {
	try {
		return findJsonErrorPosition(text);
	} catch {
		return undefined;
	}
}

/** A noncharacter: marks where invalid bytes were, to find which fields hold them. */
const MARK = '\uffff';

function decodeInvalidUtf8(bytes: Buffer): unknown {
	let marked: unknown;
	try {
		marked = JSON.parse(replaceInvalidUtf8(bytes, MARK));
	} catch {
		throw new InvalidUtf8Error('(body)');
	}
	const refused = markedPaths(marked).find((path) => CONTRACT_FIELDS.has(path));
	if (refused !== undefined) throw new InvalidUtf8Error(refused);
	return parseJson(replaceInvalidUtf8(bytes, '\ufffd'));
}

/** The bytes as text, each byte that starts no valid UTF-8 sequence replaced by `replacement`. */
function replaceInvalidUtf8(bytes: Buffer, replacement: string): string {
	let text = '';
	let start = 0;
	for (let i = 0; i < bytes.length; ) {
		const length = validSequenceLength(bytes, i);
		if (length > 0) {
			i += length;
			continue;
		}
		text += bytes.toString('utf8', start, i) + replacement;
		start = i = i + 1;
	}
	return text + bytes.toString('utf8', start);
}

/** Bytes of the well-formed UTF-8 sequence at `i` (Unicode's table 3-7), or 0. */
function validSequenceLength(bytes: Buffer, i: number): number {
	const lead = bytes[i];
	if (lead < 0x80) return 1;
	const length =
		lead >= 0xc2 && lead <= 0xdf
			? 2
			: lead >= 0xe0 && lead <= 0xef
				? 3
				: lead >= 0xf0 && lead <= 0xf4
					? 4
					: 0;
	for (let k = 1; k < length; k++) {
		const byte = bytes[i + k];
		const low = k > 1 ? 0x80 : lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
		const high = k > 1 ? 0xbf : lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
		if (byte === undefined || byte < low || byte > high) return 0;
	}
	return length;
}

/** Dotted paths of the strings holding MARK (iterative: bodies may nest deeper than the stack). */
function markedPaths(root: unknown): string[] {
	const found: string[] = [];
	const stack: Array<[unknown, string]> = [[root, '']];
	while (stack.length > 0) {
		const [value, path] = stack.pop()!;
		if (typeof value === 'string' && value.includes(MARK)) found.push(path || '(body)');
		if (value === null || typeof value !== 'object') continue;
		for (const [key, child] of Object.entries(value))
			stack.push([child, path ? `${path}.${key}` : key]);
	}
	return found;
}

/** Every field the contract defines (envelope and each event's data), as dotted paths. */
const CONTRACT_FIELDS = new Set(['id', 'type', 'created_at', 'data']);
for (const schema of Object.values(eventDataSchemas)) addFields(schema.shape, 'data');

function addFields(shape: z.ZodRawShape, prefix: string): void {
	for (const [key, schema] of Object.entries(shape)) {
		CONTRACT_FIELDS.add(`${prefix}.${key}`);
		if (schema instanceof z.ZodObject) addFields(schema.shape as z.ZodRawShape, `${prefix}.${key}`);
	}
}
