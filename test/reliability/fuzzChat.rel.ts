/**
 * HTTP fuzzing of the published Perks Chat Trigger in a real n8n (the chat-command
 * endpoints face the internet too): the three shipped chat templates (Slack slash command: form body, `v0=` signature;
 * Slack Events: JSON; Teams outgoing webhook: `HMAC` of the body) get generated requests in turn,
 * with the Perks Trigger suite's mutation families adapted to each, valid questions interleaved.
 * Every request asks for its own asker (a Slack user or Entra user with a perks wallet), so each
 * answer is attributed: a slash command's `response_url` post (its own path here), a Slack DM
 * (chat.postMessage in the emulator), or a Teams answer in the HTTP response. It asserts:
 * - without a valid signature for the exact bytes: never a 2xx, never an answer; a Teams activity
 *   signed correctly but an hour or a day old or ahead (a replay the id memory forgot) neither;
 * - never two answers to one question; a replayed question or a Slack retry of a seen event is not
 *   answered again, a Slack retry whose first copy never arrived is answered once;
 * - every valid question: acknowledged (2xx) and answered exactly once, with the asker's own balance;
 * - no 5xx (every asker and service exists, so one would be a crash); n8n keeps serving
 *   (readiness checked throughout) and never exits.
 * A second test: Teams triggers whose security token is not base64 or too short refuse every
 * request (even one signed with the key the token decodes to, or the empty key).
 * Seeded (FUZZ_SEED); FUZZ_CHAT_REQUESTS sets the count (300 in CI, 3,000 with
 * PERKS_RELIABILITY_FULL=1), split evenly over the three endpoints.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { slackSignature } from '../../nodes/shared/chat/slack/requestSignature';
import { teamsOutgoingSignature } from '../../nodes/shared/chat/teams/outgoingWebhookSignature';
import { closeServer } from '../../emulators/closeServer';
import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { N8nInstance, sleep, waitFor } from '../../harness/n8n';
import {
	catalogCredentials,
	loadTemplate,
	SLACK_SIGNING_SECRET,
	TEAMS_OUTGOING_TOKEN,
	waitUntilServed,
	webhookIdOf,
	withOwnTeamsCredential,
	type ChatSource,
} from '../../harness/n8n/templateSetup';
import {
	CONCURRENCY,
	flipByte,
	FULL,
	lanes,
	now,
	outcomeTable,
	oversize,
	PAYLOAD_MAX_MIB,
	prng,
	SEED,
	send,
	type Req,
	XML_TIMEOUT_MS,
	XML_TYPES,
} from './fuzzKit';

const TOTAL = Number(process.env.FUZZ_CHAT_REQUESTS ?? (FULL ? 3_000 : 300));
const random = prng(SEED ^ 0xc4a7);
const { int, pick, hex } = random;
const SOURCES: ChatSource[] = ['slackCommand', 'slackEvents', 'teamsOutgoingWebhook'];

/** One question as its platform sends it: the body, its content type, and how the platform signs it. */
interface Question {
	source: ChatSource;
	body: Buffer;
	contentType: string;
	/** The platform's signature headers for `body` (Slack: at `at`, default now). */
	sign(body: Buffer, at?: number): Record<string, string>;
	/** The same question asked by someone else (another asker id in the body). */
	otherAsker: Buffer;
	/** Teams: the question with its signed timestamp moved by `offsetMs` (and a new activity id). */
	sentAt?: (offsetMs: number) => Buffer;
}

interface Case {
	kind: string;
	/** True when some signature value is valid and fresh for exactly the bytes sent. */
	signed: boolean;
	/** A valid question: acknowledged, answered exactly once (a replay included). */
	mustAnswer?: boolean;
	/** Signed, but must not be answered. */
	noAnswer?: boolean;
	/** Oversize: n8n may close the connection before answering. */
	mayDrop?: boolean;
	/** An XML body, which n8n may never answer (XML_TYPES). */
	n8nMayStall?: boolean;
	/** Only for these endpoints (default: all three). */
	only?: ChatSource[];
	/** The requests to send, one after the other (a replay sends two). */
	make(q: Question): Req[];
}

