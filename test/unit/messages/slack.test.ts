import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import { Markdown } from '../../../nodes/shared/messages/markdown';
import type { MessageDoc } from '../../../nodes/shared/messages/MessageDoc';
import {
	MessageLimitError,
	parseBlocksParameter,
	renderSlack,
	validateSlackMessage,
} from '../../../nodes/shared/chat/slack/render';
import { findJsonErrorPosition } from '../../../nodes/shared/messages/render/jsonErrorPosition';
import { items } from './fixtures';

function limitError(run: () => unknown): MessageLimitError {
	try {
		run();
	} catch (error) {
		if (error instanceof MessageLimitError) return error;
		throw error;
	}
	throw new Error('expected a MessageLimitError');
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });

describe('renderSlack', () => {
	it('lays a perk announcement out as Block Kit', () => {
		const message = renderSlack(buildEventMessage(items['catalog.perk_added'], 'channel', 'en'));
		expect(message).toEqual({
			text: 'A new perk just landed in the catalog: Spa day!',
			blocks: [
				{ type: 'header', text: { type: 'plain_text', text: '✨ New perk: Spa day', emoji: true } },
				section('A new perk just landed in the catalog: *Spa day*!\n\nA relaxing day at the spa'),
				{
					type: 'section',
					fields: [mrkdwn('*Cost*\n1,250 points'), mrkdwn('*Category*\nWellness')],
				},
				{ type: 'image', image_url: 'https://cdn.example.com/spa.png', alt_text: 'Spa day' },
				{
					type: 'actions',
					elements: [
						{
							type: 'button',
							text: { type: 'plain_text', text: 'View perk', emoji: true },
							url: 'https://perks.example.com/perks/perk_1',
							action_id: 'perks_open_url',
						},
					],
				},
			],
		});
	});

	it('adds the context line', () => {
		const { blocks } = renderSlack(buildEventMessage(items['wallet.funded'], 'personal', 'es'));
		expect(blocks[blocks.length - 1]).toEqual({
			type: 'context',
			elements: [mrkdwn('Saldo actualizado: noviembre de 2026')],
		});
	});

	it('escapes user text for mrkdwn but keeps our bold and links', () => {
		const item = {
			...items['perk.redeemed'],
			employeeName: 'Ada <script>alert(1)</script>',
			perkName: 'Spa & <b>Sauna</b>',
		};
		const { text, blocks } = renderSlack(buildEventMessage(item, 'channel', 'en'));
		expect(blocks[1]).toEqual(
			section(
				'🎉 Ada &lt;script&gt;alert(1)&lt;/script&gt; redeemed *Spa &amp; &lt;b&gt;Sauna&lt;/b&gt;*!',
			),
		);
		// Slack parses the top-level text as well (notifications included), so it is escaped too.
		expect(text).toBe(
			'🎉 Ada &lt;script&gt;alert(1)&lt;/script&gt; redeemed Spa &amp; &lt;b&gt;Sauna&lt;/b&gt;!',
		);
		const doc: MessageDoc = {
			fallbackText: 'x',
			title: 'R&D',
			body: [Markdown.parse('See <https://example.com/?a=1&b=2|the R&D page> & <not a link>')],
			fields: [{ label: 'A<B', value: 'x > y' }],
		};
		const rendered = renderSlack(doc);
		expect(rendered.blocks[0]).toMatchObject({ text: { type: 'plain_text', text: 'R&D' } });
		expect(rendered.blocks[1]).toEqual(
			section('See <https://example.com/?a=1&amp;b=2|the R&amp;D page> &amp; &lt;not a link&gt;'),
		);
		expect(rendered.blocks[2]).toEqual({
			type: 'section',
			fields: [mrkdwn('*A&lt;B*\nx &gt; y')],
		});
	});

	it('shortens only the header to 150 characters, with an ellipsis', () => {
		const item = { ...items['catalog.perk_added'], perkName: 'P'.repeat(300) };
		const { blocks } = renderSlack(buildEventMessage(item, 'channel', 'en'));
		const header = blocks[0] as { text: { text: string } };
		expect(header.text.text).toHaveLength(150);
		expect(header.text.text.endsWith('…')).toBe(true);
		expect((blocks[1] as { text: { text: string } }).text.text).toContain('P'.repeat(300));
	});

	it('puts at most 10 fields in a section and splits a long body over sections, never cutting it', () => {
		const doc: MessageDoc = {
			fallbackText: 'x',
			title: 't',
			body: [Markdown.text('a'.repeat(2000)), Markdown.text('b'.repeat(2000))],
			fields: Array.from({ length: 12 }, (_, i) => ({ label: `L${i}`, value: `v${i}` })),
		};
		const { blocks } = renderSlack(doc);
		expect(blocks.map((block) => block.type)).toEqual([
			'header',
			'section',
			'section',
			'section',
			'section',
		]);
		expect(blocks[1]).toEqual(section('a'.repeat(2000)));
		expect(blocks[2]).toEqual(section('b'.repeat(2000)));
		expect((blocks[3] as { fields: unknown[] }).fields).toHaveLength(10);
		expect((blocks[4] as { fields: unknown[] }).fields).toHaveLength(2);
		expect(() => validateSlackMessage(renderSlack(doc))).not.toThrow();
	});
});

