/**
 * Perks data is always literal: whatever a perk, category, description, currency, period,
 * reference or employee name holds, no rendered field of any default message (Slack or Teams)
 * carries a mention, link, formatting or HTML that came from the data. Only our own wording
 * makes bold, and only our own button and image point anywhere.
 */
import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import { isWebUrl, md } from '../../../nodes/shared/messages/markdown';
import type { Audience } from '../../../nodes/shared/messages/MessageDoc';
import {
	renderSlack,
	slackLiteral,
	validateSlackMessage,
	type SlackMessage,
} from '../../../nodes/shared/chat/slack/render';
import {
	escapeHtml,
	renderTeamsHtml,
	teamsActivityLiteral,
	validateTeamsMessage,
} from '../../../nodes/shared/chat/teams/render';
import { PERKS_EVENT_TYPES, type PerksEventType } from '../../../nodes/shared/perks/contract';
import { items } from './fixtures';
import { random } from './random';

const LOCALES = ['en', 'es', 'it', 'pt'] as const;
const AUDIENCES: Audience[] = ['personal', 'channel'];
/** Every text field of the flat item a default message may show. */
const DATA_FIELDS = [
	'employeeName',
	'perkName',
	'perkDescription',
	'perkCategory',
	'currency',
	'period',
	'redemptionId',
] as const;

const ATTACKS = [
	'<!channel>',
	'<!here>',
	'<!everyone>',
	'<@U123>',
	'<#C1>',
	'<!subteam^S1>',
	'<!subteam^S1|@admins>',
	'<https://evil.example|perks.acme.com>',
	'<https://evil.example|perks.acme.com/claim>',
	'<mailto:evil@example.com|HR>',
	'*bold*',
	'_i_',
	'~s~',
	'`c`',
	'```block```',
	'＊wide＊',
	'＿wide＿',
	'> quoted',
	'\n> quoted line',
	'<b>',
	'</b>',
	'<a href="https://evil.example">claim</a>',
	'<img src=x onerror=alert(1)>',
	'&amp;',
	'&lt;!channel&gt;',
	'<script>alert(1)</script>',
	'"\'',
	'https://evil.example/bare',
	'#general',
	'@here',
	'🎉',
	'👨‍👩‍👧‍👦',
	'Spa day',
];

const rng = random(20261206);

function hostile(): string {
	const parts = Array.from({ length: 1 + rng.int(4) }, () => rng.pick(ATTACKS));
	let text = parts.join(rng.pick(['', ' ', '\n', ' x ']));
	if (rng.next() < 0.05) text = text.repeat(Math.ceil(3_000 / text.length));
	// Blank after trimming would be a missing field, not hostile data.
	return text.trim() === '' ? '<!channel>' : text;
}

function hostileItem(type: PerksEventType): Record<string, unknown> {
	const item: Record<string, unknown> = { ...items[type] };
	for (const field of DATA_FIELDS) item[field] = hostile();
	item.perkUrl = rng.pick([
		items['perk.redeemed'].perkUrl,
		'https://x.example/"><script>',
		'javascript:alert(1)',
	]);
	item.perkImageUrl = rng.pick([
		items['perk.redeemed'].perkImageUrl,
		'https://x.example/a.png?"<b>',
	]);
	return item;
}

/** The same item with every data field a harmless word: the markup our own wording makes. */
function benignItem(item: Record<string, unknown>): Record<string, unknown> {
	const benign = { ...item };
	for (const field of DATA_FIELDS) if (field in benign) benign[field] = 'Data';
	return benign;
}

interface SlackText {
	where: string;
	text: string;
	parsed: boolean;
	verbatim?: boolean;
}

/** Every text of a Slack message, and whether Slack parses it (mrkdwn and the top-level text). */
function slackTexts(message: SlackMessage): SlackText[] {
	const texts: SlackText[] = [{ where: 'text', text: message.text, parsed: true, verbatim: true }];
	message.blocks.forEach((block, i) => {
		const add = (where: string, object: { type: string; text: string; verbatim?: boolean }) =>
			texts.push({
				where: `blocks[${i}].${where}`,
				text: object.text,
				parsed: object.type === 'mrkdwn',
				verbatim: object.verbatim,
			});
		if (block.type === 'header') add('header', block.text);
		if (block.type === 'section') {
			if (block.text) add('text', block.text);
			block.fields?.forEach((field, j) => add(`fields[${j}]`, field));
		}
		if (block.type === 'context') block.elements.forEach((e, j) => add(`elements[${j}]`, e));
		if (block.type === 'image') add('alt_text', { type: 'plain_text', text: block.alt_text });
		if (block.type === 'actions') block.elements.forEach((e, j) => add(`button[${j}]`, e.text));
	});
	return texts;
}

