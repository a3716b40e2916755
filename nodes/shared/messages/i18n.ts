/**
 * Every default message's wording in English, Spanish, Italian and Portuguese, plus locale-aware
 * numbers. Sentences are whole functions (not fragments glued together) so each language keeps
 * its own word order. Body sentences are `md` templates: their `*…*` is our bold, and every
 * value put in them stays literal text. Titles, labels and context lines are plain text.
 */
import { md, type Markdown } from './markdown';

export type Locale = 'en' | 'es' | 'it' | 'pt';

export const SUPPORTED_LOCALES: readonly Locale[] = ['en', 'es', 'it', 'pt'];

/** 'it-IT' → 'it', 'pt_BR' → 'pt'; anything else (or nothing) → 'en'. */
export function resolveLocale(locale?: string): Locale {
	const language = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0];
	return (SUPPORTED_LOCALES as readonly string[]).includes(language) ? (language as Locale) : 'en';
}

/**
 * Grouping always on: CLDR leaves 4-digit numbers ungrouped in es/it ("1250"), we want "1.250".
 * ('always' is ES2023 Intl, in Node.js since 19; our TypeScript lib only types a boolean.)
 */
const ALWAYS_GROUP = { useGrouping: 'always' } as unknown as Intl.NumberFormatOptions;

/**
 * Intl formatters, built once per locale (and currency): building one costs about a millisecond of
 * CPU, which every DM paid twice on n8n's one main thread.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function formatter<F extends Intl.NumberFormat | Intl.DateTimeFormat>(
	key: string,
	make: () => F,
): F {
	let made = formatters.get(key) as F | undefined;
	if (!made) {
		made = make();
		// Bounded by locales × ISO currency codes; cleared if something unforeseen fills it.
		if (formatters.size >= 1_000) formatters.clear();
		formatters.set(key, made);
	}
	return made;
}

export function formatNumber(value: number, locale: Locale): string {
	return formatter(
		`number ${locale}`,
		() => new Intl.NumberFormat(locale, { ...ALWAYS_GROUP, maximumFractionDigits: 2 }),
	).format(value);
}

/**
 * "1 point", "1.250 puntos", "40 punti"; an ISO currency code ("EUR") uses the locale's currency
 * style; any other unit name is kept as the platform sent it.
 */
export function formatAmount(value: number, currency: string | undefined, locale: Locale): string {
	const unit = (currency ?? '').trim();
	if (unit === '' || /^points?$/i.test(unit)) {
		const strings = MESSAGE_STRINGS[locale];
		return `${formatNumber(value, locale)} ${Math.abs(value) === 1 ? strings.pointOne : strings.pointOther}`;
	}
	if (/^[A-Z]{3}$/.test(unit)) {
		return formatter(
			`currency ${locale} ${unit}`,
			() => new Intl.NumberFormat(locale, { ...ALWAYS_GROUP, style: 'currency', currency: unit }),
		).format(value);
	}
	return `${formatNumber(value, locale)} ${unit}`;
}

/** "2026-11" → "November 2026" / "noviembre de 2026"; other period labels are kept as they are. */
export function formatPeriod(period: string, locale: Locale): string {
	const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period.trim());
	if (!match) return period;
	const date = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
	return formatter(
		`month ${locale}`,
		() => new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }),
	).format(date);
}

export interface MessageStrings {
	pointOne: string;
	pointOther: string;
	labels: { cost: string; category: string };
	viewPerk: string;
	greeting: (firstName: string) => Markdown;
	walletFunded: {
		personalTitle: string;
		personal: (p: { amount: string; balance: string; period?: string }) => Markdown;
		personalOutro: string;
		channelTitle: string;
		channel: (p: { name: string; amount: string; period?: string }) => Markdown;
		context: (period: string) => string;
	};
	perkRedeemed: {
		personalTitle: string;
		personal: (p: { perk: string; cost?: string }) => Markdown;
		newBalance: (balance: string) => Markdown;
		channelTitle: string;
		channel: (p: { name: string; perk: string }) => Markdown;
		reference: (redemptionId: string) => string;
	};
	lowBalance: {
		personalTitle: string;
		personal: (p: { balance: string; threshold: string }) => Markdown;
		personalOutro: string;
		channelTitle: string;
		channel: (p: { name: string; balance: string; threshold: string }) => Markdown;
	};
	perkAdded: {
		personalTitle: (perk: string) => string;
		personal: (perk: string) => Markdown;
		channelTitle: (perk: string) => string;
		channel: (perk: string) => Markdown;
	};
	/** Answers to a balance question asked in chat: plain text, which each platform shows literally. */
	chat: {
		balance: (p: { balance: string; threshold?: string }) => string;
		help: string;
		notMapped: string;
		/** The chat account cannot prove who it is (guest, other organisation, unconfirmed or shared email). */
		notIdentified: string;
		/** A "Show my balance" button clicked by someone other than the message's recipient. */
		notForYou: string;
		/** The button's label. */
		showBalance: string;
	};
}