const slackHeaders = (secret: string, body: Buffer, at = now()) => ({
	'x-slack-request-timestamp': String(at),
	'x-slack-signature': slackSignature(secret, at, body),
});
const signedAs = (
	q: Question,
	body: Buffer,
	extra: Record<string, string | string[]> = {},
): Req => ({
	body,
	headers: { 'content-type': q.contentType, ...q.sign(body), ...extra },
});
const unsigned = (q: Question, body = q.body): Req => ({
	body,
	headers: { 'content-type': q.contentType },
});
const signatureHeader = (q: Question) =>
	q.source === 'teamsOutgoingWebhook' ? 'authorization' : 'x-slack-signature';
/** One character of the signature changed (never the `v0=` / `HMAC ` prefix). */
const forged = (q: Question, body = q.body): Record<string, string> => {
	const headers = q.sign(body);
	const name = signatureHeader(q);
	const real = headers[name];
	const at = real.length - 2 - int(20);
	return {
		...headers,
		[name]: real.slice(0, at) + (real[at] === 'A' ? 'B' : 'A') + real.slice(at + 1),
	};
};
const isJson = (q: Question) => q.source !== 'slackCommand';
const SLACK_RETRY = { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Extra content spliced into the question: a JSON member, or a form field. */
const withExtra = (q: Question, member: string, field: string): Buffer =>
	isJson(q)
		? Buffer.from(`${q.body.toString('utf8').slice(0, -1)},${member}}`)
		: Buffer.concat([q.body, Buffer.from(`&${field}`)]);
/** The question's text with raw bytes spliced in (it says "balance" in every valid question). */
const withTextBytes = (q: Question, bytes: number[]): Buffer => {
	const at = q.body.indexOf('balance') + 3;
	return Buffer.concat([q.body.subarray(0, at), Buffer.from(bytes), q.body.subarray(at)]);
};

const CASES: Array<[number, Case]> = [
	[8, { kind: 'valid', signed: true, mustAnswer: true, make: (q) => [signedAs(q, q.body)] }],
	[
		3,
		{
			kind: 'valid, then replayed (re-signed)',
			signed: true,
			mustAnswer: true,
			make: (q) => [signedAs(q, q.body), signedAs(q, q.body)],
		},
	],
	[
		2,
		{
			kind: 'Slack retry, first copy never arrived',
			signed: true,
			mustAnswer: true,
			only: ['slackEvents'],
			make: (q) => [signedAs(q, q.body, SLACK_RETRY)],
		},
	],
	[
		2,
		{
			kind: 'Slack retry of a seen event',
			signed: true,
			mustAnswer: true,
			only: ['slackEvents'],
			make: (q) => [signedAs(q, q.body), signedAs(q, q.body, SLACK_RETRY)],
		},
	],
	[
		4,
		{
			kind: 'Teams activity replayed an hour or a day old or ahead, signed',
			signed: false,
			only: ['teamsOutgoingWebhook'],
			make: (q) => [signedAs(q, q.sentAt!(pick([-1, 1]) * pick([HOUR_MS, DAY_MS])))],
		},
	],
	[5, { kind: 'no signature', signed: false, make: (q) => [unsigned(q)] }],
	[
		5,
		{
			kind: 'wrong secret',
			signed: false,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': q.contentType,
						...(q.source === 'teamsOutgoingWebhook'
							? {
									authorization: teamsOutgoingSignature(
										Buffer.from(hex(32)).toString('base64'),
										q.body,
									),
								}
							: slackHeaders(hex(32), q.body)),
					},
				},
			],
		},
	],
	[
		6,
		{
			kind: 'one signature character changed',
			signed: false,
			make: (q) => [{ body: q.body, headers: { 'content-type': q.contentType, ...forged(q) } }],
		},
	],
	[
		4,
		{
			kind: 'garbage signature header',
			signed: false,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': q.contentType,
						...(q.source === 'teamsOutgoingWebhook'
							? {
									authorization: pick([
										'HMAC ',
										'HMAC !!!!',
										`Bearer ${hex(40)}`,
										`HMAC ${Buffer.from(hex(32)).toString('base64')}`,
										'x'.repeat(int(5000)),
										`hmac ${hex(44)}`,
									]),
								}
							: {
									'x-slack-request-timestamp': pick([
										String(now()),
										'abc',
										'',
										'-1',
										'1e9',
										`${now()}.5`,
									]),
									'x-slack-signature': pick([
										`v0=${hex(64)}`,
										'v0=',
										`v1=${hex(64)}`,
										`v0=${hex(63)}`,
										'x'.repeat(int(5000)),
										`V0=${hex(64)}`,
									]),
								}),
					},
				},
			],
		},
	],
	[
		4,
		{
			kind: 'stale timestamp',
			signed: false,
			only: ['slackCommand', 'slackEvents'],
			make: (q) => [
				{
					body: q.body,
					headers: { 'content-type': q.contentType, ...q.sign(q.body, now() - 301 - int(100_000)) },
				},
			],
		},
	],
	[
		3,
		{
			kind: 'future timestamp',
			signed: false,
			only: ['slackCommand', 'slackEvents'],
			make: (q) => [
				{
					body: q.body,
					headers: { 'content-type': q.contentType, ...q.sign(q.body, now() + 301 + int(100_000)) },
				},
			],
		},
	],
	[
		2,
		{
			kind: 'huge or zero timestamp',
			signed: false,
			only: ['slackCommand', 'slackEvents'],
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': q.contentType,
						...q.sign(q.body, pick([0, 1e12, 2 ** 53, 1e20])),
					},
				},
			],
		},
	],
	[
		6,
		{
			kind: 'tampered body (a byte changed after signing)',
			signed: false,
			make: (q) => [
				{
					body: flipByte(q.body, random),
					headers: { 'content-type': q.contentType, ...q.sign(q.body) },
				},
			],
		},
	],
	[
		5,
		{
			kind: 'asker changed after signing',
			signed: false,
			make: (q) => [
				{ body: q.otherAsker, headers: { 'content-type': q.contentType, ...q.sign(q.body) } },
			],
		},
	],
	[
		3,
		{
			kind: 'signature of another body',
			signed: false,
			make: (q) => [
				{ body: q.body, headers: { 'content-type': q.contentType, ...q.sign(q.otherAsker) } },
			],
		},
	],
	[
		3,
		{
			kind: 'repeated header, both forged',
			signed: false,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': q.contentType,
						...q.sign(q.body),
						[signatureHeader(q)]: [forged(q)[signatureHeader(q)], forged(q)[signatureHeader(q)]],
					},
				},
			],
		},
	],
	[
		2,
		{
			kind: 'repeated header, forged then valid',
			signed: true,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': q.contentType,
						...q.sign(q.body),
						[signatureHeader(q)]: [
							forged(q)[signatureHeader(q)],
							q.sign(q.body)[signatureHeader(q)],
						],
					},
				},
			],
		},
	],
	[
		1,
		{
			kind: 'XML content type, unsigned',
			signed: false,
			n8nMayStall: true,
			make: (q) => [{ body: q.body, headers: { 'content-type': pick(XML_TYPES) } }],
		},
	],
	[
		1,
		{
			kind: 'XML content type, signed',
			signed: true,
			n8nMayStall: true,
			make: (q) => [
				{ body: q.body, headers: { 'content-type': pick(XML_TYPES), ...q.sign(q.body) } },
			],
		},
	],
	[
		2,
		{
			kind: 'wrong content type, unsigned',
			signed: false,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': pick([
							'text/plain',
							'multipart/form-data; boundary=x',
							'application/octet-stream',
							isJson(q) ? 'application/x-www-form-urlencoded' : 'application/json',
						]),
					},
				},
			],
		},
	],
	[
		4,
		{
			kind: 'wrong content type, signed',
			signed: true,
			make: (q) => [
				{
					body: q.body,
					headers: {
						'content-type': pick([
							'text/plain',
							'application/octet-stream',
							'application/json; charset=latin1',
							isJson(q) ? 'application/x-www-form-urlencoded' : 'application/json',
						]),
						...q.sign(q.body),
					},
				},
			],
		},
	],
	[
		2,
		{
			kind: 'no content type, signed',
			signed: true,
			make: (q) => [{ body: q.body, headers: q.sign(q.body) }],
		},
	],
	[
		3,
		{
			kind: 'invalid UTF-8 in the question, signed',
			signed: true,
			make: (q) => [
				signedAs(
					q,
					withTextBytes(
						q,
						pick([
							[0xff],
							[0xc3, 0x28],
							[0xe2, 0x82],
							[0xed, 0xa0, 0x80],
							[0xf4, 0x90, 0x80, 0x80],
						]),
					),
				),
			],
		},
	],
	[
		2,
		{
			kind: 'deep nesting, signed',
			signed: true,
			make: (q) => {
				const d = 1_000 + int(100_000);
				return [
					signedAs(
						q,
						withExtra(q, `"deep":${'['.repeat(d)}${']'.repeat(d)}`, `${'x'}${'[a]'.repeat(d)}=1`),
					),
				];
			},
		},
	],
	[
		1,
		{
			kind: 'deep nesting, unsigned',
			signed: false,
			make: (q) => {
				const d = 1_000 + int(100_000);
				return [
					unsigned(
						q,
						Buffer.from(
							isJson(q) ? `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` : `x${'[a]'.repeat(d)}=1`,
						),
					),
				];
			},
		},
	],
	[
		2,
		{
			kind: 'huge numbers, signed',
			signed: true,
			make: (q) => {
				const n = pick([
					'1e400',
					'-1e400',
					'9'.repeat(400),
					'1e-400',
					'-0',
					'123456789012345678901234567890',
				]);
				return [signedAs(q, withExtra(q, `"event_time":${n},"n":${n}`, `n=${n}`))];
			},
		},
	],
	[
		3,
		{
			kind: '__proto__ / constructor keys, signed',
			signed: true,
			make: (q) => [
				signedAs(
					q,
					withExtra(
						q,
						pick([
							'"__proto__":{"polluted":true,"user":"U0ATTACKER"}',
							'"constructor":{"prototype":{"polluted":true}}',
							'"__proto__":null',
						]),
						pick([
							'__proto__[polluted]=1',
							'constructor[prototype][polluted]=1',
							'__proto__=x&user_id=U0ATTACKER',
						]),
					),
				),
			],
		},
	],
	[
		2,
		{
			kind: 'not JSON or empty, signed',
			signed: true,
			make: (q) => [
				signedAs(
					q,
					pick([
						Buffer.from(hex(200)),
						Buffer.from(''),
						Buffer.from('null'),
						Buffer.from('[]'),
						Buffer.from('"x"'),
						q.body.subarray(0, int(q.body.length)),
					]),
				),
			],
		},
	],
	[
		1,
		{
			kind: 'over the size limit, signed',
			signed: true,
			mayDrop: true,
			make: (q) => [
				signedAs(
					q,
					withExtra(
						q,
						`"pad":"${oversize(random).toString()}"`,
						`pad=${oversize(random).toString()}`,
					),
				),
			],
		},
	],
	[
		1,
		{
			kind: 'over the size limit, unsigned',
			signed: false,
			mayDrop: true,
			make: (q) => [unsigned(q, oversize(random))],
		},
	],
];