const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;
const FORMATTING = /[*_~`＊＿～｀]/g;

/** What must hold for one rendered Slack message; `baseline` is the same message with benign data. */
function checkSlack(message: SlackMessage, baseline: SlackMessage): void {
	const parsed = slackTexts(message).filter((t) => t.parsed);
	for (const { where, text, verbatim } of parsed) {
		const context = `${where}: ${JSON.stringify(text.slice(0, 300))}`;
		// Our default wording has no links or mentions, so no angle bracket may reach Slack.
		expect({ context, brackets: count(text, /[<>]/g) }).toEqual({ context, brackets: 0 });
		expect({ context, entity: /&(?!amp;|lt;|gt;)/.test(text) }).toEqual({ context, entity: false });
		// A quote starts a line with "&gt;" (or a full-width "＞"): data never opens one.
		expect({ context, quote: /(^|\n)\s*(&gt;|＞)/.test(text) }).toEqual({ context, quote: false });
		expect({ context, verbatim }).toEqual({ context, verbatim: true });
	}
	// Formatting characters come from our wording only: never more than with harmless data.
	const marks = (m: SlackMessage) =>
		slackTexts(m)
			.filter((t) => t.parsed)
			.reduce((sum, t) => sum + count(t.text, FORMATTING), 0);
	expect(marks(message)).toBeLessThanOrEqual(marks(baseline));
	// ...and our bold still renders (unless data so long that it was cut away).
	const all = parsed.map((t) => t.text).join('\n');
	const shortened = parsed.some((t) => t.text.includes('…'));
	if (!shortened) expect(all).toMatch(/\*[^*\n]+\*/);
	for (const t of slackTexts(message).filter((x) => !x.parsed))
		expect(['header', 'alt_text', 'button']).toContain(
			t.where.replace(/^blocks\[\d+\]\.|\[\d+\]$/g, ''),
		);
	expect(() => validateSlackMessage(message)).not.toThrow();
}

/** Every tag of the Teams HTML is ours: formatting tags, and our own image and button only. */
function checkTeams(html: string, baseline: string, item: Record<string, unknown>): void {
	const allowed = new Set([
		'<p>',
		'</p>',
		'<strong>',
		'</strong>',
		'<br>',
		'<ul>',
		'</ul>',
		'<li>',
		'</li>',
		'<em>',
		'</em>',
		'</a>',
	]);
	const url = (value: unknown) =>
		typeof value === 'string' && isWebUrl(value) ? escapeHtml(value) : undefined;
	const button = url(item.perkUrl);
	const image = url(item.perkImageUrl);
	for (const tag of html.match(/<[^>]*>/g) ?? []) {
		const ours =
			allowed.has(tag) ||
			(button !== undefined && tag === `<a href="${button}">`) ||
			(image !== undefined &&
				tag.startsWith(`<img src="${image}" alt="`) &&
				/^<img src="[^"]*" alt="[^"]*">$/.test(tag));
		expect({ tag, ours }).toEqual({ tag, ours: true });
	}
	expect(html.replace(/<[^>]*>/g, '')).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
	expect(count(html, /<strong>/g)).toBeLessThanOrEqual(count(baseline, /<strong>/g));
	expect(count(html, /<a /g)).toBeLessThanOrEqual(count(baseline, /<a /g));
	// The title and our bold still render.
	expect(count(html, /<strong>/g)).toBeGreaterThan(1);
	expect(() => validateTeamsMessage(html)).not.toThrow();
}

describe('property: hostile data in every field of every default message stays literal', () => {
	const ROUNDS = 16;
	const cases: Array<[PerksEventType, Audience, string, number]> = [];
	for (const type of PERKS_EVENT_TYPES)
		for (const audience of AUDIENCES)
			for (const locale of LOCALES)
				for (let round = 0; round < ROUNDS; round++) cases.push([type, audience, locale, round]);

	it(`${cases.length} seeded cases × Slack and Teams`, () => {
		const seen = new Set<string>();
		for (const [type, audience, locale] of cases) {
			const item = hostileItem(type);
			const doc = buildEventMessage(item, audience, locale);
			const benign = buildEventMessage(benignItem(item), audience, locale);
			const slack = renderSlack(doc);
			const teams = renderTeamsHtml(doc).content;
			checkSlack(slack, renderSlack(benign));
			checkTeams(teams, renderTeamsHtml(benign).content, item);
			const all = JSON.stringify(slack) + teams;
			for (const sign of [
				'&lt;!channel&gt;',
				'&lt;https://evil.example',
				'∗bold∗',
				'&lt;script&gt;',
			])
				if (all.includes(sign)) seen.add(sign);
		}
		// The generator does put the attacks in (otherwise this would prove little).
		expect(seen.size).toBe(4);
	});
});

