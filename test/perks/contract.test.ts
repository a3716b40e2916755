import { parsePerksEvent } from '../../nodes/shared/perks/contract';
import { flattenEvent } from '../../nodes/shared/perks/flatten';
import { signatureHeader, verifySignature } from '../../nodes/shared/perks/signature';
import { RecentKeys } from '../../nodes/shared/idempotency/recentKeys';

const employee = { id: 'emp_1', email: 'a@example.com', name: 'A', locale: 'pt', active: true };

describe('parsePerksEvent', () => {
	const base = { id: 'evt_1', type: 'wallet.low_balance', created_at: '2026-11-01T08:00:00Z' };

	it('keeps unknown fields everywhere', () => {
		const parsed = parsePerksEvent({
			...base,
			future: 1,
			data: { employee: { ...employee, team: 'ops' }, balance: 1, threshold: 2, currency: 'points', extra: true },
		});
		expect(parsed).toMatchObject({
			kind: 'event',
			event: { future: 1, data: { extra: true, employee: { team: 'ops' } } },
		});
	});

	it('names the failing field', () => {
		expect(parsePerksEvent({ ...base, data: { employee, balance: '1', threshold: 2, currency: 'points' } })).toMatchObject({
			kind: 'invalid',
			path: 'data.balance',
		});
		expect(parsePerksEvent({ ...base, created_at: 'yesterday', data: {} })).toMatchObject({ path: 'created_at' });
		expect(parsePerksEvent([])).toMatchObject({ kind: 'invalid', path: '(body)' });
	});

	it('recognises an unknown type without validating its data', () => {
		expect(parsePerksEvent({ ...base, type: 'wallet.frozen', data: { anything: 1 } })).toEqual({
			kind: 'unknown_type',
			id: 'evt_1',
			type: 'wallet.frozen',
		});
	});
});

describe('signatures', () => {
	const body = Buffer.from('{"id":"evt_1"}');
	const now = 1_790_000_000;

	it('accepts any matching v1 entry within 300 s, either side', () => {
		const header = signatureHeader(['whsec_old', 'whsec_new'], body, now);
		expect(verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now + 300 })).toEqual({ valid: true, timestamp: now });
		expect(verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now - 300 }).valid).toBe(true);
		expect(verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now + 301 })).toEqual({ valid: false, reason: 'stale' });
	});

	it('rejects other secrets, altered bodies and malformed headers', () => {
		const header = signatureHeader('whsec_a', body, now);
		expect(verifySignature({ header, rawBody: body, secrets: ['whsec_b'], nowSeconds: now })).toEqual({ valid: false, reason: 'mismatch' });
		expect(verifySignature({ header, rawBody: Buffer.from('{"id":"evt_2"}'), secrets: ['whsec_a'], nowSeconds: now }).valid).toBe(false);
		expect(verifySignature({ header: 'v1=abc', rawBody: body, secrets: ['whsec_a'], nowSeconds: now })).toEqual({ valid: false, reason: 'malformed' });
		expect(verifySignature({ header: undefined, rawBody: body, secrets: ['whsec_a'], nowSeconds: now })).toEqual({ valid: false, reason: 'missing' });
		expect(verifySignature({ header, rawBody: body, secrets: [], nowSeconds: now }).valid).toBe(false);
	});
});

describe('RecentKeys', () => {
	it('lets a key through once within its TTL, then again after it expires', () => {
		let now = 0;
		const keys = new RecentKeys(10, 1000, () => now);
		expect(keys.claim('a')).toBe(true);
		expect(keys.claim('a')).toBe(false);
		now = 1001;
		expect(keys.claim('a')).toBe(true);
	});

	it('stays within its size bound, forgetting the oldest first', () => {
		const keys = new RecentKeys(3, 60_000, () => 0);
		for (const key of ['a', 'b', 'c', 'd']) keys.claim(key);
		expect(keys.size).toBe(3);
		expect(keys.claim('a')).toBe(true);
		expect(keys.claim('d')).toBe(false);
	});
});

describe("the trigger's output schema (what the editor offers for mapping before a first run)", () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const schema = require('../../nodes/PerksTrigger/__schema__/v1.0.0.json') as {
		properties: Record<string, { type: string }>;
		required: string[];
	};
	const perk = { id: 'perk_1', name: 'Spa', description: 'A day', cost: 40, currency: 'points', category: 'wellness', url: 'https://p.example.com/1', image_url: 'https://p.example.com/1.png' };
	const events = [
		{ type: 'wallet.funded', data: { employee, amount: 1, balance: 2, currency: 'points', period: '2026-11' } },
		{ type: 'perk.redeemed', data: { employee, perk, redemption_id: 'red_1', balance: 2, currency: 'points' } },
		{ type: 'wallet.low_balance', data: { employee, balance: 1, threshold: 2, currency: 'points' } },
		{ type: 'catalog.perk_added', data: { perk } },
	];

	it.each(events)('describes every field of $type with its type', ({ type, data }) => {
		const parsed = parsePerksEvent({ id: 'evt_1', type, created_at: '2026-11-01T08:00:00Z', data });
		if (parsed.kind !== 'event') throw new Error('fixture does not parse');
		const flat = flattenEvent(parsed.event);
		for (const [key, value] of Object.entries(flat)) {
			expect(schema.properties[key]?.type).toBe(typeof value === 'object' ? 'object' : typeof value);
		}
		for (const key of schema.required) expect(flat).toHaveProperty(key);
	});
});
