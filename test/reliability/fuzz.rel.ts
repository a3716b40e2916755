/**
 * HTTP fuzzing of the published Perks Trigger in a real n8n: generated requests with
 * forged, stale or repeated signatures, tampered bodies, wrong content types, invalid UTF-8, deep
 * nesting, huge numbers, `__proto__` keys and bodies over n8n's size limit, with valid events
 * interleaved. Every request carries a wallet.funded event for its own Slack user, so the Slack
 * emulator tells what each request caused:
 * - without a valid signature for the exact bytes: never a 2xx, never a DM;
 * - any non-2xx: no DM; any 2xx: at most one DM; valid events: accepted and exactly one DM;
 * - unusual but valid input (numbers no double holds, invalid UTF-8 in an unknown field) is
 *   delivered; what cannot be handled is refused 400 naming the field (docs/perks-api.md);
 * - n8n keeps serving (readiness checked throughout) and never crashes.
 * Seeded (FUZZ_SEED); FUZZ_REQUESTS sets the count; PERKS_RELIABILITY_FULL=1 (`npm run test:reliability -- --full`) runs 10,000.
 * The chat endpoints have their own suite (fuzzChat.rel.ts).
 */
import { computeSignature } from '../../nodes/shared/perks/signature';
import type { Employee } from '../../nodes/shared/perks/contract';
import { PerksEmulator, walletFundedEvent } from '../../emulators/perksApi';
import { SlackEmulator, type EmulatedUser } from '../../emulators/slackApi';
import { N8nInstance, sleep, waitFor } from '../../harness/n8n';
import { loadTemplate, templateCredentials, webhookIdOf } from '../../harness/n8n/templateSetup';

import {
	CONCURRENCY,
	flipByte,
	FULL,
	lanes,
	now,
	outcomeTable,
	oversize as oversizeBody,
	PAYLOAD_MAX_MIB,
	prng,
	SEED,
	send,
	type Req,
	XML_TIMEOUT_MS,
	XML_TYPES,
} from './fuzzKit';

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? (FULL ? 10_000 : 2_000));
const random = prng(SEED);
const { int, pick, hex } = random;

interface Case {
	kind: string;
	/** True when some perks-signature value is a valid, fresh signature of exactly these bytes. */
	signed: boolean;
	/** A valid event with a valid signature: must be accepted and DMed exactly once. */
	mustDeliver?: boolean;
	/** Oversize: n8n may close the connection before answering. */
	mayDrop?: boolean;
	/** An XML body, which n8n parses before any node runs and may never answer (XML_TYPES). */
	n8nMayStall?: boolean;
	/** Signed but not handleable: refused with this 400, naming the field. */
	refusedAs?: { error: string; field: string };
	make(event: Buffer, sign: (body: Buffer, at?: number) => string): Req;
}

const json = { 'content-type': 'application/json' };
/**
 * Perks data that Slack would turn into a channel-wide ping, a link showing another address, and
 * bold: as the employee's name (its first word greets them) and as the wallet's currency unit.
 */
const HOSTILE = '<!channel> <https://evil.example|perks.acme.com/claim> *Boss*';
const oversize = () => oversizeBody(random);
/** A wallet.funded event with `extra` spliced in as raw JSON text before the closing brace. */
const withRaw = (event: Buffer, extra: string) =>
	Buffer.from(`${event.toString('utf8').slice(0, -1)},${extra}}`);
/** The event with its amount and balance written as `n`, signed. */
const withNumbers = (event: Buffer, sign: (body: Buffer) => string, n: string): Req => {
	const body = Buffer.from(
		event
			.toString()
			.replace(/"amount":\d+/, `"amount":${n}`)
			.replace(/"balance":\d+/, `"balance":${n}`),
	);
	return { body, headers: { ...json, 'perks-signature': sign(body) } };
};
const forgeHeader = (real: string) => {
	const at = real.length - 1 - int(64);
	const swap = real[at] === '0' ? '1' : '0';
	return real.slice(0, at) + swap + real.slice(at + 1);
};

