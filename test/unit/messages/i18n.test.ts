import {
	formatAmount,
	formatNumber,
	formatPeriod,
	MESSAGE_STRINGS,
	resolveLocale,
	SUPPORTED_LOCALES,
} from '../../../nodes/shared/messages/i18n';

describe('resolveLocale', () => {
	it.each([
		['it-IT', 'it'],
		['pt-BR', 'pt'],
		['pt_PT', 'pt'],
		['ES', 'es'],
		[' en-GB ', 'en'],
		['fr', 'en'],
		['', 'en'],
		[undefined, 'en'],
		['xx-YY', 'en'],
	])('%p → %s', (input, expected) => {
		expect(resolveLocale(input)).toBe(expected);
	});
});

describe('numbers', () => {
	it('groups thousands the way each language does, four digits included', () => {
		expect(formatNumber(1250, 'en')).toBe('1,250');
		expect(formatNumber(1250, 'es')).toBe('1.250');
		expect(formatNumber(1250, 'it')).toBe('1.250');
		expect(formatNumber(1250, 'pt')).toBe('1.250');
		expect(formatNumber(1234567.5, 'it')).toBe('1.234.567,5');
		expect(formatNumber(0.125, 'en')).toBe('0.13');
	});

	it('translates points, singular and plural', () => {
		expect(formatAmount(1, 'points', 'en')).toBe('1 point');
		expect(formatAmount(1250, 'points', 'en')).toBe('1,250 points');
		expect(formatAmount(1, 'points', 'es')).toBe('1 punto');
		expect(formatAmount(2, 'points', 'es')).toBe('2 puntos');
		expect(formatAmount(1, 'points', 'it')).toBe('1 punto');
		expect(formatAmount(40, 'points', 'it')).toBe('40 punti');
		expect(formatAmount(1, 'points', 'pt')).toBe('1 ponto');
		expect(formatAmount(0, 'points', 'pt')).toBe('0 pontos');
		expect(formatAmount(5, undefined, 'en')).toBe('5 points');
		expect(formatAmount(5, 'Points', 'en')).toBe('5 points');
	});

	it('uses the currency style for ISO codes and keeps other units', () => {
		expect(formatAmount(1250, 'EUR', 'en')).toBe('€1,250.00');
		expect(formatAmount(1250, 'EUR', 'pt')).toMatch(/^€\s1\.250,00$/);
		expect(formatAmount(3, 'credits', 'es')).toBe('3 credits');
	});

	it('writes a YYYY-MM period as a month, and keeps anything else', () => {
		expect(formatPeriod('2026-11', 'en')).toBe('November 2026');
		expect(formatPeriod('2026-11', 'es')).toBe('noviembre de 2026');
		expect(formatPeriod('2026-01', 'it')).toBe('gennaio 2026');
		expect(formatPeriod('2026-12', 'pt')).toBe('dezembro de 2026');
		expect(formatPeriod('2026-13', 'en')).toBe('2026-13');
		expect(formatPeriod('Q4 2026', 'en')).toBe('Q4 2026');
	});
});

describe('strings', () => {
	it('has every string in every language (same shape as English)', () => {
		const shape = (value: unknown): unknown =>
			typeof value === 'object' && value !== null
				? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
				: typeof value;
		for (const locale of SUPPORTED_LOCALES)
			expect(shape(MESSAGE_STRINGS[locale])).toEqual(shape(MESSAGE_STRINGS.en));
	});

	it('translates, not copies, the English wording', () => {
		for (const locale of ['es', 'it', 'pt'] as const) {
			expect(MESSAGE_STRINGS[locale].viewPerk).not.toBe(MESSAGE_STRINGS.en.viewPerk);
			expect(MESSAGE_STRINGS[locale].lowBalance.personalTitle).not.toBe(
				MESSAGE_STRINGS.en.lowBalance.personalTitle,
			);
		}
	});
});
