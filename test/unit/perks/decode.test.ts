/** Unusual but valid webhook bodies: huge numbers kept exactly, invalid UTF-8 refused by field. */
import { parsePerksEvent } from '../../../nodes/shared/perks/contract';
import { decodeEventBody, InvalidUtf8Error } from '../../../nodes/shared/perks/decode';
import { isInexactNumberText } from '../../../nodes/shared/perks/exactNumbers';
import { flattenEvent } from '../../../nodes/shared/perks/flatten';
import { handleDelivery } from '../../../nodes/PerksTrigger/receive';
import { RecentKeys } from '../../../nodes/shared/idempotency/recentKeys';
import { signatureHeader } from '../../../nodes/shared/perks/signature';

const SECRET = 'whsec_decode_test';
const eventText = (amount: string, balance = '220', email = 'ada@example.com') =>
	`{"id":"evt_1","type":"wallet.funded","created_at":"2026-11-01T08:00:00Z","data":{"employee":` +
	`{"id":"emp_1","email":"${email}","name":"Ada","locale":"en","active":true},` +
	`"amount":${amount},"balance":${balance},"currency":"points","period":"2026-11"}}`;
const deliver = (rawBody: Buffer) =>
	handleDelivery({
		rawBody,
		signatureHeader: signatureHeader(SECRET, rawBody),
		secrets: [SECRET],
		selectedEvents: ['wallet.funded'],
		dedupeScope: 'test',
		inFlight: new RecentKeys(100, 60_000),
	});

describe('numbers are kept exactly, never rounded, clamped or made Infinity', () => {
	it.each([
		['100', 100],
		['1e3', 1000],
		['1.50', 1.5],
		['0.1', 0.1],
		['-0', 0],
		['-0.0e5', 0],
		['9007199254740991', 9007199254740991],
	])('%s a double holds as written stays the number %p', (text, expected) => {
		const body = decodeEventBody(Buffer.from(`{"n":${text}}`)) as { n: unknown };
		expect(Object.is(body.n, expected)).toBe(true);
	});

	it.each([
		'9007199254740993',
		'123456789012345678901234567890',
		'-123456789012345678901234567890',
		'1e400',
		'1e-400',
		'4.9e-324',
		'0.30000000000000001',
	])('%s no double holds stays its exact text', (text) => {
		expect(isInexactNumberText(text)).toBe(true);
		expect(decodeEventBody(Buffer.from(`{"deep":{"list":[${text}]}}`))).toEqual({
			deep: { list: [text] },
		});
	});

	it('accepts a big integer amount or balance and hands it on as exact text', () => {
		const outcome = deliver(
			Buffer.from(eventText('123456789012345678901234567890', '9007199254740993')),
		);
		expect(outcome.action).toBe('start');
		if (outcome.action !== 'start') return;
		expect(outcome.item).toMatchObject({
			amount: '123456789012345678901234567890',
			balance: '9007199254740993',
		});
	});

	it.each(['1e-400', '4.9e-324', '-0', '1e2'])('accepts %s as an amount', (amount) => {
		expect(deliver(Buffer.from(eventText(amount))).action).toBe('start');
	});

	it.each(['1e400', '-1e400', '9'.repeat(400)])(
		'refuses %s, beyond any number a message can show, with 400 naming the field',
		(amount) => {
			const outcome = deliver(Buffer.from(eventText(amount)));
			expect(outcome).toMatchObject({
				action: 'reject',
				status: 400,
				body: {
					error: 'invalid_event',
					field: 'data.amount',
					message: expect.stringMatching(/too large/),
					fix: expect.any(String),
				},
			});
		},
	);

	it('still refuses a points field sent as a plain string or null', () => {
		const base = JSON.parse(eventText('1')) as { data: Record<string, unknown> };
		for (const balance of ['12', null, true]) {
			expect(parsePerksEvent({ ...base, data: { ...base.data, balance } })).toMatchObject({
				kind: 'invalid',
				path: 'data.balance',
			});
		}
	});

	it('keeps the exact text in the output event, for a perk cost too', () => {
		const text = `{"id":"evt_2","type":"catalog.perk_added","created_at":"2026-11-01T08:00:00Z","data":{"perk":{"id":"p","name":"Spa","cost":12345678901234567890,"currency":"points","category":"x"}}}`;
		const parsed = parsePerksEvent(decodeEventBody(Buffer.from(text)));
		expect(parsed.kind).toBe('event');
		if (parsed.kind !== 'event') return;
		expect(flattenEvent(parsed.event).perkCost).toBe('12345678901234567890');
	});

	it('parses bodies nested deeper than the stack (numbers then as JSON.parse reads them)', () => {
		const depth = 100_000;
		const body = decodeEventBody(
			Buffer.from(`{"a":2,"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`),
		) as { a: number };
		expect(body.a).toBe(2);
	});
});

describe('invalid UTF-8', () => {
	const withBytes = (text: string, marker: string, bytes: number[]) => {
		const at = text.indexOf(marker);
		return Buffer.concat([
			Buffer.from(text.slice(0, at)),
			Buffer.from(bytes),
			Buffer.from(text.slice(at + marker.length)),
		]);
	};

	it.each([
		[[0xff]],
		[[0xc3, 0x28]],
		[[0xe2, 0x82]],
		[[0xed, 0xa0, 0x80]],
		[[0xf4, 0x90, 0x80, 0x80]],
		[[0xc0, 0xaf]],
	])(
		'in the email (%p): 400 invalid_utf8 naming the field and the fix, never echoing it',
		(bytes) => {
			const outcome = deliver(withBytes(eventText('5', '50', 'ada#@example.com'), '#', bytes));
			expect(outcome).toMatchObject({
				action: 'reject',
				status: 400,
				body: {
					error: 'invalid_utf8',
					field: 'data.employee.email',
					fix: expect.stringMatching(/UTF-8/),
				},
			});
			expect(JSON.stringify(outcome)).not.toContain('example.com');
		},
	);

	it('in a name the contract defines: refused too', () => {
		const body = withBytes(eventText('5'), 'Ada', [0x41, 0xe9, 0x61]);
		expect(() => decodeEventBody(body)).toThrow(InvalidUtf8Error);
		expect(deliver(body)).toMatchObject({ status: 400, body: { field: 'data.employee.name' } });
	});

	it('only in an unknown extra field: kept with U+FFFD, the event is delivered', () => {
		const text = eventText('5').replace('"currency"', '"note":"caf#","currency"');
		const outcome = deliver(withBytes(text, '#', [0xe9]));
		expect(outcome.action).toBe('start');
		if (outcome.action !== 'start') return;
		expect((outcome.item.event as { data: { note: string } }).data.note).toBe('caf\ufffd');
	});

	it('outside any string: the body is not JSON, 400 invalid_utf8 for (body)', () => {
		expect(
			deliver(withBytes(eventText('5'), '"amount":5', [0x22, 0x61, 0x22, 0x3a, 0xff])),
		).toMatchObject({
			status: 400,
			body: { error: 'invalid_utf8', field: '(body)' },
		});
	});

	it('a byte order mark and valid multi-byte text stay fine', () => {
		const text = Buffer.concat([
			Buffer.from([0xef, 0xbb, 0xbf]),
			Buffer.from(eventText('5', '50', 'zoë@bücher.example')),
		]);
		expect(deliver(text).action).toBe('start');
	});
});
