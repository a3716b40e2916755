import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import { Markdown } from '../../../nodes/shared/messages/markdown';
import type { MessageDoc } from '../../../nodes/shared/messages/MessageDoc';
import {
	MessageLimitError,
	renderTeamsHtml,
	TEAMS_MESSAGE_MAX_BYTES,
	validateTeamsMessage,
} from '../../../nodes/shared/chat/teams/render';
import { items } from './fixtures';

describe('renderTeamsHtml', () => {
	it('renders a perk announcement as HTML', () => {
		const body = renderTeamsHtml(buildEventMessage(items['catalog.perk_added'], 'channel', 'it'));
		expect(body).toEqual({
			contentType: 'html',
			content:
				'<p><strong>✨ Nuovo benefit: Spa day</strong></p>' +
				'<p>Nel catalogo è appena arrivato un nuovo benefit: <strong>Spa day</strong>!</p>' +
				'<p>A relaxing day at the spa</p>' +
				'<ul><li><strong>Costo:</strong> 1.250 punti</li><li><strong>Categoria:</strong> Wellness</li></ul>' +
				'<p><img src="https://cdn.example.com/spa.png" alt="Spa day"></p>' +
				'<p><a href="https://perks.example.com/perks/perk_1">Scopri il benefit</a></p>',
		});
	});

	it('escapes user text and keeps our bold and links', () => {
		const item = {
			...items['perk.redeemed'],
			employeeName: '<script>alert("x")</script>',
			perkName: "Tom & Jerry's",
		};
		const { content } = renderTeamsHtml(buildEventMessage(item, 'channel', 'en'));
		expect(content).toContain(
			'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; redeemed <strong>Tom &amp; Jerry&#39;s</strong>!',
		);
		expect(content).not.toContain('<script>');

		const doc: MessageDoc = {
			fallbackText: 'x',
			title: 'A <b>',
			body: [Markdown.parse('See <https://example.com/?a=1&b="2"|our *page*>\nnext line')],
			image: { url: 'javascript:alert(1)', altText: 'x' },
			button: { label: 'Go', url: 'javascript:alert(1)' },
			context: 'small & <print>',
		};
		expect(renderTeamsHtml(doc).content).toBe(
			'<p><strong>A &lt;b&gt;</strong></p>' +
				'<p>See <a href="https://example.com/?a=1&amp;b=&quot;2&quot;">our *page*</a><br>next line</p>' +
				'<p><em>small &amp; &lt;print&gt;</em></p>',
		);
	});
});

describe('validateTeamsMessage', () => {
	it('accepts a message under about 28 KB and refuses a larger one in UTF-8 bytes', () => {
		expect(() => validateTeamsMessage('x'.repeat(TEAMS_MESSAGE_MAX_BYTES))).not.toThrow();
		let caught: unknown;
		try {
			validateTeamsMessage('é'.repeat(TEAMS_MESSAGE_MAX_BYTES / 2 + 1));
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(MessageLimitError);
		expect(caught).toMatchObject({ code: 'message_too_long', field: 'content' });
		expect((caught as Error).message).toContain('28,002 bytes');
	});
});
