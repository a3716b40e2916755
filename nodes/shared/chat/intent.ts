/**
 * What a chat question asks, and in which language, without AI: a few words per language,
 * compared without accents, case or punctuation. "saldo" is Spanish, Italian and Portuguese
 * alike, so a question made only of shared words has no language and the caller falls back to
 * the asker's perks locale.
 */
import type { Locale } from '../messages/i18n';
import { replaceSpans, tags } from './markupScan';
import { mentionFinders } from './mentions';

export type ChatIntent = 'balance' | 'help';

export interface ParsedQuestion {
	intent: ChatIntent;
	/** Undefined when no word tells the languages apart. */
	language?: Locale;
}

/** Words that make a question about the balance, in any of the four languages. */
const BALANCE_WORDS = new Set([
	'balance',
	'points',
	'point',
	'wallet',
	'saldo',
	'puntos',
	'punti',
	'pontos',
	'carteira',
	'portafoglio',
]);

/** Words only one of the four languages uses (accents already removed). */
const LANGUAGE_WORDS: Record<Locale, readonly string[]> = {
	// Not "balance" (Spanish too) nor "help": they are /perks subcommands, so they say nothing of the asker's language.
	en: ['points', 'point', 'wallet', 'how', 'many', 'have', 'what', 'my'],
	es: ['puntos', 'cuantos', 'cuanto', 'tengo', 'ayuda', 'cual', 'tienes'],
	it: ['punti', 'quanti', 'quanto', 'ho', 'aiuto', 'mio', 'portafoglio'],
	pt: ['pontos', 'quantos', 'eu', 'tenho', 'ajuda', 'meu', 'carteira', 'qual'],
};

/** Lower case, no accents, no mentions or markup, words separated by single spaces. */
export function normalizeQuestion(text: string): string {
	// Linear scans, not regexes: a question is attacker-sized text (see markupScan.ts). Every
	// registered platform's mentions, whatever the source: the same text reads the same everywhere.
	const withoutMarkup = [...mentionFinders(), tags({ nonEmpty: true })].reduce(
		(rest, finder) => replaceSpans(rest, finder, ' '),
		text,
	);
	return withoutMarkup
		.replace(/&nbsp;/g, ' ')
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

export function parseQuestion(text: string): ParsedQuestion {
	const words = normalizeQuestion(text).split(' ').filter(Boolean);
	const intent: ChatIntent = words.some((word) => BALANCE_WORDS.has(word)) ? 'balance' : 'help';
	return { intent, language: detectLanguage(words) };
}

function detectLanguage(words: string[]): Locale | undefined {
	let best: Locale | undefined;
	let bestScore = 0;
	let tie = false;
	for (const [locale, vocabulary] of Object.entries(LANGUAGE_WORDS) as Array<
		[Locale, readonly string[]]
	>) {
		const score = words.filter((word) => vocabulary.includes(word)).length;
		if (score > bestScore) {
			best = locale;
			bestScore = score;
			tie = false;
		} else if (score === bestScore && score > 0) {
			tie = true;
		}
	}
	return tie ? undefined : best;
}