describe('validateSlackMessage', () => {
	it('accepts 40,000 characters of text and refuses 40,001, naming both numbers', () => {
		expect(() => validateSlackMessage({ text: 'x'.repeat(39_999) })).not.toThrow();
		expect(() => validateSlackMessage({ text: 'x'.repeat(40_000) })).not.toThrow();
		const error = limitError(() => validateSlackMessage({ text: 'x'.repeat(40_001) }));
		expect(error).toMatchObject({ code: 'message_too_long', field: 'text' });
		expect(error.message).toContain('40,001');
		expect(error.message).toContain('40,000');
		expect(error.fix).toMatch(/shorten/i);
	});

	it('refuses 51 blocks, accepts 50', () => {
		const blocks = Array.from({ length: 50 }, () => section('x'));
		expect(() => validateSlackMessage({ text: 'x', blocks })).not.toThrow();
		const error = limitError(() =>
			validateSlackMessage({ text: 'x', blocks: [...blocks, section('x')] }),
		);
		expect(error).toMatchObject({ code: 'too_many_blocks', field: 'blocks' });
		expect(error.message).toContain('51');
		expect(error.message).toContain('50');
	});

	it('refuses a 3,001-character section and names the block', () => {
		expect(() =>
			validateSlackMessage({ text: 'x', blocks: [section('s'.repeat(3_000))] }),
		).not.toThrow();
		const error = limitError(() =>
			validateSlackMessage({
				text: 'x',
				blocks: [{ type: 'divider' }, section('s'.repeat(3_001))],
			}),
		);
		expect(error).toMatchObject({ code: 'block_text_too_long', field: 'blocks[1].text.text' });
		expect(error.message).toContain('block 1 (section)');
		expect(error.message).toContain('3,001');
		expect(error.message).toContain('3,000');
	});

	it('refuses a header over 150 and a field over 2,000 characters', () => {
		const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
		expect(limitError(() => validateSlackMessage({ text: 'x', blocks: [header] }))).toMatchObject({
			code: 'block_text_too_long',
			field: 'blocks[0].text.text',
		});
		const fields = {
			type: 'section',
			fields: [
				{ type: 'mrkdwn', text: 'ok' },
				{ type: 'mrkdwn', text: 'f'.repeat(2_001) },
			],
		};
		const error = limitError(() => validateSlackMessage({ text: 'x', blocks: [fields] }));
		expect(error).toMatchObject({ code: 'block_text_too_long', field: 'blocks[0].fields[1].text' });
		expect(error.message).toContain('2,001');
	});

	it('refuses 11 fields in a section and an over-long button label', () => {
		const fields = {
			type: 'section',
			fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })),
		};
		expect(limitError(() => validateSlackMessage({ text: 'x', blocks: [fields] })).field).toBe(
			'blocks[0].fields',
		);
		const actions = {
			type: 'actions',
			elements: [
				{
					type: 'button',
					text: { type: 'plain_text', text: 'b'.repeat(76) },
					url: 'https://x.test',
				},
			],
		};
		expect(limitError(() => validateSlackMessage({ text: 'x', blocks: [actions] })).field).toBe(
			'blocks[0].elements[0].text.text',
		);
	});

	it("refuses your own blocks' image or button URL over 3,000 characters (cut only in default messages)", () => {
		const url = `https://x.test/${'u'.repeat(2_985)}`;
		expect(url).toHaveLength(3_000);
		const image = (imageUrl: string) => ({ type: 'image', image_url: imageUrl, alt_text: 'a' });
		expect(() => validateSlackMessage({ text: 'x', blocks: [image(url)] })).not.toThrow();
		expect(
			limitError(() => validateSlackMessage({ text: 'x', blocks: [image(`${url}u`)] })),
		).toMatchObject({
			code: 'block_text_too_long',
			field: 'blocks[0].image_url',
		});
		const button = {
			type: 'actions',
			elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' }, url: `${url}u` }],
		};
		expect(limitError(() => validateSlackMessage({ text: 'x', blocks: [button] })).field).toBe(
			'blocks[0].elements[0].url',
		);
	});

	it('refuses blocks that are not a list of typed objects', () => {
		expect(limitError(() => validateSlackMessage({ text: 'x', blocks: 'nope' }))).toMatchObject({
			code: 'invalid_blocks',
		});
		expect(
			limitError(() => validateSlackMessage({ text: 'x', blocks: [section('ok'), 3] })),
		).toMatchObject({
			code: 'invalid_blocks',
			field: 'blocks[1]',
		});
		expect(
			limitError(() => validateSlackMessage({ text: 'x', blocks: [{ text: 'no type' }] })),
		).toMatchObject({
			code: 'invalid_blocks',
			field: 'blocks[0].type',
		});
	});
});