describe('explicit hostile values', () => {
	const slackOf = (item: Record<string, unknown>, audience: Audience = 'channel') =>
		renderSlack(buildEventMessage(item, audience, 'en'));
	const teamsOf = (item: Record<string, unknown>, audience: Audience = 'channel') =>
		renderTeamsHtml(buildEventMessage(item, audience, 'en')).content;

	it('a perk named "Spa <!channel>" notifies nobody, in the notification text either', () => {
		const { text, blocks } = slackOf({ ...items['perk.redeemed'], perkName: 'Spa <!channel>' });
		expect(text).toBe('🎉 Ada Lovelace redeemed Spa &lt;!channel&gt;!');
		expect(blocks[1]).toMatchObject({
			text: {
				type: 'mrkdwn',
				text: '🎉 Ada Lovelace redeemed *Spa &lt;!channel&gt;*!',
				verbatim: true,
			},
		});
		expect(blocks[0]).toMatchObject({
			text: { type: 'plain_text', text: 'A perk was just redeemed' },
		});
	});

	it.each(['<!here>', '<!everyone>', '<@U123>', '<#C1>', '<!subteam^S1>'])(
		'an employee named %s mentions nobody',
		(name) => {
			const message = slackOf({ ...items['wallet.funded'], employeeName: name });
			for (const t of slackTexts(message).filter((x) => x.parsed))
				expect(t.text).not.toContain('<');
			expect(message.text).toContain(name.replace('<', '&lt;').replace('>', '&gt;'));
		},
	);

	it('a disguised link in a perk name, description or category is text on both platforms', () => {
		const link = '<https://evil.example|perks.acme.com/claim>';
		const item = {
			...items['catalog.perk_added'],
			perkName: `Claim ${link}`,
			perkDescription: link,
			perkCategory: link,
		};
		const message = slackOf(item);
		const slack = JSON.stringify(slackTexts(message).filter((t) => t.parsed));
		expect(slack).not.toContain('<https://evil.example');
		expect(slack).toContain('&lt;https://evil.example|perks.acme.com/claim&gt;');
		const teams = teamsOf(item);
		expect(teams).not.toContain('href="https://evil.example');
		expect(teams).toContain('Claim &lt;https://evil.example|perks.acme.com/claim&gt;');
	});

	it('formatting characters in data are shown, not applied, while our bold stays bold', () => {
		const item = { ...items['perk.redeemed'], perkName: '*free* _spa_ ~day~ `now`' };
		const section = (slackOf(item).blocks[1] as { text: { text: string } }).text.text;
		expect(section).toBe('🎉 Ada Lovelace redeemed *∗free∗ ˍspaˍ ∼day∼ ˋnowˋ*!');
		expect(teamsOf(item)).toContain('redeemed <strong>*free* _spa_ ~day~ `now`</strong>!');
	});

	it('HTML in data never becomes a tag in Teams, and a quote in data never opens a Slack quote', () => {
		const item = {
			...items['catalog.perk_added'],
			perkDescription: '> quoted\n<a href="https://evil.example">claim</a><script>x</script>',
		};
		const teams = teamsOf(item);
		expect(teams).toContain(
			'<p>&gt; quoted<br>&lt;a href=&quot;https://evil.example&quot;&gt;claim&lt;/a&gt;&lt;script&gt;x&lt;/script&gt;</p>',
		);
		const slack = slackOf(item).blocks[1] as { text: { text: string } };
		expect(slack.text.text).toContain('\n\n\u00ad&gt; quoted\n&lt;a href=');
	});

	it('a hostile currency, period and reference stay literal in fields and context', () => {
		const item = {
			...items['perk.redeemed'],
			currency: '<!channel>',
			redemptionId: '<https://evil.example|red_1>',
		};
		const slack = slackOf(item, 'personal');
		const context = slack.blocks.at(-1) as { elements: Array<{ text: string }> };
		expect(context.elements[0].text).toBe(
			'Redemption reference: &lt;https://evil.example|red\u02cd1&gt;',
		);
		expect(JSON.stringify(slack)).not.toContain('<!channel>');
		const teams = teamsOf(item, 'personal');
		expect(teams).toContain('<em>Redemption reference: &lt;https://evil.example|red_1&gt;</em>');
		const category = teamsOf({ ...items['catalog.perk_added'], perkCategory: '*x* <b>y</b>' });
		expect(category).toContain('<li><strong>Category:</strong> *x* &lt;b&gt;y&lt;/b&gt;</li>');
	});

	it('md keeps values literal and refuses a value as a link target', () => {
		expect(String(md`Hi *${'<!here> *x*'}*`)).toBe('Hi *<!here> *x**');
		expect(md`Hi *${'*x*'}*`.tokens).toEqual([
			{ kind: 'text', text: 'Hi ' },
			{ kind: 'bold', text: '*x*' },
		]);
		expect(md`a ${'<https://evil.example|b>'} c`.tokens).toEqual([
			{ kind: 'text', text: 'a <https://evil.example|b> c' },
		]);
		expect(md`<${'https://evil.example'}|label>`.tokens).toEqual([
			{ kind: 'text', text: '<https://evil.example|label>' },
		]);
		expect(() => md`<https://perks.example.com/${'x'}|label>`).toThrow(/link URL/);
	});

	it('literal text helpers for chat answers', () => {
		expect(slackLiteral('5 <!here> *pts*')).toBe('5 &lt;!here&gt; ∗pts∗');
		expect(teamsActivityLiteral('5 <b>[x](https://e.example)</b> *p*')).toBe(
			'5 &#60;b&#62;&#91;x&#93;&#40;https://e.example&#41;&#60;/b&#62; &#42;p&#42;',
		);
	});
});
