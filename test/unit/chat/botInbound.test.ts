/**
 * The bot's messaging endpoint free of n8n: what a verified activity becomes (a question with a
 * reply address bound to it, a button click, nothing), and what replays, stale activities,
 * forged buttons and edited reply addresses get.
 */
import { bindRecipient } from '../../../nodes/shared/chat/teams/bot/bindings';
import { handleBotRequest, type BotOutcome } from '../../../nodes/shared/chat/teams/bot/inbound';
import { replyActivity, replyTargetOf } from '../../../nodes/shared/chat/teams/bot/inboundReply';
import { BotSigningKeys, type FetchJson } from '../../../nodes/shared/chat/teams/bot/signingKeys';
import { RecentKeys } from '../../../nodes/shared/idempotency/recentKeys';
import { BotSigningServer, mintBotToken, signingKey, type SigningKey } from './botSigningServer';

const APP_ID = 'b07a0000-0000-4000-8000-000000000001';
const TENANT = 'contoso-tenant-0001';
const SECRET = 'bot-client-secret-for-inbound-tests';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const signing = new BotSigningServer();
const fetchJson: FetchJson = async (url) => await (await fetch(url)).json();
let key: SigningKey;
let keys: BotSigningKeys;
let seen: RecentKeys;
let n = 0;

beforeAll(async () => {
	await signing.start();
	key = await signingKey('inbound-1', ['msteams']);
	signing.published = [key];
});
afterAll(async () => await signing.stop());
beforeEach(() => {
	keys = new BotSigningKeys(signing.metadataUrl);
	seen = new RecentKeys(1000, 600_000);
});

type Activity = Record<string, unknown>;

function message(overrides: Activity = {}): Activity {
	n++;
	return {
		type: 'message',
		id: `1700000000${n}`,
		timestamp: new Date().toISOString(),
		serviceUrl: SERVICE_URL,
		channelId: 'msteams',
		from: { id: `29:user-${n}`, name: 'Ana', aadObjectId: 'aad-ana' },
		recipient: { id: `28:${APP_ID}`, name: 'Perks' },
		conversation: { id: `a:1on1-${n}`, conversationType: 'personal', tenantId: TENANT },
		channelData: { tenant: { id: TENANT } },
		text: 'how many points do I have?',
		...overrides,
	};
}

async function post(activity: Activity, token?: string): Promise<BotOutcome> {
	return await handleBotRequest({
		rawBody: Buffer.from(JSON.stringify(activity)),
		authorization: `Bearer ${token ?? (await mintBotToken({ key, appId: APP_ID, serviceUrl: SERVICE_URL }))}`,
		credential: { appId: APP_ID, clientSecret: SECRET, tenantId: TENANT },
		fetchJson,
		scope: 'test:wf:node',
		seen,
		keys,
	});
}

function question(outcome: BotOutcome) {
	if (outcome.action !== 'start')
		throw new Error(`expected a question, got ${JSON.stringify(outcome)}`);
	return outcome.question;
}

test('a 1:1 question becomes a question answered in that chat, with its reply address bound', async () => {
	const q = question(await post(message()));
	expect(q).toMatchObject({
		platform: 'teams',
		source: 'teamsBot',
		askerId: 'aad-ana',
		intent: 'balance',
		language: 'en',
		conversationType: 'personal',
		serviceUrl: SERVICE_URL,
		replyToId: null,
		askerExternal: false,
		askerGuest: false,
		button: null,
	});
	expect(replyTargetOf(q, SECRET)).toEqual({
		serviceUrl: SERVICE_URL,
		conversationId: q.channelId,
		replyToId: null,
		askerId: 'aad-ana',
		cardActivityId: null,
	});
});

test('an @mention in a channel: the mention is cut out and the answer threads under it', async () => {
	const activity = message({
		text: '<at>Perks</at> saldo',
		conversation: {
			id: '19:general@thread.tacv2;messageid=1700',
			conversationType: 'channel',
			tenantId: TENANT,
		},
	});
	const q = question(await post(activity));
	expect(q).toMatchObject({
		text: 'saldo',
		intent: 'balance',
		language: null,
		replyToId: activity.id,
	});
	// "Perks" alone, the bot's name, is no question at all.
	const helpOnly = question(await post(message({ text: '<at>balance</at> hola' })));
	expect(helpOnly).toMatchObject({ intent: 'help', text: 'hola' });
});

test.each([
	['/balance', 'balance', null],
	['¿Cuántos puntos tengo?', 'balance', 'es'],
	['quanti punti ho?', 'balance', 'it'],
	['quantos pontos eu tenho?', 'balance', 'pt'],
	['hello there', 'help', null],
])('"%s" is a %s question (language %s)', async (text, intent, language) => {
	expect(question(await post(message({ text })))).toMatchObject({ intent, language });
});

test('someone of another tenant, or a guest, is flagged: nothing vouches for them', async () => {
	const external = message({
		conversation: { id: 'a:x', conversationType: 'personal', tenantId: 'fabrikam' },
		channelData: { tenant: { id: 'fabrikam' } },
	});
	expect(question(await post(external)).askerExternal).toBe(true);
	const guest = message({
		from: { id: '29:g', name: 'Guest', aadObjectId: 'aad-guest', userRole: 'guest' },
	});
	expect(question(await post(guest)).askerGuest).toBe(true);
});

