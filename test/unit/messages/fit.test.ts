/**
 * Default messages fit every platform limit for any valid event: long fields are shortened with
 * "…" after escaping, never refused (a refused default message is a lost event).
 */
import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import type { Audience } from '../../../nodes/shared/messages/MessageDoc';
import {
	renderSlack,
	SLACK_LIMITS,
	validateSlackMessage,
	type SlackMessage,
} from '../../../nodes/shared/chat/slack/render';
import {
	renderTeamsHtml,
	TEAMS_MESSAGE_MAX_BYTES,
	validateTeamsMessage,
} from '../../../nodes/shared/chat/teams/render';
import {
	PERKS_EVENT_TYPES,
	parsePerksEvent,
	type PerksEventType,
} from '../../../nodes/shared/perks/contract';
import { flattenEvent } from '../../../nodes/shared/perks/flatten';
import { items } from './fixtures';
import { random } from './random';

const LANGUAGES = ['en', 'es', 'it', 'pt'];
const AUDIENCES: Audience[] = ['personal', 'channel'];

/** Every text of a Slack message: mrkdwn (escaped) or plain (header, alt text, button: as is). */
function slackParts({ blocks }: SlackMessage): Array<{ text: string; mrkdwn: boolean }> {
	const plain = (text: string) => ({ text, mrkdwn: false });
	const mrkdwn = (text: string) => ({ text, mrkdwn: true });
	return blocks.flatMap((block) => {
		if (block.type === 'header') return [plain(block.text.text)];
		if (block.type === 'section')
			return [
				mrkdwn(block.text?.text ?? ''),
				...(block.fields ?? []).map((field) => mrkdwn(field.text)),
			];
		if (block.type === 'context') return block.elements.map((element) => mrkdwn(element.text));
		if (block.type === 'image') return [plain(block.alt_text)];
		return block.elements.map((element) => plain(element.text.text));
	});
}

const slackTexts = (message: SlackMessage): string[] => slackParts(message).map(({ text }) => text);

/** Rendered for both platforms, both must pass their validators; returns both for more checks. */
function renderBoth(item: Record<string, unknown>, audience: Audience, language: string) {
	const doc = buildEventMessage(item, audience, language);
	const slack = renderSlack(doc);
	const teams = renderTeamsHtml(doc).content;
	expect(() => validateSlackMessage(slack)).not.toThrow();
	expect(() => validateTeamsMessage(teams)).not.toThrow();
	// Cut between escapes, never inside one.
	for (const { text } of slackParts(slack).filter((part) => part.mrkdwn))
		expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
	expect(teams.replace(/<[^>]*>/g, '')).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
	return { slack, teams };
}