/** A slash command's `response_url`, one path per question: records each post by path. */
class ResponseUrls {
	readonly byPath = new Map<string, string[]>();
	private server?: Server;
	base = '';

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const posts = this.byPath.get(req.url ?? '') ?? [];
				posts.push(Buffer.concat(chunks).toString('utf8'));
				this.byPath.set(req.url ?? '', posts);
				res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		if (this.server) await closeServer(this.server);
	}
}

interface Asked {
	source: ChatSource;
	kind: string;
	signed: boolean;
	mustAnswer: boolean;
	noAnswer: boolean;
	mayDrop: boolean;
	n8nMayStall: boolean;
	statuses: number[];
	/** Answers seen in the HTTP responses (Teams). */
	httpAnswers: string[];
	balance: number;
	answers: () => string[];
}

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const graph = new GraphEmulator();
const responseUrls = new ResponseUrls();
const WORKFLOWS: Record<ChatSource, ReturnType<typeof loadTemplate>> = {
	slackCommand: loadTemplate('perks-balance-slash-command-slack.json', 'fuzzChatSlash001'),
	slackEvents: loadTemplate('balance-question-to-slack-bot.json', 'fuzzChatEvents01'),
	teamsOutgoingWebhook: loadTemplate(
		'perks-balance-teams-outgoing-webhook.json',
		'fuzzChatTeams001',
	),
};
/** The Teams template again, each with a security token an admin could paste wrongly. */
const BROKEN_TOKENS = {
	'pasted with dots': 'abc.def.ghi-jkl',
	'cut short': TEAMS_OUTGOING_TOKEN.slice(0, 40),
	'16 bytes': Buffer.alloc(16, 3).toString('base64'),
};
const BROKEN = Object.entries(BROKEN_TOKENS).map(([why, token], n) => ({
	why,
	token,
	...withOwnTeamsCredential(
		WORKFLOWS.teamsOutgoingWebhook,
		{ workflowId: `fuzzChatBadTok0${n}`, credentialId: `brokenTeamsToken${n}` },
		token,
	),
}));
let n8n: N8nInstance;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), graph.start(), responseUrls.start()]);
	const workflows = [...Object.values(WORKFLOWS), ...BROKEN.map((b) => b.workflow)];
	n8n = await N8nInstance.launch({
		name: 'fuzz-chat',
		credentials: [
			...catalogCredentials({ perks, slack, graph }, Object.values(WORKFLOWS)),
			...BROKEN.map((b) => b.credential),
		],
		workflows,
		env: { N8N_PAYLOAD_SIZE_MAX: String(PAYLOAD_MAX_MIB), N8N_LOG_LEVEL: 'info' },
	});
	await waitUntilServed(n8n, workflows);
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop(), graph.stop(), responseUrls.stop()]);
});

