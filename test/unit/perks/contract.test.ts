import { parsePerksEvent } from '../../../nodes/shared/perks/contract';
import { decodeEventBody } from '../../../nodes/shared/perks/decode';
import { flattenEvent } from '../../../nodes/shared/perks/flatten';
import { signatureHeader, verifySignature } from '../../../nodes/shared/perks/signature';
import { RecentKeys } from '../../../nodes/shared/idempotency/recentKeys';

const employee = { id: 'emp_1', email: 'a@example.com', name: 'A', locale: 'pt', active: true };

describe('parsePerksEvent', () => {
	const base = { id: 'evt_1', type: 'wallet.low_balance', created_at: '2026-11-01T08:00:00Z' };

	it('keeps unknown fields everywhere', () => {
		const parsed = parsePerksEvent({
			...base,
			future: 1,
			data: {
				employee: { ...employee, team: 'ops' },
				balance: 1,
				threshold: 2,
				currency: 'points',
				extra: true,
			},
		});
		expect(parsed).toMatchObject({
			kind: 'event',
			event: { future: 1, data: { extra: true, employee: { team: 'ops' } } },
		});
	});

	it('names the failing field', () => {
		expect(
			parsePerksEvent({
				...base,
				data: { employee, balance: '1', threshold: 2, currency: 'points' },
			}),
		).toMatchObject({
			kind: 'invalid',
			path: 'data.balance',
		});
		expect(parsePerksEvent({ ...base, created_at: 'yesterday', data: {} })).toMatchObject({
			path: 'created_at',
		});
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

describe('liberal in what it accepts (a 400 loses the event for good)', () => {
	const funded = (
		overrides: Record<string, unknown> = {},
		employeeOverrides: Record<string, unknown> = {},
	) => ({
		id: 'evt_1',
		type: 'wallet.funded',
		created_at: '2026-11-01T08:00:00Z',
		data: {
			employee: { ...employee, ...employeeOverrides },
			amount: 1,
			balance: 2,
			currency: 'points',
			period: '2026-11',
		},
		...overrides,
	});
	const perk = {
		id: 'perk_1',
		name: 'Spa',
		description: 'A day',
		cost: 40,
		currency: 'points',
		category: 'wellness',
	};
	const added = (perkOverrides: Record<string, unknown>) => ({
		id: 'evt_2',
		type: 'catalog.perk_added',
		created_at: '2026-11-01T08:00:00Z',
		data: { perk: { ...perk, ...perkOverrides } },
	});

	it.each([
		'josé.núñez@example.com',
		'用户@例子.广告',
		'ada@bücher.example',
		'ada@xn--bcher-kva.example',
		'  Ada@Example.com\t',
		"o'brien+perks@sub.example.co.uk",
	])('accepts the email %j, keeping it as sent', (email) => {
		const parsed = parsePerksEvent(funded({}, { email }));
		expect(parsed).toMatchObject({ kind: 'event' });
		if (parsed.kind === 'event') expect(flattenEvent(parsed.event).employeeEmail).toBe(email);
	});

	it.each([
		'',
		'ada',
		'ada@',
		'@example.com',
		'ada@example',
		'ada lovelace@example.com',
		'ada@exa mple.com',
		'a@b@',
	])('refuses the email %j', (email) => {
		expect(parsePerksEvent(funded({}, { email }))).toMatchObject({
			kind: 'invalid',
			path: 'data.employee.email',
		});
	});

	it('refuses an email over 254 characters without repeating it', () => {
		const email = `${'a'.repeat(10_000)}@example.com`;
		const parsed = parsePerksEvent(funded({}, { email }));
		expect(parsed).toMatchObject({ kind: 'invalid', path: 'data.employee.email' });
		if (parsed.kind !== 'invalid') throw new Error('expected invalid');
		expect(parsed.message).toMatch(/at most 254/);
		expect(parsed.message.length).toBeLessThan(120);
		const longest = `${'a'.repeat(254 - '@example.com'.length)}@example.com`;
		expect(parsePerksEvent(funded({}, { email: longest })).kind).toBe('event');
		expect(parsePerksEvent(funded({}, { email: `a${longest}` })).kind).toBe('invalid');
	});

	it.each([
		'2026-11-01T08:00:00Z',
		'2026-11-01T10:00:00+02:00',
		'2026-11-01T10:00:00+02',
		'2026-11-01T10:00:00+0200',
		'2026-11-01T03:00:00-05:00',
		'2026-11-01T08:00:00.123456Z',
		'2026-11-01 08:00:00Z',
		'2026-11-01t08:00:00z',
		'2016-12-31T23:59:60Z',
		'2028-02-29T08:00:00Z',
	])('accepts created_at %j', (createdAt) => {
		const parsed = parsePerksEvent(funded({ created_at: createdAt }));
		expect(parsed).toMatchObject({ kind: 'event', event: { created_at: createdAt } });
	});

	it.each([
		'2026-11-01',
		'2026-11-01T08:00:00',
		'2026-13-01T08:00:00Z',
		'2026-02-30T08:00:00Z',
		'2026-11-01T24:00:00Z',
		'1793520000',
	])('refuses created_at %j', (createdAt) => {
		expect(parsePerksEvent(funded({ created_at: createdAt }))).toMatchObject({
			kind: 'invalid',
			path: 'created_at',
		});
	});

	it.each([
		null,
		'',
		'   ',
		'/perks/1',
		'perks.example.com/1',
		'javascript:alert(1)',
		'ftp://x.example.com/a.png',
		'http:foo',
		42,
	])('treats url and image_url %j as absent, keeping the event', (value) => {
		const parsed = parsePerksEvent(added({ url: value, image_url: value }));
		if (parsed.kind !== 'event') throw new Error(`refused: ${JSON.stringify(parsed)}`);
		const flat = flattenEvent(parsed.event);
		expect(flat).not.toHaveProperty('perkUrl');
		expect(flat).not.toHaveProperty('perkImageUrl');
		expect(flat).toMatchObject({ perkName: 'Spa', perkCost: 40, perkDescription: 'A day' });
	});

	it.each([null, '', '  ', undefined])('treats the description %j as absent', (description) => {
		const parsed = parsePerksEvent(added({ description }));
		if (parsed.kind !== 'event') throw new Error(`refused: ${JSON.stringify(parsed)}`);
		expect(flattenEvent(parsed.event)).not.toHaveProperty('perkDescription');
	});

	it('keeps web URLs and a description', () => {
		const parsed = parsePerksEvent(
			added({ url: ' https://p.example.com/1 ', image_url: 'http://cdn.example.com/1.png' }),
		);
		if (parsed.kind !== 'event') throw new Error('refused');
		expect(flattenEvent(parsed.event)).toMatchObject({
			perkUrl: 'https://p.example.com/1',
			perkImageUrl: 'http://cdn.example.com/1.png',
			perkDescription: 'A day',
		});
	});
});

describe('decodeEventBody', () => {
	const json = '{"id":"evt_1","name":"Zoë"}';

	it('parses the UTF-8 body, with or without a byte order mark', () => {
		expect(decodeEventBody(Buffer.from(json))).toEqual({ id: 'evt_1', name: 'Zoë' });
		const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
		expect(decodeEventBody(withBom)).toEqual({ id: 'evt_1', name: 'Zoë' });
	});

	it('throws a clear error for invalid JSON, naming where and never echoing the body', () => {
		const secretish = 'x'.repeat(5_000);
		expect(() => decodeEventBody(Buffer.from(`{"id": ${secretish}}`))).toThrow(
			'The body is not valid JSON (at character 7)',
		);
		expect(() => decodeEventBody(Buffer.from(''))).toThrow(/not valid JSON/);
		expect(() => decodeEventBody(Buffer.from([0xef, 0xbb, 0xbf]))).toThrow(/not valid JSON/);
		let message = '';
		try {
			decodeEventBody(Buffer.from(`["${secretish}`));
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toMatch(/not valid JSON/);
		expect(message).not.toContain('xxxxxxxx');
	});

	it('survives absurd nesting', () => {
		expect(() => decodeEventBody(Buffer.from('['.repeat(200_000)))).toThrow(/not valid JSON/);
	});
});

describe('signatures', () => {
	const body = Buffer.from('{"id":"evt_1"}');
	const now = 1_790_000_000;

	it('accepts any matching v1 entry within 300 s, either side', () => {
		const header = signatureHeader(['whsec_old', 'whsec_new'], body, now);
		expect(
			verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now + 300 }),
		).toEqual({ valid: true, timestamp: now });
		expect(
			verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now - 300 })
				.valid,
		).toBe(true);
		expect(
			verifySignature({ header, rawBody: body, secrets: ['whsec_new'], nowSeconds: now + 301 }),
		).toEqual({ valid: false, reason: 'stale' });
	});

	it('rejects other secrets, altered bodies and malformed headers', () => {
		const header = signatureHeader('whsec_a', body, now);
		expect(
			verifySignature({ header, rawBody: body, secrets: ['whsec_b'], nowSeconds: now }),
		).toEqual({ valid: false, reason: 'mismatch' });
		expect(
			verifySignature({
				header,
				rawBody: Buffer.from('{"id":"evt_2"}'),
				secrets: ['whsec_a'],
				nowSeconds: now,
			}).valid,
		).toBe(false);
		expect(
			verifySignature({ header: 'v1=abc', rawBody: body, secrets: ['whsec_a'], nowSeconds: now }),
		).toEqual({ valid: false, reason: 'malformed' });
		expect(
			verifySignature({ header: undefined, rawBody: body, secrets: ['whsec_a'], nowSeconds: now }),
		).toEqual({ valid: false, reason: 'missing' });
		expect(verifySignature({ header, rawBody: body, secrets: [], nowSeconds: now }).valid).toBe(
			false,
		);
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
	const schema = require('../../../nodes/PerksTrigger/__schema__/v1.0.0.json') as {
		properties: Record<string, { type: string }>;
		required: string[];
	};
	const perk = {
		id: 'perk_1',
		name: 'Spa',
		description: 'A day',
		cost: 40,
		currency: 'points',
		category: 'wellness',
		url: 'https://p.example.com/1',
		image_url: 'https://p.example.com/1.png',
	};
	const events = [
		{
			type: 'wallet.funded',
			data: { employee, amount: 1, balance: 2, currency: 'points', period: '2026-11' },
		},
		{
			type: 'perk.redeemed',
			data: { employee, perk, redemption_id: 'red_1', balance: 2, currency: 'points' },
		},
		{
			type: 'wallet.low_balance',
			data: { employee, balance: 1, threshold: 2, currency: 'points' },
		},
		{ type: 'catalog.perk_added', data: { perk } },
	];

	it.each(events)('describes every field of $type with its type', ({ type, data }) => {
		const parsed = parsePerksEvent({ id: 'evt_1', type, created_at: '2026-11-01T08:00:00Z', data });
		if (parsed.kind !== 'event') throw new Error('fixture does not parse');
		const flat = flattenEvent(parsed.event);
		for (const [key, value] of Object.entries(flat)) {
			expect(schema.properties[key]?.type).toBe(
				typeof value === 'object' ? 'object' : typeof value,
			);
		}
		for (const key of schema.required) expect(flat).toHaveProperty(key);
	});
});