const en: MessageStrings = {
	pointOne: 'point',
	pointOther: 'points',
	labels: { cost: 'Cost', category: 'Category' },
	viewPerk: 'View perk',
	greeting: (name) => md`Hi ${name}! 👋`,
	walletFunded: {
		personalTitle: 'Your perks wallet was topped up 🎉',
		personal: ({ amount, balance, period }) =>
			md`You received *${amount}*${period ? ` for ${period}` : ''}; your balance is *${balance}*.`,
		personalOutro: 'Have fun picking your next perk! 🎁',
		channelTitle: 'Perks wallet topped up',
		channel: ({ name, amount, period }) =>
			md`💰 *${name}* received *${amount}*${period ? ` for ${period}` : ''}.`,
		context: (period) => `Balance updated for ${period}`,
	},
	perkRedeemed: {
		personalTitle: 'Enjoy your perk! 🎉',
		personal: ({ perk, cost }) => md`You redeemed *${perk}*${cost ? ` for ${cost}` : ''}.`,
		newBalance: (balance) => md`Your balance is now *${balance}*.`,
		channelTitle: 'A perk was just redeemed',
		channel: ({ name, perk }) => md`🎉 ${name} redeemed *${perk}*!`,
		reference: (id) => `Redemption reference: ${id}`,
	},
	lowBalance: {
		personalTitle: 'Your perks balance is running low',
		personal: ({ balance, threshold }) =>
			md`Just a friendly heads-up: your perks balance is down to *${balance}* (your alert is set at ${threshold}).`,
		personalOutro: 'Nothing to do right now, just keep it in mind when you pick your next perk.',
		channelTitle: 'Low perks balance',
		channel: ({ name, balance, threshold }) =>
			md`*${name}* is down to *${balance}*, below the alert threshold of ${threshold}.`,
	},
	perkAdded: {
		personalTitle: (perk) => `✨ A new perk for you: ${perk}`,
		personal: (perk) => md`There's a new perk waiting for you in the catalog: *${perk}*.`,
		channelTitle: (perk) => `✨ New perk: ${perk}`,
		channel: (perk) => md`A new perk just landed in the catalog: *${perk}*!`,
	},
	chat: {
		balance: ({ balance, threshold }) =>
			`You have ${balance} in your perks wallet.${threshold ? ` That is below your alert of ${threshold}.` : ''}`,
		help: 'Ask me "balance" or "how many points do I have?" and I will tell you your perks balance.',
		notMapped:
			'I could not find your perks account from your chat email. Ask your perks admin to add you to the Manual Mappings with your perks email.',
		notIdentified:
			'I cannot tell which perks account is yours from this chat account (a guest or external account, or an email that is unconfirmed or shared). Ask from your company account, or ask your perks admin to add your chat user ID to the Manual Mappings.',
		notForYou:
			'This button is not for you: it shows the balance of the person the message was sent to. Ask me "balance" for yours.',
		showBalance: 'Show my balance',
	},
};