/** Question `i` for `source`, from its own asker with their own balance. */
function question(
	source: ChatSource,
	i: number,
	balance: number,
): { q: Question; answers: () => string[] } {
	if (source === 'teamsOutgoingWebhook') {
		const email = `tfuzz${i}@contoso.test`;
		const asker = graph.addUser({
			displayName: `Teams Fuzz ${i}`,
			userPrincipalName: email,
			mail: email,
		});
		perks.addEmployee(
			{ email, name: `Teams Fuzz ${i}`, locale: 'en' },
			{ balance, low_balance_threshold: 0 },
		);
		const activity = (aadObjectId: string, offsetMs = 0) =>
			Buffer.from(
				JSON.stringify({
					type: 'message',
					id: `act-${i}-${hex(8)}`,
					timestamp: new Date(Date.now() + offsetMs).toISOString(),
					serviceUrl: 'https://smba.trafficmanager.net/emea/',
					channelId: 'msteams',
					from: { id: `29:${i}`, name: `Teams Fuzz ${i}`, aadObjectId },
					conversation: { id: '19:channel@thread.skype;messageid=1', isGroup: true },
					text: '<at>Perks</at> balance',
					textFormat: 'plain',
				}),
			);
		const body = activity(asker.id);
		const other = Buffer.from(body.toString().replace(asker.id, graph.serviceAccount.id));
		const sign = (b: Buffer) => ({
			authorization: teamsOutgoingSignature(TEAMS_OUTGOING_TOKEN, b),
		});
		return {
			q: {
				source,
				body,
				contentType: 'application/json',
				sign,
				otherAsker: other,
				sentAt: (offsetMs) => activity(asker.id, offsetMs),
			},
			answers: () => [],
		};
	}
	const [user] = slack.addUsers(1, { namePrefix: `cfuzz${source === 'slackCommand' ? 'c' : 'e'}` });
	perks.addEmployee(
		{ email: user.email!, name: user.realName, locale: 'en' },
		{ balance, low_balance_threshold: 0 },
	);
	const sign = (b: Buffer, at?: number) => slackHeaders(SLACK_SIGNING_SECRET, b, at);
	const dms = () => slack.messagesFor(user.id).map((m) => String(m.text ?? ''));
	if (source === 'slackCommand') {
		const path = `/commands/T0PERKS001/${i}/${hex(8)}`;
		const form = (userId: string) =>
			Buffer.from(
				new URLSearchParams({
					token: 'deprecated',
					team_id: 'T0PERKS001',
					channel_id: 'C0GENERAL1',
					user_id: userId,
					user_name: user.name,
					command: '/perks',
					text: 'balance',
					api_app_id: 'A0PERKSAPP',
					response_url: `${responseUrls.base}${path}`,
					trigger_id: `trg.${i}.${hex(12)}`,
				}).toString(),
			);
		const body = form(user.id);
		const other = Buffer.from(body.toString().replace(user.id, 'U0SOMEONE1'));
		const answers = () => [...(responseUrls.byPath.get(path) ?? []), ...dms()];
		return {
			q: {
				source,
				body,
				contentType: 'application/x-www-form-urlencoded',
				sign,
				otherAsker: other,
			},
			answers,
		};
	}
	const envelope = (userId: string) =>
		Buffer.from(
			JSON.stringify({
				type: 'event_callback',
				team_id: 'T0PERKS001',
				api_app_id: 'A0PERKSAPP',
				event_id: `Ev${i}${hex(8)}`,
				event_time: now(),
				authorizations: [{ user_id: slack.botUserId, is_bot: true }],
				event: {
					type: 'message',
					channel_type: 'im',
					channel: `D0FUZZ${i}`,
					user: userId,
					text: 'balance',
				},
			}),
		);
	const body = envelope(user.id);
	const other = Buffer.from(body.toString().replace(user.id, 'U0SOMEONE1'));
	return {
		q: { source, body, contentType: 'application/json', sign, otherAsker: other },
		answers: dms,
	};
}

