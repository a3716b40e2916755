// The registry adds the built-in platforms' mention scanners that normalizeQuestion cuts.
import { registerPlatform } from '../../../nodes/shared/chat/platforms';
import { normalizeQuestion, parseQuestion } from '../../../nodes/shared/chat/intent';
import { searcher, type MarkupFinder } from '../../../nodes/shared/chat/markupScan';
import type { PlatformEntry } from '../../../nodes/shared/chat/PlatformEntry';

describe('chat question parser', () => {
	it.each([
		['balance', 'balance', undefined],
		['How many points do I have?', 'balance', 'en'],
		['how many points do i have', 'balance', 'en'],
		["what's my balance??", 'balance', 'en'],
		['¿Cuántos puntos tengo?', 'balance', 'es'],
		['cuantos puntos tengo', 'balance', 'es'],
		['Quanti punti ho?', 'balance', 'it'],
		['quanti punti ho', 'balance', 'it'],
		['Quantos pontos eu tenho?', 'balance', 'pt'],
		['quantos pontos eu tenho', 'balance', 'pt'],
		['SALDO!', 'balance', undefined],
		['saldo', 'balance', undefined],
		['punti', 'balance', 'it'],
		['help', 'help', undefined],
		['ayuda', 'help', 'es'],
		['aiuto', 'help', 'it'],
		['ajuda', 'help', 'pt'],
		['', 'help', undefined],
		['hola', 'help', undefined],
	])('%j → %s, %s', (text, intent, language) => {
		expect(parseQuestion(text)).toEqual({ intent, language });
	});

	it('ignores the bot mention (Slack and Teams) and markup', () => {
		expect(normalizeQuestion('<@U0PERKSBOT> ¿Cuántos  PUNTOS tengo?')).toBe('cuantos puntos tengo');
		expect(normalizeQuestion('<at>Perks</at>&nbsp;<p>Quantos pontos?</p>')).toBe('quantos pontos');
		expect(parseQuestion('<at>Perks balance</at> aiuto')).toEqual({
			intent: 'help',
			language: 'it',
		});
	});

	// Last in this file: the platform stays registered.
	it("cuts a platform's own mentions once its entry is registered", () => {
		const braces: MarkupFinder = (text) => {
			const open = searcher(text, '{{@');
			const close = searcher(text, '}}');
			return (from) => {
				const start = open(from);
				const end = start === -1 ? -1 : close(start + 3);
				return end === -1 ? undefined : [start, end + 2];
			};
		};
		const question = '{{@Perks Bot}} quanti punti? <@U0PERKS>';
		expect(normalizeQuestion(question)).toBe('perks bot quanti punti');
		// Only the entry's name and mentions matter to the question parser.
		registerPlatform({ name: 'braces', mentions: { find: braces } } as unknown as PlatformEntry);
		expect(normalizeQuestion(question)).toBe('quanti punti');
		expect(normalizeQuestion('<at>Perks</at> {{@x}}saldo')).toBe('saldo');
	});
});