const es: MessageStrings = {
	pointOne: 'punto',
	pointOther: 'puntos',
	labels: { cost: 'Precio', category: 'Categoría' },
	viewPerk: 'Ver beneficio',
	greeting: (name) => md`¡Hola, ${name}! 👋`,
	walletFunded: {
		personalTitle: '¡Tu saldo de beneficios se ha recargado! 🎉',
		personal: ({ amount, balance, period }) =>
			md`Has recibido *${amount}*${period ? ` de la asignación de ${period}` : ''}; tu saldo es ahora de *${balance}*.`,
		personalOutro: '¡Disfruta eligiendo tu próximo beneficio! 🎁',
		channelTitle: 'Saldo de beneficios recargado',
		channel: ({ name, amount, period }) =>
			md`💰 *${name}* ha recibido *${amount}*${period ? ` de la asignación de ${period}` : ''}.`,
		context: (period) => `Saldo actualizado: ${period}`,
	},
	perkRedeemed: {
		personalTitle: '¡Disfruta de tu beneficio! 🎉',
		personal: ({ perk, cost }) => md`Has canjeado *${perk}*${cost ? ` por ${cost}` : ''}.`,
		newBalance: (balance) => md`Tu saldo ahora es de *${balance}*.`,
		channelTitle: 'Alguien acaba de canjear un beneficio',
		channel: ({ name, perk }) => md`🎉 ¡${name} ha canjeado *${perk}*!`,
		reference: (id) => `Referencia del canje: ${id}`,
	},
	lowBalance: {
		personalTitle: 'Tu saldo de beneficios se está agotando',
		personal: ({ balance, threshold }) =>
			md`Solo un aviso amistoso: tu saldo de beneficios ha bajado a *${balance}* (tu aviso está configurado en ${threshold}).`,
		personalOutro:
			'No tienes que hacer nada ahora; solo tenlo en cuenta al elegir tu próximo beneficio.',
		channelTitle: 'Saldo de beneficios bajo',
		channel: ({ name, balance, threshold }) =>
			md`El saldo de *${name}* ha bajado a *${balance}*, por debajo del umbral de aviso de ${threshold}.`,
	},
	perkAdded: {
		personalTitle: (perk) => `✨ Un nuevo beneficio para ti: ${perk}`,
		personal: (perk) => md`Tienes un nuevo beneficio esperándote en el catálogo: *${perk}*.`,
		channelTitle: (perk) => `✨ Nuevo beneficio: ${perk}`,
		channel: (perk) => md`¡Acaba de llegar un nuevo beneficio al catálogo: *${perk}*!`,
	},
	chat: {
		balance: ({ balance, threshold }) =>
			`Tienes ${balance} en tu saldo de beneficios.${threshold ? ` Está por debajo de tu aviso de ${threshold}.` : ''}`,
		help: 'Pregúntame "saldo" o "¿cuántos puntos tengo?" y te diré tu saldo de beneficios.',
		notMapped:
			'No encuentro tu cuenta de beneficios con tu email del chat. Pide a tu administrador de beneficios que te añada a las asignaciones manuales con tu email de beneficios.',
		notIdentified:
			'No puedo saber qué cuenta de beneficios es la tuya desde esta cuenta del chat (una cuenta invitada o externa, o un email sin confirmar o compartido). Pregunta desde tu cuenta de la empresa, o pide a tu administrador de beneficios que añada tu ID de usuario del chat a las asignaciones manuales.',
		notForYou:
			'Este botón no es para ti: muestra el saldo de la persona a quien se envió el mensaje. Pregúntame "saldo" para ver el tuyo.',
		showBalance: 'Ver mi saldo',
	},
};

const it: MessageStrings = {
	pointOne: 'punto',
	pointOther: 'punti',
	labels: { cost: 'Costo', category: 'Categoria' },
	viewPerk: 'Scopri il benefit',
	greeting: (name) => md`Ciao ${name}! 👋`,
	walletFunded: {
		personalTitle: 'Il tuo portafoglio benefit è stato ricaricato 🎉',
		personal: ({ amount, balance, period }) =>
			md`Hai ricevuto *${amount}*${period ? ` per ${period}` : ''}: il tuo saldo ora è di *${balance}*.`,
		personalOutro: 'Divertiti a scegliere il tuo prossimo benefit! 🎁',
		channelTitle: 'Portafoglio benefit ricaricato',
		channel: ({ name, amount, period }) =>
			md`💰 *${name}* ha ricevuto *${amount}*${period ? ` per ${period}` : ''}.`,
		context: (period) => `Saldo aggiornato per ${period}`,
	},
	perkRedeemed: {
		personalTitle: 'Goditi il tuo benefit! 🎉',
		personal: ({ perk, cost }) => md`Hai riscattato *${perk}*${cost ? ` per ${cost}` : ''}.`,
		newBalance: (balance) => md`Il tuo saldo ora è di *${balance}*.`,
		channelTitle: 'Un benefit è appena stato riscattato',
		channel: ({ name, perk }) => md`🎉 ${name} ha riscattato *${perk}*!`,
		reference: (id) => `Riferimento del riscatto: ${id}`,
	},
	lowBalance: {
		personalTitle: 'Il tuo saldo benefit si sta esaurendo',
		personal: ({ balance, threshold }) =>
			md`Solo un promemoria: il tuo saldo benefit è sceso a *${balance}* (la tua soglia di avviso è ${threshold}).`,
		personalOutro:
			'Per ora non devi fare nulla: tienilo a mente quando scegli il prossimo benefit.',
		channelTitle: 'Saldo benefit basso',
		channel: ({ name, balance, threshold }) =>
			md`Il saldo di *${name}* è sceso a *${balance}*, sotto la soglia di avviso di ${threshold}.`,
	},
	perkAdded: {
		personalTitle: (perk) => `✨ Un nuovo benefit per te: ${perk}`,
		personal: (perk) => md`Nel catalogo ti aspetta un nuovo benefit: *${perk}*.`,
		channelTitle: (perk) => `✨ Nuovo benefit: ${perk}`,
		channel: (perk) => md`Nel catalogo è appena arrivato un nuovo benefit: *${perk}*!`,
	},
	chat: {
		balance: ({ balance, threshold }) =>
			`Hai ${balance} nel tuo portafoglio benefit.${threshold ? ` È sotto la tua soglia di avviso di ${threshold}.` : ''}`,
		help: 'Chiedimi "saldo" o "quanti punti ho?" e ti dirò il tuo saldo benefit.',
		notMapped:
			"Non trovo il tuo account benefit con la tua email della chat. Chiedi all'amministratore dei benefit di aggiungerti alle mappature manuali con la tua email benefit.",
		notIdentified:
			"Non posso capire quale account benefit è il tuo da questo account della chat (un account ospite o esterno, o un'email non confermata o condivisa). Scrivi dal tuo account aziendale, o chiedi all'amministratore dei benefit di aggiungere il tuo ID utente della chat alle mappature manuali.",
		notForYou:
			'Questo pulsante non è per te: mostra il saldo della persona a cui è stato inviato il messaggio. Chiedimi "saldo" per il tuo.',
		showBalance: 'Mostra il mio saldo',
	},
};