it(`fuzz: ${TOTAL} generated questions to the Perks Chat Trigger (Slack command, Slack Events, Teams): none accepted without a valid signature, valid questions answered exactly once`, async () => {
	const started = Date.now();
	const asked: Asked[] = [];
	const notReady = await lanes(
		TOTAL,
		async (i) => {
			const source = SOURCES[i % SOURCES.length];
			const c = random.weighted(CASES.filter(([, k]) => !k.only || k.only.includes(source)));
			const balance = 100 + (i % 800);
			const { q, answers } = question(source, i, balance);
			const record: Asked = {
				source,
				kind: c.kind,
				signed: c.signed,
				mustAnswer: Boolean(c.mustAnswer),
				noAnswer: Boolean(c.noAnswer),
				mayDrop: Boolean(c.mayDrop),
				n8nMayStall: Boolean(c.n8nMayStall),
				statuses: [],
				httpAnswers: [],
				balance,
				answers: () => [...record.httpAnswers, ...answers()],
			};
			for (const req of c.make(q)) {
				const { status, body } = await send(
					n8n.webhookUrl(webhookIdOf(WORKFLOWS[source])),
					req,
					c.n8nMayStall ? XML_TIMEOUT_MS : undefined,
				);
				record.statuses.push(status);
				if (
					source === 'teamsOutgoingWebhook' &&
					status === 200 &&
					/"type"\s*:\s*"message"/.test(body)
				)
					record.httpAnswers.push(body);
			}
			asked.push(record);
		},
		() => n8n.isReady(),
	);

	const accepted = (a: Asked) => a.statuses[0] >= 200 && a.statuses[0] < 300;
	const mustAnswer = asked.filter((a) => a.mustAnswer);
	await waitFor(() => mustAnswer.every((a) => a.answers().length > 0), {
		what: 'answers to the valid questions',
		timeoutMs: 60_000,
		instance: n8n,
	}).catch(() => undefined);
	await sleep(2_000);

	const table = outcomeTable(
		asked.map((a) => ({
			kind: `${a.source}: ${a.kind}`,
			outcome: `${a.statuses.map((s) => s || 'dropped').join('+')}${a.answers().length ? ` +${a.answers().length} answer` : ''}`,
		})),
	);
	const seconds = Math.round((Date.now() - started) / 1000);
	process.stdout.write(
		`\n[fuzz] Perks Chat Trigger: seed ${SEED}, ${asked.length} questions (${asked.reduce((n, a) => n + a.statuses.length, 0)} requests), ${CONCURRENCY} at a time, ${seconds} s; outcomes by endpoint and kind (statuses +answers: count):\n${table}\n`,
	);

	const show = (a: Asked) =>
		`${a.source}: ${a.kind}: ${a.statuses.join('+')} ${a.answers().length}`;
	expect(asked).toHaveLength(TOTAL);
	// Nothing without a valid signature for the exact bytes is acknowledged or answered.
	expect(
		asked
			.filter(
				(a) => !a.signed && (a.statuses.some((s) => s >= 200 && s < 300) || a.answers().length > 0),
			)
			.map(show),
	).toEqual([]);
	// Unsigned input gets a 4xx (bodies over n8n's limit excepted: n8n answers 500 or cuts them
	// short; and XML that n8n's parser never answers).
	const answered = (a: Asked) => (a.n8nMayStall ? a.statuses.filter((s) => s !== 0) : a.statuses);
	expect(
		asked
			.filter((a) => !a.signed && !a.mayDrop && answered(a).some((s) => s < 400 || s >= 500))
			.map(show),
	).toEqual([]);
	expect(
		asked.filter((a) => a.statuses.includes(0) && !a.mayDrop && !a.n8nMayStall).map(show),
	).toEqual([]);
	// Every asker exists and every service answers, so a 5xx here is the trigger or the reply failing.
	expect(asked.filter((a) => !a.mayDrop && a.statuses.some((s) => s >= 500)).map(show)).toEqual([]);
	// Never two answers; a refused question is not answered.
	expect(asked.filter((a) => a.answers().length > 1).map(show)).toEqual([]);
	expect(asked.filter((a) => !accepted(a) && a.answers().length > 0).map(show)).toEqual([]);
	expect(asked.filter((a) => a.noAnswer && a.answers().length > 0).map(show)).toEqual([]);
	// Valid questions, replays included: acknowledged, answered exactly once with the asker's own balance.
	expect(mustAnswer.length).toBeGreaterThan(TOTAL * 0.05);
	expect(
		mustAnswer
			.filter(
				(a) =>
					!accepted(a) ||
					a.answers().length !== 1 ||
					!a.answers()[0].includes(`${a.balance} points`),
			)
			.map((a) => `${show(a)} ${a.answers()[0]?.slice(0, 100)}`),
	).toEqual([]);
	// Teams answers travel in the HTTP response only: nothing was posted through Microsoft Graph.
	expect(graph.messages).toHaveLength(0);
	// n8n kept serving and never crashed.
	expect(notReady).toEqual([]);
	expect(n8n.running).toBe(true);
	expect(await n8n.isReady()).toBe(true);
}, 3_600_000);