describe('parseBlocksParameter', () => {
	const blocks = [section('hi')];

	it('accepts an array, a JSON string, and the Block Kit Builder export', () => {
		expect(parseBlocksParameter(blocks)).toEqual(blocks);
		expect(parseBlocksParameter(JSON.stringify(blocks))).toEqual(blocks);
		expect(parseBlocksParameter({ blocks })).toEqual(blocks);
		expect(parseBlocksParameter(JSON.stringify({ blocks }, null, 2))).toEqual(blocks);
		expect(parseBlocksParameter('  ')).toEqual([]);
	});

	it('names the line and column of bad JSON', () => {
		const error = limitError(() => parseBlocksParameter('[\n  {"type": "section",}\n]'));
		expect(error).toMatchObject({ code: 'invalid_blocks', field: 'blocks' });
		expect(error.message).toContain('line 2, column 22');
		expect(error.message).toContain('not valid JSON');
		const token = limitError(() => parseBlocksParameter('[1, 2\n, x]'));
		expect(token.message).toContain("Unexpected token 'x' at line 2, column 3 (position 8)");
		const cut = limitError(() => parseBlocksParameter('[{"type": "section"'));
		expect(cut.message).toContain('ends too early');
	});

	it('refuses JSON that is not blocks', () => {
		expect(limitError(() => parseBlocksParameter('{"text": "hi"}')).message).toContain(
			'without a "blocks" array',
		);
		expect(limitError(() => parseBlocksParameter('42')).code).toBe('invalid_blocks');
		expect(limitError(() => parseBlocksParameter(null)).message).toContain('null');
	});

	it('finds the first bad character, or none in valid JSON', () => {
		for (const valid of ['[]', '{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"]}', ' "x" ']) {
			expect(findJsonErrorPosition(valid)).toBeUndefined();
		}
		expect(findJsonErrorPosition('[01]')).toBe(2);
		expect(findJsonErrorPosition("{'a': 1}")).toBe(1);
		expect(findJsonErrorPosition('[1] x')).toBe(4);
	});
});
