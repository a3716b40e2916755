/**
 * The default message of each perks event, as a platform-neutral MessageDoc, written from the
 * flat item the Perks Trigger outputs (or any item with the same field names). 'personal' speaks
 * to the employee in a DM; 'channel' announces to everyone (and never shows a balance when
 * celebrating). Text stays raw here, data never parsed as markup: each renderer escapes it.
 */
import { isPerksEventType, PERKS_EVENT_TYPES, type PerksEventType } from '../perks/contract';
import { clip } from './clip';
import { MessageBuildError } from './errors';
import {
	formatAmount,
	formatPeriod,
	MESSAGE_STRINGS,
	resolveLocale,
	type Locale,
	type MessageStrings,
} from './i18n';
import { fieldFix, ItemFields } from './itemFields';
import { isWebUrl, Markdown } from './markdown';
import type { Audience, MessageDoc, MessageField } from './MessageDoc';

export { MessageBuildError } from './errors';

/** Every event has a default message for both audiences (a low balance in a channel suits an HR channel). */
export const DEFAULT_MESSAGE_EVENTS: Readonly<Record<Audience, readonly PerksEventType[]>> = {
	personal: PERKS_EVENT_TYPES,
	channel: PERKS_EVENT_TYPES,
};

interface Context {
	fields: ItemFields;
	audience: Audience;
	locale: Locale;
	strings: MessageStrings;
	amount: (value: number) => string;
}

export function buildEventMessage(
	item: Record<string, unknown>,
	audience: Audience,
	localeOverride?: string,
): MessageDoc {
	const eventType = readEventType(item);
	const employeeLocale = typeof item.employeeLocale === 'string' ? item.employeeLocale : undefined;
	const locale = resolveLocale(localeOverride?.trim() ? localeOverride : employeeLocale);
	const fields = new ItemFields(item, eventType);
	const currency = fields.text('currency');
	const context: Context = {
		fields,
		audience,
		locale,
		strings: MESSAGE_STRINGS[locale],
		amount: (value) => formatAmount(value, currency, locale),
	};
	return BUILDERS[eventType](context);
}

function readEventType(item: Record<string, unknown>): PerksEventType {
	const value = typeof item.eventType === 'string' ? item.eventType.trim() : '';
	if (value === '') {
		throw new MessageBuildError(
			'missing_field',
			'eventType',
			'The input item has no "eventType" field, so there is no default message to pick',
			fieldFix('eventType', 'perks event'),
		);
	}
	if (!isPerksEventType(value)) {
		throw new MessageBuildError(
			'unknown_event_type',
			'eventType',
			`There is no default message for the event type "${clip(value)}"`,
			`Default messages exist for ${PERKS_EVENT_TYPES.join(', ')}. This node expects the Perks Trigger's output; ` +
				'for other events, switch to a custom message.',
		);
	}
	return value;
}

const BUILDERS: Record<PerksEventType, (context: Context) => MessageDoc> = {
	'wallet.funded': walletFunded,
	'perk.redeemed': perkRedeemed,
	'wallet.low_balance': lowBalance,
	'catalog.perk_added': perkAdded,
};

function walletFunded({ fields, audience, locale, strings, amount }: Context): MessageDoc {
	const s = strings.walletFunded;
	const received = amount(fields.requireNumber('amount'));
	const balance = amount(fields.requireNumber('balance'));
	const rawPeriod = fields.text('period');
	const period = rawPeriod === undefined ? undefined : formatPeriod(rawPeriod, locale);
	const contextLine = period === undefined ? undefined : s.context(period);
	if (audience === 'personal') {
		const main = s.personal({ amount: received, balance, period });
		return doc(
			s.personalTitle,
			[greeting(fields, strings), main, Markdown.parse(s.personalOutro)],
			main,
			{
				context: contextLine,
				showBalance: { label: strings.chat.showBalance },
			},
		);
	}
	const main = s.channel({ name: fields.requireText('employeeName'), amount: received, period });
	return doc(s.channelTitle, [main], main, { context: contextLine });
}

