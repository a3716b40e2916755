/** Flat items as the Perks Trigger outputs them (built with the real flattenEvent). */
import { flattenEvent } from '../../../nodes/shared/perks/flatten';
import type { PerksEvent } from '../../../nodes/shared/perks/contract';

export const employee = {
	id: 'emp_1',
	email: 'ada@example.com',
	name: 'Ada Lovelace',
	locale: 'en',
	active: true,
};
export const perk = {
	id: 'perk_1',
	name: 'Spa day',
	description: 'A relaxing day at the spa',
	cost: 1250,
	currency: 'points',
	category: 'Wellness',
	url: 'https://perks.example.com/perks/perk_1',
	image_url: 'https://cdn.example.com/spa.png',
};

function event(type: string, data: Record<string, unknown>): Record<string, unknown> {
	return flattenEvent({
		id: `evt_${type}`,
		type,
		created_at: '2026-11-01T08:00:00Z',
		data,
	} as unknown as PerksEvent);
}

export const items = {
	'wallet.funded': event('wallet.funded', {
		employee,
		amount: 1250,
		balance: 1370,
		currency: 'points',
		period: '2026-11',
	}),
	'perk.redeemed': event('perk.redeemed', {
		employee,
		perk,
		redemption_id: 'red_1',
		balance: 120,
		currency: 'points',
	}),
	'wallet.low_balance': event('wallet.low_balance', {
		employee,
		balance: 15,
		threshold: 20,
		currency: 'points',
	}),
	'catalog.perk_added': event('catalog.perk_added', { perk }),
};
