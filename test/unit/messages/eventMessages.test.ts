import {
	buildEventMessage,
	DEFAULT_MESSAGE_EVENTS,
	MessageBuildError,
} from '../../../nodes/shared/messages/eventMessages';
import type { Audience, MessageDoc } from '../../../nodes/shared/messages/MessageDoc';
import { renderSlack, validateSlackMessage } from '../../../nodes/shared/chat/slack/render';
import { renderTeamsHtml, validateTeamsMessage } from '../../../nodes/shared/chat/teams/render';
import type { PerksEventType } from '../../../nodes/shared/perks/contract';
import { items } from './fixtures';

type Locale = 'en' | 'es' | 'it' | 'pt';

/** What each rendered message must say: the translated phrase and the formatted numbers. */
const EXPECTED: Record<Locale, Record<PerksEventType, Record<Audience, string[]>>> = {
	en: {
		'wallet.funded': {
			personal: [
				'Hi Ada!',
				'You received *1,250 points* for November 2026',
				'your balance is *1,370 points*',
			],
			channel: ['*Ada Lovelace* received *1,250 points* for November 2026'],
		},
		'perk.redeemed': {
			personal: ['You redeemed *Spa day* for 1,250 points', 'Your balance is now *120 points*'],
			channel: ['🎉 Ada Lovelace redeemed *Spa day*!'],
		},
		'wallet.low_balance': {
			personal: ['your perks balance is down to *15 points*', 'your alert is set at 20 points'],
			channel: ['*Ada Lovelace* is down to *15 points*', 'alert threshold of 20 points'],
		},
		'catalog.perk_added': {
			personal: [
				'A new perk for you: Spa day',
				'A relaxing day at the spa',
				'1,250 points',
				'Wellness',
				'View perk',
			],
			channel: ['A new perk just landed in the catalog: *Spa day*!', '1,250 points', 'View perk'],
		},
	},
	es: {
		'wallet.funded': {
			personal: [
				'¡Hola, Ada!',
				'Has recibido *1.250 puntos* de la asignación de noviembre de 2026',
				'tu saldo es ahora de *1.370 puntos*',
			],
			channel: ['*Ada Lovelace* ha recibido *1.250 puntos*'],
		},
		'perk.redeemed': {
			personal: ['Has canjeado *Spa day* por 1.250 puntos', 'Tu saldo ahora es de *120 puntos*'],
			channel: ['🎉 ¡Ada Lovelace ha canjeado *Spa day*!'],
		},
		'wallet.low_balance': {
			personal: ['tu saldo de beneficios ha bajado a *15 puntos*', 'configurado en 20 puntos'],
			channel: [
				'El saldo de *Ada Lovelace* ha bajado a *15 puntos*',
				'umbral de aviso de 20 puntos',
			],
		},
		'catalog.perk_added': {
			personal: ['nuevo beneficio', '1.250 puntos', 'Categoría', 'Ver beneficio'],
			channel: [
				'Acaba de llegar un nuevo beneficio al catálogo: *Spa day*',
				'Precio',
				'1.250 puntos',
			],
		},
	},
	it: {
		'wallet.funded': {
			personal: [
				'Ciao Ada!',
				'Hai ricevuto *1.250 punti* per novembre 2026',
				'il tuo saldo ora è di *1.370 punti*',
			],
			channel: ['*Ada Lovelace* ha ricevuto *1.250 punti* per novembre 2026'],
		},
		'perk.redeemed': {
			personal: ['Hai riscattato *Spa day* per 1.250 punti', 'Il tuo saldo ora è di *120 punti*'],
			channel: ['🎉 Ada Lovelace ha riscattato *Spa day*!'],
		},
		'wallet.low_balance': {
			personal: ['il tuo saldo benefit è sceso a *15 punti*', 'soglia di avviso è 20 punti'],
			channel: ['Il saldo di *Ada Lovelace* è sceso a *15 punti*'],
		},
		'catalog.perk_added': {
			personal: ['nuovo benefit', '1.250 punti', 'Costo', 'Scopri il benefit'],
			channel: ['Nel catalogo è appena arrivato un nuovo benefit: *Spa day*!', '1.250 punti'],
		},
	},
	pt: {
		'wallet.funded': {
			personal: [
				'Olá, Ada!',
				'Você recebeu *1.250 pontos* referente a novembro de 2026',
				'seu saldo agora é de *1.370 pontos*',
			],
			channel: ['*Ada Lovelace* recebeu *1.250 pontos*'],
		},
		'perk.redeemed': {
			personal: ['Você resgatou *Spa day* por 1.250 pontos', 'Seu saldo agora é de *120 pontos*'],
			channel: ['🎉 Ada Lovelace resgatou *Spa day*!'],
		},
		'wallet.low_balance': {
			personal: ['seu saldo de benefícios está em *15 pontos*', 'configurado para 20 pontos'],
			channel: ['O saldo de *Ada Lovelace* está em *15 pontos*', 'limite de alerta de 20 pontos'],
		},
		'catalog.perk_added': {
			personal: ['benefício novo', '1.250 pontos', 'Custo', 'Ver benefício'],
			channel: ['Acabou de chegar um benefício novo no catálogo: *Spa day*!', '1.250 pontos'],
		},
	},
};