test('the same activity sent twice starts one run; a stale one is refused', async () => {
	const activity = message();
	expect((await post(activity)).action).toBe('start');
	expect(await post(activity)).toEqual({
		action: 'respond',
		status: 200,
		body: { ignored: 'replay' },
	});
	const old = message({ timestamp: new Date(Date.now() - 10 * 60_000).toISOString() });
	expect(await post(old)).toMatchObject({
		action: 'respond',
		status: 401,
		body: { error: 'stale_request' },
	});
});

test('nothing from an unverified request is acted on, whatever its body says', async () => {
	const forger = await signingKey('inbound-1', ['msteams']);
	const forged = await mintBotToken({
		key: forger,
		appId: APP_ID,
		serviceUrl: 'https://attacker.example/',
	});
	const activity = message({ serviceUrl: 'https://attacker.example/' });
	expect(await post(activity, forged)).toMatchObject({
		status: 401,
		body: { error: 'invalid_signature' },
	});
	// The activity id was not claimed: the genuine copy still gets through.
	expect((await post({ ...activity, serviceUrl: SERVICE_URL })).action).toBe('start');
	const elsewhere = await mintBotToken({ key, appId: APP_ID, serviceUrl: SERVICE_URL });
	expect(await post(message({ serviceUrl: 'https://attacker.example/' }), elsewhere)).toMatchObject(
		{
			status: 401,
			body: { error: 'service_url_mismatch' },
		},
	);
});

test('installs, reactions and bot messages start nothing', async () => {
	const outcomes = await Promise.all([
		post(message({ type: 'conversationUpdate' })),
		post(message({ type: 'messageReaction' })),
		post(message({ from: { id: `28:${APP_ID}`, name: 'Perks' } })),
		post(message({ text: '<at>Perks</at>' })),
	]);
	expect(
		outcomes.map((o) => (o.action === 'respond' ? (o.body.ignored ?? o.body.error) : 'started')),
	).toEqual(['not_a_message', 'not_a_message', 'not_from_a_user', 'no_text']);
});

test('a "Show my balance" click names the recipient only when the button is genuine', async () => {
	const click = (value: unknown, aad = 'aad-ana') =>
		message({
			text: undefined,
			value,
			replyToId: 'card-1',
			from: { id: '29:c', name: 'C', aadObjectId: aad },
		});
	const genuine = question(
		await post(click({ action: 'perks.showBalance', for: bindRecipient(SECRET, 'aad-ana') })),
	);
	expect(genuine).toMatchObject({ intent: 'balance', button: { for: 'aad-ana' }, replyToId: null });
	// The card the click came from, bound with the reply address: the answer updates it in place.
	expect(genuine.cardActivityId).toBe('card-1');
	expect(replyTargetOf(genuine, SECRET).cardActivityId).toBe('card-1');
	expect(() => replyTargetOf({ ...genuine, cardActivityId: 'another-card' }, SECRET)).toThrow(
		expect.objectContaining({ code: 'reply_target_unverified' }),
	);
	expect(() => replyTargetOf({ ...genuine, cardActivityId: null }, SECRET)).toThrow(
		expect.objectContaining({ code: 'reply_target_unverified' }),
	);
	const forgedFor = `aad-ana.${'A'.repeat(22)}`;
	expect(
		question(await post(click({ action: 'perks.showBalance', for: forgedFor }))).button,
	).toEqual({ for: null });
	const otherKey = bindRecipient('another-secret', 'aad-ana');
	expect(
		question(await post(click({ action: 'perks.showBalance', for: otherKey }))).button,
	).toEqual({ for: null });
	// Someone else clicking Ana's card: the item says whom it was for, and who clicked.
	const bob = question(
		await post(
			click({ action: 'perks.showBalance', for: bindRecipient(SECRET, 'aad-ana') }, 'aad-bob'),
		),
	);
	expect(bob).toMatchObject({ askerId: 'aad-bob', button: { for: 'aad-ana' } });
});

test('a reply address or asker edited in the workflow is refused before any call', async () => {
	const q = question(await post(message()));
	for (const edit of [
		{ serviceUrl: 'https://attacker.example/' },
		{ channelId: 'a:someone-else' },
		{ askerId: 'aad-ceo' },
		{ replyToId: 'x' },
		{ replyTargetSignature: undefined },
	]) {
		expect(() => replyTargetOf({ ...q, ...edit }, SECRET)).toThrow(
			expect.objectContaining({ code: 'reply_target_unverified' }),
		);
	}
	expect(() => replyTargetOf(q, 'another-credential-secret')).toThrow(
		/not the one the Teams bot received/,
	);
});

test('the answer activity is literal text, threaded only outside a 1:1 chat', () => {
	const thread = {
		serviceUrl: SERVICE_URL,
		conversationId: '19:c;messageid=9',
		replyToId: '9',
		askerId: 'a',
	};
	const activity = replyActivity(thread, 'You have 5 <b>*pts*</b> [x](https://evil.example)');
	expect(activity).toMatchObject({ type: 'message', textFormat: 'xml', replyToId: '9' });
	expect(String(activity.text)).not.toMatch(/<b>|\*pts\*|\]\(/);
	expect(replyActivity({ ...thread, replyToId: null }, 'x')).not.toHaveProperty('replyToId');
});
