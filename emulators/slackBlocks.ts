/**
 * The Block Kit limits Slack enforces on chat.postMessage, reported as Slack does:
 * `invalid_blocks` with messages like `must be less than 151 characters [json-pointer:/blocks/0/text/text]`.
 */

const MAX_BLOCKS = 50;
const MAX_HEADER_TEXT = 150;
const MAX_SECTION_TEXT = 3000;
const MAX_FIELD_TEXT = 2000;
const MAX_FIELDS = 10;
const MAX_CONTEXT_ELEMENTS = 10;
const MAX_ALT_TEXT = 2000;

type Json = Record<string, unknown>;

/** Every limit the blocks break; empty when they are within Slack's limits. */
export function blockKitErrors(blocks: unknown[]): string[] {
	const errors: string[] = [];
	if (blocks.length > MAX_BLOCKS) errors.push(tooMany(MAX_BLOCKS, '/blocks'));
	blocks.forEach((block, i) => {
		if (isJson(block)) errors.push(...blockErrors(block, `/blocks/${i}`));
	});
	return errors;
}

function blockErrors(block: Json, at: string): string[] {
	const errors: string[] = [];
	const check = (value: unknown, max: number, pointer: string) => {
		if (typeof value === 'string' && value.length > max) errors.push(tooLong(max, pointer));
	};
	switch (block.type) {
		case 'header':
			check(textOf(block.text), MAX_HEADER_TEXT, `${at}/text/text`);
			break;
		case 'section':
			check(textOf(block.text), MAX_SECTION_TEXT, `${at}/text/text`);
			if (Array.isArray(block.fields)) {
				if (block.fields.length > MAX_FIELDS) errors.push(tooMany(MAX_FIELDS, `${at}/fields`));
				block.fields.forEach((field, j) =>
					check(textOf(field), MAX_FIELD_TEXT, `${at}/fields/${j}/text`),
				);
			}
			break;
		case 'context':
			if (Array.isArray(block.elements) && block.elements.length > MAX_CONTEXT_ELEMENTS)
				errors.push(tooMany(MAX_CONTEXT_ELEMENTS, `${at}/elements`));
			break;
		case 'image':
			check(block.alt_text, MAX_ALT_TEXT, `${at}/alt_text`);
			break;
	}
	return errors;
}

function textOf(object: unknown): unknown {
	return isJson(object) ? object.text : undefined;
}

function isJson(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tooLong(max: number, pointer: string): string {
	return `must be less than ${max + 1} characters [json-pointer:${pointer}]`;
}

function tooMany(max: number, pointer: string): string {
	return `no more than ${max} items allowed [json-pointer:${pointer}]`;
}