describe('default messages for events with long fields', () => {
	const longPerk = {
		...items['catalog.perk_added'],
		perkName: `The ${'very '.repeat(400)}long perk`,
		perkDescription: 'A relaxing day at the spa. '.repeat(150),
		perkCategory: 'Wellness & <care> '.repeat(120),
	};

	it.each(AUDIENCES)(
		'a perk with a 4,000-character description, long name and category (%s)',
		(audience) => {
			const { slack, teams } = renderBoth(longPerk, audience, 'en');
			const header = slack.blocks[0] as { text: { text: string } };
			expect(header.text.text).toHaveLength(SLACK_LIMITS.headerText);
			expect(header.text.text.endsWith('…')).toBe(true);
			const description = slackTexts(slack).find((text) => text.includes('A relaxing day'));
			expect(description?.endsWith('…')).toBe(true);
			const category = (
				slack.blocks.find((block) => block.type === 'section' && block.fields) as {
					fields: Array<{ text: string }>;
				}
			).fields[1].text;
			expect(category.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
			expect(category).toMatch(/^\*Category\*\nWellness &amp; &lt;care&gt; .*…$/s);
			// The image and the link stay: only text is shortened.
			expect(slack.blocks.map((block) => block.type)).toEqual(
				expect.arrayContaining(['image', 'actions']),
			);
			expect(teams).toContain('<img src="https://cdn.example.com/spa.png"');
			expect(teams).toContain('…');
		},
	);

	it('hundreds of & and < that grow fivefold when escaped', () => {
		const item = {
			...items['catalog.perk_added'],
			perkDescription: '&<'.repeat(800),
			perkName: '&'.repeat(400),
		};
		const { slack, teams } = renderBoth(item, 'channel', 'es');
		const section = slackTexts(slack).find((text) => text.startsWith('&amp;&lt;'));
		expect(section).toMatch(/^(&amp;&lt;)+(&amp;)?…$/);
		expect(section!.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
		expect(Buffer.byteLength(teams)).toBeLessThanOrEqual(TEAMS_MESSAGE_MAX_BYTES);
	});

	it('long employee names in every event and language, and a long redemption id', () => {
		const name = `Maria ${'de los Ángeles '.repeat(300)}`;
		for (const type of PERKS_EVENT_TYPES) {
			const item = { ...items[type], employeeName: name, redemptionId: `red_${'9'.repeat(5_000)}` };
			for (const language of LANGUAGES)
				for (const audience of AUDIENCES) renderBoth(item, audience, language);
		}
	});

	it('cuts between graphemes: an emoji family is kept whole or left out', () => {
		const family = '👨‍👩‍👧‍👦';
		const item = { ...items['catalog.perk_added'], perkName: family.repeat(100) };
		const { slack } = renderBoth(item, 'channel', 'en');
		const header = (slack.blocks[0] as { text: { text: string } }).text.text;
		expect(header.replace(/^✨ New perk: /, '')).toMatch(new RegExp(`^(${family})+…$`, 'u'));
	});

	it('leaves out an image or link whose URL is over 3,000 characters, keeping the message', () => {
		const long = `https://cdn.example.com/${'a'.repeat(3_000)}.png`;
		const item = { ...items['catalog.perk_added'], perkImageUrl: long, perkUrl: long };
		const { slack, teams } = renderBoth(item, 'channel', 'en');
		expect(slack.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section']);
		expect(teams).not.toContain(long);
	});

	it('javascript: and other non-web URLs never become links or images, and link syntax in data stays text', () => {
		for (const url of [
			'javascript:alert(1)',
			'JavaScript:alert(1)',
			'data:text/html,x',
			'vbscript:x',
			'/relative',
			'http:foo',
		]) {
			const item = {
				...items['catalog.perk_added'],
				perkUrl: url,
				perkImageUrl: url,
				perkDescription: `<${url}|click> and <https://ok.example.com|fine>`,
			};
			const { slack, teams } = renderBoth(item, 'channel', 'en');
			expect(slack.blocks.map((block) => block.type)).not.toContain('image');
			expect(slack.blocks.map((block) => block.type)).not.toContain('actions');
			for (const text of slackTexts(slack)) expect(text).not.toContain(`<${url}`);
			// Only our own wording makes links: the description's link syntax is text.
			expect(slackTexts(slack).join()).toContain('&lt;https://ok.example.com|fine&gt;');
			expect(slackTexts(slack).join()).not.toContain('<https://ok.example.com');
			expect(teams).not.toMatch(/href=|src=/);
			expect(teams).toContain('&lt;https://ok.example.com|fine&gt;');
		}
	});
});

const ALPHABETS = [
	'abcdefghijklmnopqrstuvwxyz ',
	'áéíóúñçãõàèìòùâêô ',
	'日本語の長い説明文中文한국어 ',
	'العربية עברית ',
	'Ελληνικά Русский ',
	'&<>"\'*|_~`\n',
	'👍🎉✨💰🏖️👨‍👩‍👧‍👦🇮🇹',
];

describe('property: any valid event, any language, long and odd fields', () => {
	const rng = random(20261101);
	const text = (maxLength: number): string => {
		const length = rng.next() < 0.3 ? rng.int(maxLength) : rng.int(80) + 1;
		const alphabet = Array.from(rng.pick(ALPHABETS));
		const mixed = Array.from(rng.pick(ALPHABETS));
		let result = '';
		while (result.length < length)
			result += rng.next() < 0.9 ? rng.pick(alphabet) : rng.pick(mixed);
		return result.trim() === '' ? 'x' : result;
	};
	const url = (): unknown =>
		rng.pick([
			undefined,
			null,
			'',
			'/relative/path',
			'javascript:alert(1)',
			'https://cdn.example.com/perk.png',
			`https://cdn.example.com/${'p'.repeat(rng.int(4_000))}?q=${encodeURIComponent(text(200))}`,
		]);

	function randomEvent(type: PerksEventType): Record<string, unknown> {
		const employee = {
			id: `emp_${rng.int(1e6)}`,
			email: rng.pick([
				'ada@example.com',
				' josé@bücher.example ',
				'用户@例子.广告',
				'a@xn--bcher-kva.example',
			]),
			name: text(3_000),
			locale: rng.pick(['en', 'es', 'it', 'pt', 'pt_BR', 'ja', 'xx']),
			active: true,
		};
		const perk = {
			id: `perk_${rng.int(1e6)}`,
			name: text(2_000),
			description: rng.next() < 0.2 ? null : text(40_000),
			cost: rng.pick([0, 1, 40, 1_250, 123_456_789.5]),
			currency: rng.pick(['points', 'EUR', text(50)]),
			category: text(2_500),
			url: url(),
			image_url: url(),
		};
		const amount = rng.pick([1, 100, 99_999_999]);
		const data: Record<PerksEventType, Record<string, unknown>> = {
			'wallet.funded': {
				employee,
				amount,
				balance: amount * 2,
				currency: 'points',
				period: rng.pick(['2026-11', text(500)]),
			},
			'perk.redeemed': {
				employee,
				perk,
				redemption_id: `red_${text(500)}`,
				balance: 5,
				currency: 'points',
			},
			'wallet.low_balance': { employee, balance: 1, threshold: 20, currency: 'points' },
			'catalog.perk_added': { perk },
		};
		const parsed = parsePerksEvent({
			id: 'evt_p',
			type,
			created_at: '2026-11-01 10:00:00.5+02',
			data: data[type],
		});
		if (parsed.kind !== 'event')
			throw new Error(`generator made an invalid event: ${JSON.stringify(parsed)}`);
		return flattenEvent(parsed.event);
	}

	it('renders 400 random events within every Slack limit and Teams size', () => {
		let shortened = 0;
		for (let run = 0; run < 400; run++) {
			const type = PERKS_EVENT_TYPES[run % PERKS_EVENT_TYPES.length];
			const item = randomEvent(type);
			const language = rng.pick([...LANGUAGES, undefined]);
			for (const audience of AUDIENCES) {
				const { slack, teams } = renderBoth(item, audience, language as string);
				if (slackTexts(slack).some((t) => t.endsWith('…')) || teams.includes('…')) shortened++;
			}
		}
		// The generator does reach the limits (otherwise this test would prove little).
		expect(shortened).toBeGreaterThan(50);
	});
});