it('Teams triggers whose security token is not base64 or too short refuse every request, even one signed with the key the token decodes to', async () => {
	const outcomes: string[] = [];
	for (const broken of BROKEN) {
		const url = n8n.webhookUrl(webhookIdOf(broken.workflow));
		for (let i = 0; i < 20; i++) {
			const { q } = question('teamsOutgoingWebhook', 100_000 + outcomes.length, 100);
			// The key the broken token decodes to, the empty key, the real token, or a random one.
			const key = [broken.token, '', TEAMS_OUTGOING_TOKEN, Buffer.from(hex(32)).toString('base64')][
				i % 4
			];
			const { status, body } = await send(url, {
				body: q.body,
				headers: {
					'content-type': 'application/json',
					authorization: teamsOutgoingSignature(key, q.body),
				},
			});
			const error = status === 500 && /"invalid_security_token"/.test(body) ? '' : ` ${body}`;
			outcomes.push(`${broken.why}: ${status}${error}`);
			expect(body).not.toContain(broken.token);
		}
	}
	expect(outcomes.filter((o) => !/: 500$/.test(o))).toEqual([]);
	expect(outcomes).toHaveLength(BROKEN.length * 20);
	// Nothing answered: Teams answers would be in the HTTP response, and nothing went through Graph.
	expect(graph.messages).toHaveLength(0);
	expect(await n8n.isReady()).toBe(true);
}, 300_000);
