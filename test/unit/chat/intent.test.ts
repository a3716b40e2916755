// The registry adds the built-in platforms' mention scanners that normalizeQuestion cuts.
import '../../../nodes/shared/chat/platforms';
import { normalizeQuestion, parseQuestion } from '../../../nodes/shared/chat/intent';

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
});