function perkRedeemed({ fields, audience, strings, amount }: Context): MessageDoc {
	const s = strings.perkRedeemed;
	const perk = fields.requireText('perkName');
	const media = perkMedia(fields, strings, perk);
	const redemptionId = fields.text('redemptionId');
	const contextLine = redemptionId === undefined ? undefined : s.reference(redemptionId);
	if (audience === 'personal') {
		const cost = fields.number('perkCost');
		const balance = fields.number('balance');
		const main = s.personal({ perk, cost: cost === undefined ? undefined : amount(cost) });
		const body = [
			greeting(fields, strings),
			main,
			balance === undefined ? undefined : s.newBalance(amount(balance)),
		];
		return doc(s.personalTitle, body, main, { ...media, context: contextLine });
	}
	const main = s.channel({ name: fields.requireText('employeeName'), perk });
	return doc(s.channelTitle, [main], main, media);
}

function lowBalance({ fields, audience, strings, amount }: Context): MessageDoc {
	const s = strings.lowBalance;
	const balance = amount(fields.requireNumber('balance'));
	const threshold = amount(fields.requireNumber('threshold'));
	if (audience === 'personal') {
		const main = s.personal({ balance, threshold });
		return doc(
			s.personalTitle,
			[greeting(fields, strings), main, Markdown.parse(s.personalOutro)],
			main,
			{ showBalance: { label: strings.chat.showBalance } },
		);
	}
	const main = s.channel({ name: fields.requireText('employeeName'), balance, threshold });
	return doc(s.channelTitle, [main], main);
}

function perkAdded({ fields, audience, strings, amount }: Context): MessageDoc {
	const s = strings.perkAdded;
	const perk = fields.requireText('perkName');
	const cost = fields.number('perkCost');
	const category = fields.text('perkCategory');
	const details: MessageField[] = [];
	if (cost !== undefined) details.push({ label: strings.labels.cost, value: amount(cost) });
	if (category !== undefined) details.push({ label: strings.labels.category, value: category });
	const personal = audience === 'personal';
	const main = personal ? s.personal(perk) : s.channel(perk);
	return doc(
		personal ? s.personalTitle(perk) : s.channelTitle(perk),
		[main, optionalText(fields.text('perkDescription'))],
		main,
		{
			...perkMedia(fields, strings, perk),
			fields: details.length > 0 ? details : undefined,
		},
	);
}

/** "Hi Ada!" from the first word of the name; no greeting rather than "Hi undefined". */
function greeting(fields: ItemFields, strings: MessageStrings): Markdown | undefined {
	const firstName = fields.text('employeeName')?.split(/\s+/)[0];
	return firstName ? strings.greeting(firstName) : undefined;
}

/** The perk's picture and link, only when they are web URLs a chat client can load. */
function perkMedia(
	fields: ItemFields,
	strings: MessageStrings,
	perk: string,
): Pick<MessageDoc, 'image' | 'button'> {
	const imageUrl = fields.text('perkImageUrl');
	const url = fields.text('perkUrl');
	return {
		image:
			imageUrl !== undefined && isWebUrl(imageUrl) ? { url: imageUrl, altText: perk } : undefined,
		button: url !== undefined && isWebUrl(url) ? { label: strings.viewPerk, url } : undefined,
	};
}

function optionalText(text: string | undefined): Markdown | undefined {
	return text === undefined ? undefined : Markdown.text(text);
}

function doc(
	title: string,
	body: Array<Markdown | undefined>,
	main: Markdown,
	extra: Omit<MessageDoc, 'title' | 'body' | 'fallbackText'> = {},
): MessageDoc {
	const message: MessageDoc = {
		fallbackText: main.plainText(),
		title,
		body: body.filter((paragraph): paragraph is Markdown => paragraph !== undefined),
	};
	// Only set what is present, so the doc (and its JSON) never carries undefined keys.
	for (const [key, value] of Object.entries(extra)) {
		if (value !== undefined) (message as unknown as Record<string, unknown>)[key] = value;
	}
	return message;
}
