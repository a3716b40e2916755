/**
 * Chat text is attacker-sized (a Slack message is up to 40,000 characters, a request body up to
 * n8n's payload limit): reading it must cost time in proportion to its length. The regexes that
 * stripped mentions and tags rescanned the rest of the text from every `<`, so 100 KB of `<at>`
 * or `<@A|` took seconds; the scans that replace them must give the same results.
 */
// The registry adds the built-in platforms' mention scanners that normalizeQuestion cuts.
import '../../../nodes/shared/chat/platforms';
import { normalizeQuestion } from '../../../nodes/shared/chat/intent';
import { htmlToText } from '../../../nodes/shared/chat/teams/chatNotifications';

/** The replaced regexes, for comparing results on short texts only. */
const regexMarkup = (text: string) =>
	text
		.replace(/<at>.*?<\/at>/gi, ' ')
		.replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
		.replace(/<[^>]+>/g, ' ');
// With its markup gone, a text has nothing left for the scans: the rest of normalizeQuestion applies.
const regexNormalize = (text: string) => normalizeQuestion(regexMarkup(text));
const regexTags = (html: string) =>
	html.replace(/<(br|\/p|\/div)\b[^>]*>/gi, ' ').replace(/<[^>]*>/g, '');

const SIZE = 100_000;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const SHAPES: Record<string, string> = {
	'<at> without </at>': fill('<at>'),
	'<AT>x on lines': fill('<AT>x\n'),
	'<at> then one </at> at the end': `${fill('<at>\n')}</at>`,
	'<@A| without >': fill('<@A|'),
	'<@A without >': fill('<@A'),
	'<@ then a 100 KB id': `<@${'U'.repeat(SIZE)}`,
	'< without >': fill('<'),
	'<br without >': fill('<br'),
	'</div without >': fill('</div'),
	'<p>-wrapped words': fill('<p>saldo</p>'),
	'entities without ;': fill('&#x1&a'),
	'<> pairs': fill('<>'),
};

function timed(run: () => void): number {
	const started = process.hrtime.bigint();
	run();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Milliseconds: the best of three runs (the machine is shared), or the first when it is clearly slow. */
function cost(run: () => void): number {
	const first = timed(run);
	if (first < 50 || first > 1000) return first;
	return Math.min(first, timed(run), timed(run));
}

describe('chat text costs time in proportion to its length', () => {
	beforeAll(() => {
		// Warm up on small texts of every shape: the budget is for the scan, not for the JIT.
		for (const text of Object.values(SHAPES)) {
			normalizeQuestion(text.slice(0, 2000));
			htmlToText(text.slice(0, 2000));
		}
	});

	it.each(Object.entries(SHAPES))(
		'100 KB of %s: each reader under 50 ms',
		(_, text) => {
			expect(cost(() => normalizeQuestion(text))).toBeLessThan(50);
			expect(cost(() => htmlToText(text))).toBeLessThan(50);
		},
		60_000,
	);

	it('a 100 KB question still reads its words', () => {
		expect(normalizeQuestion(`${fill('<at>')}saldo`)).toBe('saldo');
		expect(normalizeQuestion(`<@U0BOT|perks> ${'x'.repeat(SIZE)} saldo`)).toMatch(/ saldo$/);
		expect(htmlToText(`${'<br'.repeat(1000)}>punti`)).toBe('punti');
	});
});

describe('the scans give what the regexes gave', () => {
	const ALPHABET = [
		'<',
		'>',
		'<at>',
		'</at>',
		'<AT>',
		'</At>',
		'<@',
		'U1',
		'a',
		'|',
		'\n',
		'\u2028',
	];
	const TAG_ALPHABET = ['<', '>', 'br', 'BR', '/p', '/div', '/divx', ' ', 'a', '_', '&', 'p'];
	let seed = 0x5eed;
	const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) / 2 ** 23;
	const random = (alphabet: string[]) =>
		Array.from(
			{ length: Math.floor(next() * 14) },
			() => alphabet[Math.floor(next() * alphabet.length)],
		).join('');

	it('normalizeQuestion on 5,000 random texts of mentions, tags and line breaks', () => {
		for (let i = 0; i < 5000; i++) {
			const text = random(ALPHABET);
			expect([text, normalizeQuestion(text)]).toEqual([text, regexNormalize(text)]);
		}
	});

	it('htmlToText tag removal on 5,000 random texts', () => {
		for (let i = 0; i < 5000; i++) {
			const html = random(TAG_ALPHABET);
			const expected = regexTags(html).replace(/\s+/g, ' ').trim();
			expect([html, htmlToText(html)]).toEqual([html, expected]);
		}
	});
});