/** Weighted: most requests are attacks; about 12% are valid events (half of them unusual) interleaved with them. */
const CASES: Array<[number, Case]> = [
	[
		6,
		{
			kind: 'valid',
			signed: true,
			mustDeliver: true,
			make: (e, s) => ({ body: e, headers: { ...json, 'perks-signature': s(e) } }),
		},
	],
	[
		2,
		{
			kind: 'valid, hostile name and currency (mention, disguised link, markup)',
			signed: true,
			mustDeliver: true,
			make: (e, s) => {
				const body = Buffer.from(
					e
						.toString('utf8')
						.replace(/"name":"[^"]*"/, `"name":${JSON.stringify(HOSTILE)}`)
						.replace(/"currency":"[^"]*"/, `"currency":${JSON.stringify(HOSTILE)}`),
				);
				return { body, headers: { ...json, 'perks-signature': s(body) } };
			},
		},
	],
	[6, { kind: 'no signature', signed: false, make: (e) => ({ body: e, headers: json }) }],
	[
		6,
		{
			kind: 'wrong secret',
			signed: false,
			make: (e) => ({
				body: e,
				headers: {
					...json,
					'perks-signature': `t=${now()},v1=${computeSignature(`whsec_${hex(24)}`, now(), e)}`,
				},
			}),
		},
	],
	[
		8,
		{
			kind: 'one signature digit changed',
			signed: false,
			make: (e, s) => ({ body: e, headers: { ...json, 'perks-signature': forgeHeader(s(e)) } }),
		},
	],
	[
		5,
		{
			kind: 'garbage signature header',
			signed: false,
			make: (e) => ({
				body: e,
				headers: {
					...json,
					'perks-signature': pick([
						`v1=${hex(64)}`,
						`t=${now()}`,
						`t=abc,v1=${hex(64)}`,
						`t=${now()},v1=`,
						'x'.repeat(int(5000)),
						`t=${now()},v0=${hex(64)}`,
						`t=${now()},,,v1=${hex(63)}`,
					]),
				},
			}),
		},
	],
	[
		6,
		{
			kind: 'stale timestamp',
			signed: false,
			make: (e, s) => ({
				body: e,
				headers: { ...json, 'perks-signature': s(e, now() - 301 - int(100_000)) },
			}),
		},
	],
	[
		4,
		{
			kind: 'future timestamp',
			signed: false,
			make: (e, s) => ({
				body: e,
				headers: { ...json, 'perks-signature': s(e, now() + 301 + int(100_000)) },
			}),
		},
	],
	[
		4,
		{
			kind: 'huge or negative timestamp',
			signed: false,
			make: (e, s) => ({
				body: e,
				headers: { ...json, 'perks-signature': s(e, pick([0, -1, 1e12, 2 ** 53, 1e20])) },
			}),
		},
	],
	[
		8,
		{
			kind: 'tampered body (signed before a byte changed)',
			signed: false,
			make: (e, s) => ({
				body: flipByte(e, random),
				headers: { ...json, 'perks-signature': s(e) },
			}),
		},
	],
	[
		4,
		{
			kind: 'amount raised after signing',
			signed: false,
			make: (e, s) => ({
				body: Buffer.from(e.toString().replace('"amount":5', '"amount":5000')),
				headers: { ...json, 'perks-signature': s(e) },
			}),
		},
	],
	[
		4,
		{
			kind: 'signature of another body',
			signed: false,
			make: (e, s) => ({
				body: e,
				headers: {
					...json,
					'perks-signature': s(Buffer.from(e.toString().replace('"balance":', '"balance":1'))),
				},
			}),
		},
	],
	[
		4,
		{
			kind: 'repeated header, both forged',
			signed: false,
			make: (e, s) => ({
				body: e,
				headers: { ...json, 'perks-signature': [forgeHeader(s(e)), forgeHeader(s(e))] },
			}),
		},
	],
	[
		3,
		{
			kind: 'repeated header, valid twice',
			signed: true,
			make: (e, s) => ({ body: e, headers: { ...json, 'perks-signature': [s(e), s(e)] } }),
		},
	],
	[
		3,
		{
			kind: 'repeated header, forged then valid',
			signed: true,
			make: (e, s) => ({
				body: e,
				headers: { ...json, 'perks-signature': [forgeHeader(s(e)), s(e)] },
			}),
		},
	],
	[
		3,
		{
			kind: 'wrong content type, unsigned',
			signed: false,
			make: (e) => ({
				body: e,
				headers: {
					'content-type': pick([
						'text/plain',
						'application/x-www-form-urlencoded',
						'multipart/form-data; boundary=x',
						'application/octet-stream',
					]),
				},
			}),
		},
	],
	[
		1,
		{
			kind: 'XML content type, unsigned',
			signed: false,
			n8nMayStall: true,
			make: (e) => ({ body: e, headers: { 'content-type': pick(XML_TYPES) } }),
		},
	],
	[
		4,
		{
			kind: 'wrong content type, signed',
			signed: true,
			make: (e, s) => ({
				body: e,
				headers: {
					'content-type': pick([
						'text/plain',
						'application/x-www-form-urlencoded',
						'application/octet-stream',
						'application/json; charset=latin1',
						'application/vnd.api+json',
					]),
					'perks-signature': s(e),
				},
			}),
		},
	],
	[
		1,
		{
			kind: 'XML content type, signed',
			signed: true,
			n8nMayStall: true,
			make: (e, s) => ({
				body: e,
				headers: { 'content-type': pick(XML_TYPES), 'perks-signature': s(e) },
			}),
		},
	],
	[
		3,
		{
			kind: 'no content type, signed',
			signed: true,
			make: (e, s) => ({ body: e, headers: { 'perks-signature': s(e) } }),
		},
	],
	[
		4,
		{
			kind: 'invalid UTF-8 in an unknown field, signed',
			signed: true,
			mustDeliver: true,
			make: (e, s) => {
				const b = Buffer.concat([
					e.subarray(0, e.length - 1),
					Buffer.from(',"x":"'),
					Buffer.from(
						pick([
							[0xff, 0xfe],
							[0xc3, 0x28],
							[0xe2, 0x82],
							[0xed, 0xa0, 0x80],
							[0xf4, 0x90, 0x80, 0x80],
						]),
					),
					Buffer.from('"}'),
				]);
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		3,
		{
			kind: 'invalid UTF-8 in the email, signed',
			signed: true,
			refusedAs: { error: 'invalid_utf8', field: 'data.employee.email' },
			make: (e, s) => {
				const b = Buffer.from(e.toString('latin1').replace('@', '\xff@'), 'latin1');
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		2,
		{
			kind: 'invalid UTF-8 in the name, signed',
			signed: true,
			refusedAs: { error: 'invalid_utf8', field: 'data.employee.name' },
			make: (e, s) => {
				const b = Buffer.from(e.toString('latin1').replace('"name":"', '"name":"\xe9'), 'latin1');
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		3,
		{
			kind: 'deep nesting, signed',
			signed: true,
			make: (e, s) => {
				const d = 1_000 + int(200_000);
				const b = withRaw(e, `"deep":${'['.repeat(d)}${']'.repeat(d)}`);
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		2,
		{
			kind: 'deep nesting, unsigned',
			signed: false,
			make: () => {
				const d = 1_000 + int(150_000);
				return { body: Buffer.from(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`), headers: json };
			},
		},
	],
	[
		3,
		{
			kind: 'numbers no double holds exactly, signed',
			signed: true,
			mustDeliver: true,
			make: (e, s) =>
				withNumbers(
					e,
					s,
					pick([
						'9'.repeat(300),
						'123456789012345678901234567890',
						'9007199254740993',
						'1e-400',
						'-0',
						'4.9e-324',
						'1e2',
						'-1.5e3',
					]),
				),
		},
	],
	[
		2,
		{
			kind: 'numbers beyond ±1.8e308, signed',
			signed: true,
			refusedAs: { error: 'invalid_event', field: 'data.amount' },
			make: (e, s) => withNumbers(e, s, pick(['1e400', '-1e400', '9'.repeat(400), '1e99999'])),
		},
	],
	[
		4,
		{
			kind: '__proto__ / constructor keys, signed',
			signed: true,
			make: (e, s) => {
				const b = withRaw(
					Buffer.from(
						e
							.toString()
							.replace('"data":{', `"data":{"__proto__":{"polluted":true,"amount":99999},`),
					),
					pick([
						'"__proto__":{"isAdmin":true}',
						'"constructor":{"prototype":{"polluted":true}}',
						'"__proto__":null',
					]),
				);
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		2,
		{
			kind: 'not JSON, signed',
			signed: true,
			make: (e, s) => {
				const b = pick([
					Buffer.from(hex(200)),
					Buffer.from(''),
					Buffer.from('null'),
					Buffer.from('[]'),
					Buffer.from('"x"'),
					Buffer.from(e.toString().slice(0, int(e.length))),
				]);
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		1,
		{
			kind: 'over the size limit, signed',
			signed: true,
			mayDrop: true,
			make: (e, s) => {
				const b = Buffer.concat([
					e.subarray(0, e.length - 1),
					Buffer.from(',"pad":"'),
					oversize(),
					Buffer.from('"}'),
				]);
				return { body: b, headers: { ...json, 'perks-signature': s(b) } };
			},
		},
	],
	[
		1,
		{
			kind: 'over the size limit, unsigned',
			signed: false,
			mayDrop: true,
			make: () => ({ body: oversize(), headers: json }),
		},
	],
];

interface Sent {
	kind: string;
	signed: boolean;
	mustDeliver: boolean;
	mayDrop: boolean;
	n8nMayStall: boolean;
	status: number;
	body: string;
	refusedAs?: Case['refusedAs'];
	user: EmulatedUser;
}

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'fuzzWalletDm001');
let n8n: N8nInstance;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start()]);
	n8n = await N8nInstance.launch({
		name: 'fuzz',
		credentials: templateCredentials(perks, slack),
		workflows: [DM],
		// Debug logging of 10,000 requests would dominate the run.
		env: { N8N_PAYLOAD_SIZE_MAX: String(PAYLOAD_MAX_MIB), N8N_LOG_LEVEL: 'info' },
	});
	await waitFor(() => perks.webhooks.some((w) => w.url === n8n.webhookUrl(webhookIdOf(DM))), {
		what: 'the template to register',
		timeoutMs: 60_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop()]);
});

it(`fuzz: ${TOTAL} generated requests to the Perks Trigger: none accepted without a valid signature, valid ones delivered exactly once, n8n keeps serving`, async () => {
	const started = Date.now();
	const url = n8n.webhookUrl(webhookIdOf(DM));
	const secret = perks.webhooks.find((w) => w.url === url)!.secret;
	const sign = (body: Buffer, at = now()) => `t=${at},v1=${computeSignature(secret, at, body)}`;
	const users = slack.addUsers(TOTAL, { namePrefix: 'fuzz' });
	const sent: Sent[] = [];
	const notReady = await lanes(
		TOTAL,
		async (i) => {
			const user = users[i];
			const employee: Employee = {
				id: `emp_fuzz_${i}`,
				email: user.email!,
				name: user.realName,
				locale: 'en',
				active: true,
			};
			const event = Buffer.from(
				JSON.stringify(walletFundedEvent(employee, { amount: 5, balance: 50 })),
			);
			const c = random.weighted(CASES);
			const req = c.make(event, sign);
			let answer = await send(url, req, c.n8nMayStall ? XML_TIMEOUT_MS : undefined);
			// The platform redelivers a valid event that was not answered 2xx ("in progress", a failed run).
			for (
				let retry = 0;
				c.mustDeliver &&
				(answer.status === 0 || answer.status >= 500 || answer.status === 409) &&
				retry < 5;
				retry++
			) {
				await sleep(500);
				answer = await send(url, {
					...req,
					headers: { ...req.headers, 'perks-signature': sign(req.body) },
				});
			}
			sent.push({
				kind: c.kind,
				signed: c.signed,
				mustDeliver: Boolean(c.mustDeliver),
				mayDrop: Boolean(c.mayDrop),
				n8nMayStall: Boolean(c.n8nMayStall),
				refusedAs: c.refusedAs,
				...answer,
				user,
			});
		},
		() => n8n.isReady(),
	);

	const accepted = (s: Sent) => s.status >= 200 && s.status < 300;
	const mustDeliver = sent.filter((s) => s.mustDeliver);
	await waitFor(() => mustDeliver.every((s) => slack.messagesFor(s.user.id).length > 0), {
		what: "the valid events' DMs",
		timeoutMs: 60_000,
		instance: n8n,
	}).catch(() => undefined);
	await sleep(2_000);
	const dms = new Map<string, number>();
	for (const m of slack.messages) dms.set(String(m.channel), (dms.get(String(m.channel)) ?? 0) + 1);
	const dmsOf = (s: Sent) => dms.get(slack.dmChannelFor(s.user.id) ?? '-') ?? 0;

	const table = outcomeTable(
		sent.map((s) => ({
			kind: s.kind,
			outcome: `${s.status || 'dropped'}${dmsOf(s) ? ` +${dmsOf(s)} DM` : ''}`,
		})),
	);
	const seconds = Math.round((Date.now() - started) / 1000);
	process.stdout.write(
		`\n[fuzz] Perks Trigger: seed ${SEED}, ${sent.length} requests, ${CONCURRENCY} at a time, ${seconds} s; outcomes by kind (status +DMs: count):\n${table}\n`,
	);

	expect(sent).toHaveLength(TOTAL);
	// Nothing without a valid signature for the exact bytes is accepted or runs.
	expect(
		sent
			.filter((s) => !s.signed && (accepted(s) || dmsOf(s) > 0))
			.map((s) => `${s.kind}: ${s.status}`),
	).toEqual([]);
	// A refusal runs nothing; an acceptance at most once.
	expect(
		sent.filter((s) => !accepted(s) && dmsOf(s) > 0).map((s) => `${s.kind}: ${s.status}`),
	).toEqual([]);
	expect(sent.filter((s) => dmsOf(s) > 1).map((s) => s.kind)).toEqual([]);
	// No answer only where n8n may cut an oversize body short (n8n itself answers those 500) or
	// its XML parser stalls; anything else unsigned gets a 4xx. A signed event may get 500 when its
	// run fails (e.g. an email no Slack account has), so the platform redelivers it: checked above
	// to send nothing.
	const stalled = (s: Sent) => s.n8nMayStall && s.status === 0;
	expect(
		sent.filter((s) => s.status === 0 && !s.mayDrop && !stalled(s)).map((s) => s.kind),
	).toEqual([]);
	expect(
		sent
			.filter((s) => !s.signed && !s.mayDrop && !stalled(s) && (s.status < 400 || s.status >= 500))
			.map((s) => `${s.kind}: ${s.status}`),
	).toEqual([]);
	// What cannot be handled is refused 400 (final) naming the field, never 500 (retried, then lost).
	const refusedWrongly = (s: Sent) =>
		s.status !== 400 ||
		!s.body.includes(`"error":"${s.refusedAs!.error}"`) ||
		!s.body.includes(`"field":"${s.refusedAs!.field}"`);
	expect(
		sent
			.filter((s) => s.refusedAs && refusedWrongly(s))
			.map((s) => `${s.kind}: ${s.status} ${s.body.slice(0, 120)}`),
	).toEqual([]);
	// Valid events interleaved (unusual but valid ones too): accepted and delivered exactly once.
	expect(mustDeliver.length).toBeGreaterThan(TOTAL * 0.03);
	expect(
		mustDeliver
			.filter((s) => !accepted(s) || dmsOf(s) !== 1)
			.map((s) => `${s.kind}: ${s.status} ${dmsOf(s)}`),
	).toEqual([]);
	// Hostile names reached Slack literal: no message anywhere pings, links or formats from data.
	expect(sent.some((s) => s.kind.startsWith('valid, hostile') && dmsOf(s) === 1)).toBe(true);
	expect(
		slack.messages
			.map((m) => JSON.stringify(m))
			.filter(
				(m) => m.includes('<!channel>') || m.includes('<https://evil') || m.includes('*Boss*'),
			),
	).toEqual([]);
	// n8n kept serving and never crashed.
	expect(notReady).toEqual([]);
	expect(n8n.running).toBe(true);
	expect(await n8n.isReady()).toBe(true);
}, 3_600_000);