/** Every text a reader could see, in one string. */
function allText(doc: MessageDoc): string {
	return [
		doc.fallbackText,
		doc.title,
		...doc.body,
		...(doc.fields ?? []).flatMap((field) => [field.label, field.value]),
		doc.button?.label ?? '',
		doc.context ?? '',
	].join('\n');
}

// Word boundaries: Italian "nulla" (nothing) is fine, a JSON null or "undefined" is not.
const BAD_WORDS = /\bundefined\b|\bNaN\b|\bnull\b|\[object /;

describe('buildEventMessage: every event, locale and audience', () => {
	for (const locale of Object.keys(EXPECTED) as Locale[]) {
		for (const eventType of Object.keys(EXPECTED[locale]) as PerksEventType[]) {
			for (const audience of ['personal', 'channel'] as const) {
				it(`${eventType} / ${locale} / ${audience}`, () => {
					const doc = buildEventMessage(items[eventType], audience, locale);
					const text = allText(doc);
					for (const phrase of EXPECTED[locale][eventType][audience])
						expect(text).toContain(phrase);
					expect(doc.fallbackText).not.toMatch(/[*<>]/);
					expect(doc.title.length).toBeGreaterThan(0);

					const slack = renderSlack(doc);
					const teams = renderTeamsHtml(doc);
					for (const json of [JSON.stringify(doc), JSON.stringify(slack), JSON.stringify(teams)]) {
						expect(json).not.toMatch(BAD_WORDS);
					}
					expect(() => validateSlackMessage(slack)).not.toThrow();
					expect(() => validateTeamsMessage(teams.content)).not.toThrow();
				});
			}
		}
	}

	it('lists every event as having a default message for each audience', () => {
		expect([...DEFAULT_MESSAGE_EVENTS.personal].sort()).toEqual(Object.keys(items).sort());
		expect([...DEFAULT_MESSAGE_EVENTS.channel].sort()).toEqual(Object.keys(items).sort());
	});

	it('keeps the balance out of a channel celebration', () => {
		const doc = buildEventMessage(items['perk.redeemed'], 'channel', 'en');
		expect(allText(doc)).not.toContain('120');
	});

	it('shows the perk image and a "View perk" button when the item has them', () => {
		const doc = buildEventMessage(items['catalog.perk_added'], 'channel', 'en');
		expect(doc.image).toEqual({ url: 'https://cdn.example.com/spa.png', altText: 'Spa day' });
		expect(doc.button).toEqual({
			label: 'View perk',
			url: 'https://perks.example.com/perks/perk_1',
		});
		expect(doc.fields).toEqual([
			{ label: 'Cost', value: '1,250 points' },
			{ label: 'Category', value: 'Wellness' },
		]);
	});

	it('leaves out what the item does not have, and never writes a non-web URL into the message', () => {
		const item = {
			eventType: 'catalog.perk_added',
			perkName: 'Gym',
			perkUrl: 'javascript:alert(1)',
		};
		const doc = buildEventMessage(item, 'channel', 'en');
		expect(JSON.parse(JSON.stringify(doc))).toEqual({
			fallbackText: 'A new perk just landed in the catalog: Gym!',
			title: '✨ New perk: Gym',
			body: ['A new perk just landed in the catalog: *Gym*!'],
		});
	});

	it('writes "1 point" in the singular', () => {
		const item = { ...items['wallet.funded'], amount: 1, balance: 1 };
		expect(buildEventMessage(item, 'personal', 'en').fallbackText).toBe(
			'You received 1 point for November 2026; your balance is 1 point.',
		);
		expect(buildEventMessage(item, 'personal', 'pt').fallbackText).toContain('1 ponto referente');
	});

	it('accepts numbers as text (items from other nodes) and leaves out a missing period', () => {
		const item = { eventType: 'wallet.funded', amount: '100', balance: ' 220 ' };
		const doc = buildEventMessage(item, 'personal');
		expect(doc.fallbackText).toBe('You received 100 points; your balance is 220 points.');
		expect(String(doc.body[0])).toContain('You received');
		expect(doc.context).toBeUndefined();
	});

	it('keeps a period label that is not a month as it is', () => {
		const doc = buildEventMessage(
			{ ...items['wallet.funded'], period: 'Q4 2026' },
			'channel',
			'it',
		);
		expect(doc.fallbackText).toContain('per Q4 2026');
	});
});

describe('buildEventMessage: language', () => {
	it("uses the employee's locale, region or not", () => {
		const item = { ...items['wallet.low_balance'], employeeLocale: 'it-IT' };
		expect(buildEventMessage(item, 'personal').title).toBe('Il tuo saldo benefit si sta esaurendo');
		const brazil = { ...items['wallet.low_balance'], employeeLocale: 'pt-BR' };
		expect(buildEventMessage(brazil, 'personal').title).toBe(
			'Seu saldo de benefícios está acabando',
		);
	});

	it('falls back to English for an unknown or missing locale', () => {
		for (const employeeLocale of ['fr', 'xx-YY', '', undefined, 42]) {
			const item = { ...items['wallet.low_balance'], employeeLocale };
			expect(buildEventMessage(item, 'personal').title).toBe('Your perks balance is running low');
		}
	});

	it('lets an explicit language win over the employee locale; a blank one does not', () => {
		const item = { ...items['perk.redeemed'], employeeLocale: 'it' };
		expect(buildEventMessage(item, 'channel', 'es').fallbackText).toBe(
			'🎉 ¡Ada Lovelace ha canjeado Spa day!',
		);
		expect(buildEventMessage(item, 'channel', ' ').fallbackText).toBe(
			'🎉 Ada Lovelace ha riscattato Spa day!',
		);
	});

	it('formats ISO currencies in the locale and keeps other units', () => {
		const eur = { ...items['wallet.low_balance'], currency: 'EUR', balance: 1250.5 };
		expect(buildEventMessage(eur, 'personal', 'it').fallbackText).toMatch(/1\.250,50\s€/);
		const credits = { ...items['wallet.low_balance'], currency: 'credits' };
		expect(buildEventMessage(credits, 'personal', 'en').fallbackText).toContain('15 credits');
	});
});

describe('buildEventMessage: errors name the field', () => {
	function failure(
		item: Record<string, unknown>,
		audience: Audience = 'personal',
	): MessageBuildError {
		try {
			buildEventMessage(item, audience, 'en');
		} catch (error) {
			if (error instanceof MessageBuildError) return error;
			throw error;
		}
		throw new Error('expected a MessageBuildError');
	}

	it.each([
		['perk.redeemed', 'perkName', 'personal'],
		['catalog.perk_added', 'perkName', 'channel'],
		['wallet.funded', 'amount', 'personal'],
		['wallet.funded', 'balance', 'channel'],
		['wallet.low_balance', 'threshold', 'personal'],
		['wallet.low_balance', 'balance', 'channel'],
		['perk.redeemed', 'employeeName', 'channel'],
		['wallet.funded', 'employeeName', 'channel'],
	] as const)('%s without %s (%s)', (eventType, field, audience) => {
		const item: Record<string, unknown> = { ...items[eventType] };
		delete item[field];
		const error = failure(item, audience);
		expect(error).toMatchObject({ code: 'missing_field', field });
		expect(error.message).toContain(`"${field}"`);
		expect(error.message).toContain(eventType);
		expect(error.fix).toContain(`"${field}"`);
		expect(error.fix).toContain('Perks Trigger');
		expect(error.fix).toContain('custom message');
	});

	it('treats a blank text field as missing', () => {
		expect(failure({ ...items['perk.redeemed'], perkName: '  ' })).toMatchObject({
			field: 'perkName',
		});
	});

	it('refuses a number that is not one, instead of writing NaN', () => {
		const error = failure({ ...items['wallet.funded'], amount: 'lots' });
		expect(error).toMatchObject({ code: 'missing_field', field: 'amount' });
		expect(error.message).toContain('must be a number');
		expect(failure({ ...items['wallet.funded'], balance: { value: 1 } })).toMatchObject({
			field: 'balance',
		});
		expect(failure({ ...items['perk.redeemed'], perkName: { en: 'Spa' } }).message).toContain(
			'must be a text',
		);
	});

	it('needs an eventType, and one it knows', () => {
		expect(failure({ perkName: 'Spa day' })).toMatchObject({
			code: 'missing_field',
			field: 'eventType',
		});
		const unknown = failure({ eventType: 'wallet.frozen' });
		expect(unknown).toMatchObject({ code: 'unknown_event_type', field: 'eventType' });
		expect(unknown.message).toContain('"wallet.frozen"');
		expect(unknown.fix).toContain('catalog.perk_added');
		expect(unknown.fix).toContain('custom message');
		const long = failure({ eventType: `x${'y'.repeat(10_000)}` });
		expect(long.message).toContain(`"x${'y'.repeat(78)}…"`);
		expect(long.message.length).toBeLessThan(150);
	});

	it('does not need the employee name for a DM: it just skips the greeting', () => {
		const item: Record<string, unknown> = { ...items['wallet.low_balance'] };
		delete item.employeeName;
		const doc = buildEventMessage(item, 'personal', 'en');
		expect(String(doc.body[0])).toMatch(/^Just a friendly heads-up/);
	});
});
