/**
 * Slack's message limits, checked before any call: Slack either refuses an oversize message
 * (invalid_blocks) or silently cuts its text, so we stop it here with the limit, the actual
 * length and the block at fault. Lengths are UTF-16 units, which never undercounts.
 */
import { MessageLimitError } from '../../messages/errors';
import { describeJsonError } from '../../messages/render/jsonErrorPosition';
import type { ChatErrorCode } from '../errors';

/** The names Slack's refusal of the same message gets (chat/errors.ts), plus checks of our own. */
export type SlackLimitCode =
	| Extract<ChatErrorCode, 'message_too_long' | 'invalid_blocks'>
	| 'too_many_blocks'
	| 'block_text_too_long';

export const SLACK_LIMITS = {
	text: 40_000,
	blocks: 50,
	sectionText: 3_000,
	sectionFields: 10,
	fieldText: 2_000,
	headerText: 150,
	contextText: 3_000,
	buttonText: 75,
	/** A button's value (docs.slack.dev, button element). */
	buttonValue: 2_000,
	imageAltText: 2_000,
	/** An image block's image_url and a button's url. */
	url: 3_000,
} as const;

const FIXES = {
	message_too_long:
		'Shorten the message text. Slack refuses or cuts longer messages; send long content as several messages or a file.',
	too_many_blocks:
		'Use fewer blocks: Slack allows at most 50 blocks in one message (10 fields in one section). Merge sections or split the message in two.',
	block_text_too_long:
		'Shorten the text of that block, or split it over several blocks: Slack refuses a block whose text is over its limit.',
	invalid_blocks:
		'Blocks must be a JSON array of Block Kit blocks (objects with a "type"), or the {"blocks": [...]} object that Slack\'s Block Kit Builder exports.',
} as const satisfies Record<SlackLimitCode, string>;

const count = (value: number): string => new Intl.NumberFormat('en').format(value);

export function validateSlackMessage(message: { text: string; blocks?: unknown }): void {
	if (message.text.length > SLACK_LIMITS.text) {
		throw new MessageLimitError<SlackLimitCode>(
			'message_too_long',
			'text',
			`The Slack message text is ${count(message.text.length)} characters; Slack allows at most ${count(SLACK_LIMITS.text)}`,
			FIXES.message_too_long,
		);
	}
	if (message.blocks === undefined) return;
	if (!Array.isArray(message.blocks)) throw invalid('blocks', 'Slack blocks must be an array');
	if (message.blocks.length > SLACK_LIMITS.blocks) {
		throw new MessageLimitError<SlackLimitCode>(
			'too_many_blocks',
			'blocks',
			`The Slack message has ${count(message.blocks.length)} blocks; Slack allows at most ${SLACK_LIMITS.blocks}`,
			FIXES.too_many_blocks,
		);
	}
	message.blocks.forEach(validateBlock);
}

function validateBlock(block: unknown, index: number): void {
	if (typeof block !== 'object' || block === null || Array.isArray(block)) {
		throw invalid(`blocks[${index}]`, `Slack block ${index} is not an object`);
	}
	const { type } = block as { type?: unknown };
	if (typeof type !== 'string' || type === '') {
		throw invalid(`blocks[${index}].type`, `Slack block ${index} has no "type"`);
	}
	const where = { index, type };
	const record = block as Record<string, unknown>;
	if (type === 'header') checkText(record.text, 'text', SLACK_LIMITS.headerText, where);
	if (type === 'section') {
		checkText(record.text, 'text', SLACK_LIMITS.sectionText, where);
		if (Array.isArray(record.fields)) {
			if (record.fields.length > SLACK_LIMITS.sectionFields) {
				throw new MessageLimitError<SlackLimitCode>(
					'too_many_blocks',
					`blocks[${index}].fields`,
					`Slack block ${index} (section) has ${record.fields.length} fields; Slack allows at most ${SLACK_LIMITS.sectionFields}`,
					FIXES.too_many_blocks,
				);
			}
			record.fields.forEach((field, i) =>
				checkText(field, `fields[${i}]`, SLACK_LIMITS.fieldText, where),
			);
		}
	}
	if (type === 'context' && Array.isArray(record.elements)) {
		record.elements.forEach((element, i) =>
			checkText(element, `elements[${i}]`, SLACK_LIMITS.contextText, where),
		);
	}
	if (type === 'actions' && Array.isArray(record.elements)) {
		record.elements.forEach((element, i) => {
			if (isObject(element) && element.type === 'button') {
				checkText(element.text, `elements[${i}].text`, SLACK_LIMITS.buttonText, where);
				if (typeof element.url === 'string')
					checkLength(element.url, `elements[${i}].url`, SLACK_LIMITS.url, where);
			}
		});
	}
	if (type === 'image') {
		if (typeof record.alt_text === 'string')
			checkLength(record.alt_text, 'alt_text', SLACK_LIMITS.imageAltText, where);
		if (typeof record.image_url === 'string')
			checkLength(record.image_url, 'image_url', SLACK_LIMITS.url, where);
	}
}

/** A text object `{type, text}`: its `.text` must fit. */
function checkText(
	value: unknown,
	path: string,
	max: number,
	where: { index: number; type: string },
): void {
	if (isObject(value) && typeof value.text === 'string')
		checkLength(value.text, `${path}.text`, max, where);
}

function checkLength(
	text: string,
	path: string,
	max: number,
	{ index, type }: { index: number; type: string },
): void {
	if (text.length <= max) return;
	throw new MessageLimitError<SlackLimitCode>(
		'block_text_too_long',
		`blocks[${index}].${path}`,
		`Slack block ${index} (${type}): ${path} is ${count(text.length)} characters; Slack allows at most ${count(max)}`,
		FIXES.block_text_too_long,
	);
}

/**
 * The "Blocks" parameter as users paste it: a JSON string, an array, or the {"blocks": [...]}
 * object the Block Kit Builder exports. An empty string means no blocks.
 */
export function parseBlocksParameter(value: unknown): unknown[] {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return [];
		const outcome = parseJson(value);
		// Thrown outside the catch: the error names the line and column of the mistake.
		if (!outcome.ok)
			throw invalid(
				'blocks',
				`The blocks are not valid JSON: ${describeJsonError(value, outcome.message)}`,
			);
		parsed = outcome.value;
	}
	if (Array.isArray(parsed)) return parsed;
	if (isObject(parsed) && Array.isArray(parsed.blocks)) return parsed.blocks;
	const shape =
		parsed === null
			? 'null'
			: isObject(parsed)
				? 'an object without a "blocks" array'
				: typeof parsed;
	throw invalid(
		'blocks',
		`The blocks must be a list of blocks or {"blocks": [...]}, but they are ${shape}`,
	);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch (error) {
		return { ok: false, message: error instanceof Error ? error.message : String(error) };
	}
}

function invalid(field: string, message: string): MessageLimitError<SlackLimitCode> {
	return new MessageLimitError<SlackLimitCode>(
		'invalid_blocks',
		field,
		message,
		FIXES.invalid_blocks,
	);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