const pt: MessageStrings = {
	pointOne: 'ponto',
	pointOther: 'pontos',
	labels: { cost: 'Custo', category: 'Categoria' },
	viewPerk: 'Ver benefício',
	greeting: (name) => md`Olá, ${name}! 👋`,
	walletFunded: {
		personalTitle: 'Sua carteira de benefícios foi recarregada 🎉',
		personal: ({ amount, balance, period }) =>
			md`Você recebeu *${amount}*${period ? ` referente a ${period}` : ''}; seu saldo agora é de *${balance}*.`,
		personalOutro: 'Aproveite para escolher seu próximo benefício! 🎁',
		channelTitle: 'Carteira de benefícios recarregada',
		channel: ({ name, amount, period }) =>
			md`💰 *${name}* recebeu *${amount}*${period ? ` referente a ${period}` : ''}.`,
		context: (period) => `Saldo atualizado: ${period}`,
	},
	perkRedeemed: {
		personalTitle: 'Aproveite seu benefício! 🎉',
		personal: ({ perk, cost }) => md`Você resgatou *${perk}*${cost ? ` por ${cost}` : ''}.`,
		newBalance: (balance) => md`Seu saldo agora é de *${balance}*.`,
		channelTitle: 'Um benefício acabou de ser resgatado',
		channel: ({ name, perk }) => md`🎉 ${name} resgatou *${perk}*!`,
		reference: (id) => `Código do resgate: ${id}`,
	},
	lowBalance: {
		personalTitle: 'Seu saldo de benefícios está acabando',
		personal: ({ balance, threshold }) =>
			md`Só um lembrete: seu saldo de benefícios está em *${balance}* (seu alerta está configurado para ${threshold}).`,
		personalOutro:
			'Não precisa fazer nada agora; é só ter isso em mente ao escolher seu próximo benefício.',
		channelTitle: 'Saldo de benefícios baixo',
		channel: ({ name, balance, threshold }) =>
			md`O saldo de *${name}* está em *${balance}*, abaixo do limite de alerta de ${threshold}.`,
	},
	perkAdded: {
		personalTitle: (perk) => `✨ Um novo benefício para você: ${perk}`,
		personal: (perk) => md`Tem um benefício novo esperando por você no catálogo: *${perk}*.`,
		channelTitle: (perk) => `✨ Novo benefício: ${perk}`,
		channel: (perk) => md`Acabou de chegar um benefício novo no catálogo: *${perk}*!`,
	},
	chat: {
		balance: ({ balance, threshold }) =>
			`Você tem ${balance} na sua carteira de benefícios.${threshold ? ` Está abaixo do seu alerta de ${threshold}.` : ''}`,
		help: 'Pergunte "saldo" ou "quantos pontos eu tenho?" e eu digo seu saldo de benefícios.',
		notMapped:
			'Não encontrei sua conta de benefícios pelo seu email do chat. Peça ao administrador de benefícios para incluir você nos mapeamentos manuais com seu email de benefícios.',
		notIdentified:
			'Não consigo saber qual conta de benefícios é sua a partir desta conta do chat (uma conta convidada ou externa, ou um email não confirmado ou compartilhado). Pergunte pela sua conta da empresa, ou peça ao administrador de benefícios para incluir seu ID de usuário do chat nos mapeamentos manuais.',
		notForYou:
			'Este botão não é para você: ele mostra o saldo da pessoa a quem a mensagem foi enviada. Pergunte-me "saldo" para ver o seu.',
		showBalance: 'Ver meu saldo',
	},
};

export const MESSAGE_STRINGS: Readonly<Record<Locale, MessageStrings>> = { en, es, it, pt };
