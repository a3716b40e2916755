/**
 * Balance from chat, end to end in-process: real signed HTTP requests to a published Perks Chat
 * Trigger → Perks Chat Reply workflow, the perks API and Slack emulated on loopback.
 */
import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';
import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import {
	ResponseUrlRecorder,
	send,
	slackEvent,
	slashCommand,
	teamsMention,
	teamsSecurityToken,
	urlVerification,
	type SignedRequest,
} from '../../../emulators/chatRequests';
import { chain, node } from '../../../harness/inProcess/workflows';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const TEAMS_TOKEN = teamsSecurityToken('teams-outgoing-webhook-token');
const TRIGGER = 'n8n-nodes-perks.perksChatTrigger';
const REPLY = 'n8n-nodes-perks.perksChatReply';

const perks = new PerksEmulator();
const slack = new SlackEmulator();
const responseUrl = new ResponseUrlRecorder();
let hosted: HostedWorkflow | undefined;
let count = 0;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), responseUrl.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop(), responseUrl.stop()]);
});
afterEach(async () => {
	await hosted?.settled();
	await hosted?.stop();
	hosted = undefined;
	perks.setLatency('/v1', 0);
});

/** The Slack credential of the workflow last published: a test may change its secret. */
let slackCredential: { accessToken: string; apiUrl: string; signingSecret: string };

/** The Teams outgoing webhook credential of the workflow last published. */
let teamsCredential: { securityToken: string };

async function publish(
	source: string,
	options: {
		reply?: boolean;
		mappings?: Array<{ perksEmail: string; chatUser: string }>;
		teamsToken?: string;
	} = {},
) {
	count++;
	const trigger = node(
		'Perks Chat Trigger',
		TRIGGER,
		{ source },
		{
			webhookId: `chat-${count}`,
			credentials: {
				perksSlackApi: { id: 'cred-slack', name: 'Slack' },
				perksTeamsOutgoingWebhookApi: { id: 'cred-teams', name: 'Teams' },
			},
		},
	);
	const reply = node(
		'Perks Chat Reply',
		REPLY,
		{ manualMappings: { mapping: options.mappings ?? [] } },
		{
			credentials: {
				perksApi: { id: 'cred-perks', name: 'Perks' },
				perksSlackApi: { id: 'cred-slack', name: 'Slack' },
			},
		},
	);
	const nodes = options.reply === false ? [trigger] : [trigger, reply];
	hosted = await hostWorkflow(chain(`wf-chat-${count}`, ...nodes), 'Perks Chat Trigger', {
		credentials: {
			perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			perksSlackApi: (slackCredential = {
				accessToken: slack.token,
				apiUrl: slack.apiUrl,
				signingSecret: SIGNING_SECRET,
			}),
			perksTeamsOutgoingWebhookApi: (teamsCredential = {
				securityToken: options.teamsToken ?? TEAMS_TOKEN,
			}),
		},
	});
	return hosted;
}

let people = 0;
/** An employee in the perks platform and the same person in Slack. */
function person(locale: string, balance = 1250, slackEmail?: string) {
	people++;
	const email = `person${people}@example.com`;
	const employee = perks.addEmployee(
		{ email, name: `Person ${people}`, locale },
		{ balance, low_balance_threshold: 20 },
	);
	const user = slack.addUser({ name: `person${people}`, email: slackEmail ?? email });
	return { employee, user };
}

async function ask(
	wf: HostedWorkflow,
	request: SignedRequest,
	headers: Record<string, string> = {},
) {
	const result = await send(wf.url, request, headers);
	await wf.settled();
	return result;
}

describe('Perks Chat Trigger: Slack slash command', () => {
	it('answers /perks balance privately through response_url with the live balance', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en', 1250);
		const result = await ask(
			wf,
			slashCommand(SIGNING_SECRET, {
				userId: user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(result.status).toBe(200);
		expect(result.text).toBe('');
		const post = responseUrl.posts.at(-1)!;
		expect(post).toMatchObject({ response_type: 'ephemeral', replace_original: false });
		expect(post.text).toBe('You have 1,250 points in your perks wallet.');
		expect(wf.executions).toHaveLength(1);
	});

	it.each([
		['saldo', 'it', 'Hai 1.250 punti nel tuo portafoglio benefit.'],
		['balance', 'es', 'Tienes 1.250 puntos en tu saldo de beneficios.'],
		['Balance', 'pt', 'Você tem 1.250 pontos na sua carteira de benefícios.'],
		['/perks saldo', 'es', 'Tienes 1.250 puntos en tu saldo de beneficios.'],
		['punti', 'en', 'Hai 1.250 punti nel tuo portafoglio benefit.'],
		['How many points do I have?', 'it', 'You have 1,250 points in your perks wallet.'],
		['¿Cuántos puntos tengo?', 'en', 'Tienes 1.250 puntos en tu saldo de beneficios.'],
		['cuantos puntos tengo', 'pt', 'Tienes 1.250 puntos en tu saldo de beneficios.'],
		['Quanti punti ho?', 'pt', 'Hai 1.250 punti nel tuo portafoglio benefit.'],
		['Quantos pontos eu tenho?', 'es', 'Você tem 1.250 pontos na sua carteira de benefícios.'],
		['quantos pontos eu tenho', 'en', 'Você tem 1.250 pontos na sua carteira de benefícios.'],
	])('"%s" from an asker whose perks locale is %s', async (text, locale, expected) => {
		const wf = await publish('slackCommand');
		const { user } = person(locale, 1250);
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, { userId: user.id, text, responseUrl: responseUrl.url }),
		);
		expect(responseUrl.posts.at(-1)!.text).toBe(expected);
	});

	it('says when the balance is below the alert threshold', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en', 5);
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, {
				userId: user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(responseUrl.posts.at(-1)!.text).toBe(
			'You have 5 points in your perks wallet. That is below your alert of 20 points.',
		);
	});

	it.each([
		['help', 'en', /^Ask me "balance"/],
		['help', 'es', /^Pregúntame "saldo"/],
		['', 'it', /^Chiedimi "saldo"/],
		['ayuda', 'en', /^Pregúntame "saldo"/],
		['ajuda', 'en', /^Pergunte "saldo"/],
		['what is this?', 'es', /^Ask me "balance"/],
	])('"%s" gets the help text (asker locale %s)', async (text, locale, expected) => {
		const wf = await publish('slackCommand');
		const { user } = person(locale);
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, { userId: user.id, text, responseUrl: responseUrl.url }),
		);
		expect(responseUrl.posts.at(-1)!.text).toMatch(expected);
		expect(responseUrl.posts.at(-1)!.text).not.toMatch(/1[.,]250/);
	});

	it('tells an unmapped asker how to get mapped, in the language of the question', async () => {
		const wf = await publish('slackCommand');
		const stranger = slack.addUser({ name: 'stranger', email: 'nobody-in-perks@example.com' });
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, {
				userId: stranger.id,
				text: '¿cuántos puntos tengo?',
				responseUrl: responseUrl.url,
			}),
		);
		expect(responseUrl.posts.at(-1)!.text).toMatch(/^No encuentro tu cuenta de beneficios/);
	});

	it('honours Manual Mappings (by chat email and by user id) for an asker whose Slack email differs', async () => {
		const byEmail = person('en', 300, `alias-${people + 1}@corp.example.com`);
		const byId = person('en', 400, `other-${people + 1}@corp.example.com`);
		const wf = await publish('slackCommand', {
			mappings: [
				{ perksEmail: byEmail.employee.email, chatUser: byEmail.user.email!.toUpperCase() },
				{ perksEmail: byId.employee.email, chatUser: byId.user.id },
			],
		});
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, {
				userId: byEmail.user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(responseUrl.posts.at(-1)!.text).toBe('You have 300 points in your perks wallet.');
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, {
				userId: byId.user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(responseUrl.posts.at(-1)!.text).toBe('You have 400 points in your perks wallet.');
	});

	it('refuses forged, stale, tampered and unsigned requests with 401 and runs nothing', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en');
		const fields = { userId: user.id, text: 'balance', responseUrl: responseUrl.url };
		const posts = responseUrl.posts.length;
		const forged = slashCommand('not-the-secret', fields);
		const stale = slashCommand(SIGNING_SECRET, fields, {
			timestamp: Math.floor(Date.now() / 1000) - 301,
		});
		const good = slashCommand(SIGNING_SECRET, fields);
		const tampered = { ...good, body: good.body.replace(user.id, 'U0SOMEONE') };
		const unsigned = { body: good.body, headers: { 'content-type': good.headers['content-type'] } };
		for (const request of [forged, stale, tampered, unsigned]) {
			const result = await ask(wf, request);
			expect(result.status).toBe(401);
			expect(result.text).not.toContain(SIGNING_SECRET);
		}
		expect(wf.executions).toHaveLength(0);
		expect(responseUrl.posts.length).toBe(posts);
	});

	it('a changed signing secret counts at once; the replaced one is refused once it no longer verifies', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en', 640);
		const fields = { userId: user.id, text: 'balance', responseUrl: responseUrl.url };
		expect((await ask(wf, slashCommand(SIGNING_SECRET, fields))).status).toBe(200);
		slackCredential.signingSecret = 'the-rotated-signing-secret';
		// The secret read a moment ago no longer verifies it: the node reads the credential again.
		expect((await ask(wf, slashCommand('the-rotated-signing-secret', fields))).status).toBe(200);
		expect((await ask(wf, slashCommand(SIGNING_SECRET, fields))).status).toBe(401);
		expect(wf.executions).toHaveLength(2);
		expect(responseUrl.posts.at(-1)!.text).toBe('You have 640 points in your perks wallet.');
	});

	it("refuses to post the answer to a responseUrl that is not Slack's: response_url_not_slack, nothing read or sent", async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en', 555);
		// Same loopback recorder under another host name: a different host than the Slack API URL's.
		const elsewhere = responseUrl.url.replace('127.0.0.1', 'localhost');
		const posts = responseUrl.posts.length;
		const walletReads = perks.requests.filter((r) => r.path.includes('/wallet')).length;
		await ask(
			wf,
			slashCommand(SIGNING_SECRET, { userId: user.id, text: 'balance', responseUrl: elsewhere }),
		);
		const [run] = await wf.settled();
		const error = run.error('Perks Chat Reply') as Error & {
			context?: { code?: string };
			description?: string;
		};
		expect(error.context?.code).toBe('response_url_not_slack');
		expect(error.description).toMatch(/hooks\.slack\.com/);
		expect(error.message).not.toContain('/commands/');
		expect(responseUrl.posts.length).toBe(posts);
		expect(perks.requests.filter((r) => r.path.includes('/wallet')).length).toBe(walletReads);
	});

	it('answers a replayed request once', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en');
		const request = slashCommand(SIGNING_SECRET, {
			userId: user.id,
			text: 'balance',
			responseUrl: responseUrl.url,
		});
		const posts = responseUrl.posts.length;
		expect((await ask(wf, request)).status).toBe(200);
		const again = await ask(wf, request);
		expect(again.status).toBe(200);
		expect(JSON.parse(again.text)).toEqual({ ignored: 'replay' });
		expect(wf.executions).toHaveLength(1);
		expect(responseUrl.posts.length).toBe(posts + 1);
	});

	it('acknowledges inside 3 s when the perks API takes 2 s, and the answer follows on response_url', async () => {
		const wf = await publish('slackCommand');
		const { user } = person('en', 42);
		perks.setLatency('/v1', 2000);
		const posts = responseUrl.posts.length;
		const answer = responseUrl.nextPost(10_000);
		const result = await send(
			wf.url,
			slashCommand(SIGNING_SECRET, {
				userId: user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(result.status).toBe(200);
		expect(result.elapsedMs).toBeLessThan(3000);
		expect(responseUrl.posts.length).toBe(posts);
		expect((await answer).text).toBe('You have 42 points in your perks wallet.');
	}, 20_000);
});

describe('Perks Chat Trigger: Slack bot messages (Events API)', () => {
	const dm = (user: string, text: string, extra: Record<string, unknown> = {}) => ({
		type: 'message',
		channel_type: 'im',
		channel: 'D0ASKER001',
		user,
		text,
		ts: `${Date.now() / 1000}`,
		...extra,
	});

	it('answers url_verification with the challenge, and only when signed', async () => {
		const wf = await publish('slackEvents');
		const ok = await ask(wf, urlVerification(SIGNING_SECRET, 'challenge-abc'));
		expect(ok.status).toBe(200);
		expect(JSON.parse(ok.text)).toEqual({ challenge: 'challenge-abc' });
		expect((await ask(wf, urlVerification('wrong', 'challenge-abc'))).status).toBe(401);
		expect(wf.executions).toHaveLength(0);
	});

	it('answers a DM question and an @mention with a DM to the asker', async () => {
		const wf = await publish('slackEvents');
		const { user } = person('pt', 77);
		await ask(wf, slackEvent(SIGNING_SECRET, dm(user.id, 'quantos pontos eu tenho?')));
		await ask(
			wf,
			slackEvent(SIGNING_SECRET, {
				type: 'app_mention',
				channel: 'C0GENERAL1',
				user: user.id,
				text: '<@U0PERKSBOT> saldo?',
			}),
		);
		const texts = slack.messagesFor(user.id).map((m) => m.text);
		expect(texts).toEqual([
			'Você tem 77 pontos na sua carteira de benefícios.',
			'Você tem 77 pontos na sua carteira de benefícios.',
		]);
	});

	it('never answers a Slack retry of an event it saw, a replay, or any bot (its own answers included): no loops', async () => {
		const wf = await publish('slackEvents');
		const { user } = person('en', 10);
		const first = slackEvent(SIGNING_SECRET, dm(user.id, 'balance'));
		await ask(wf, first);
		const retry = await ask(wf, first, {
			'x-slack-retry-num': '1',
			'x-slack-retry-reason': 'http_timeout',
		});
		expect(JSON.parse(retry.text)).toEqual({ ignored: 'retry' });
		expect(JSON.parse((await ask(wf, first)).text)).toEqual({ ignored: 'replay' });
		// What Slack sends back about our own DM, and other bots' messages.
		const answer = slack.messagesFor(user.id)[0];
		for (const event of [
			dm(slack.botUserId, answer.text!, { bot_id: slack.botId }),
			dm(slack.botUserId, 'balance'),
			dm('U0OTHERBOT', 'balance', { bot_id: 'B0OTHER', subtype: 'bot_message' }),
			dm(user.id, 'balance', { subtype: 'message_changed' }),
		]) {
			expect(JSON.parse((await ask(wf, slackEvent(SIGNING_SECRET, event))).text)).toEqual({
				ignored: 'bot_or_system_message',
			});
		}
		expect(wf.executions).toHaveLength(1);
		expect(slack.messagesFor(user.id)).toHaveLength(1);
	});

	it('answers a Slack retry whose first copy never arrived (n8n restarted, request lost), once', async () => {
		const wf = await publish('slackEvents');
		const { user } = person('en', 31);
		const lost = slackEvent(SIGNING_SECRET, dm(user.id, 'balance'));
		const retried = await ask(wf, lost, {
			'x-slack-retry-num': '1',
			'x-slack-retry-reason': 'http_timeout',
		});
		expect(retried.status).toBe(200);
		expect(JSON.parse(retried.text)).toEqual({ ok: true });
		const again = await ask(wf, lost, {
			'x-slack-retry-num': '2',
			'x-slack-retry-reason': 'http_timeout',
		});
		expect(JSON.parse(again.text)).toEqual({ ignored: 'retry' });
		expect(wf.executions).toHaveLength(1);
		expect(slack.messagesFor(user.id).map((m) => m.text)).toEqual([
			'You have 31 points in your perks wallet.',
		]);
	});

	it('refuses forged and stale events with 401', async () => {
		const wf = await publish('slackEvents');
		const { user } = person('en');
		expect((await ask(wf, slackEvent('forged', dm(user.id, 'balance')))).status).toBe(401);
		const stale = slackEvent(SIGNING_SECRET, dm(user.id, 'balance'), {
			timestamp: Math.floor(Date.now() / 1000) - 3600,
		});
		expect((await ask(wf, stale)).status).toBe(401);
		expect(wf.executions).toHaveLength(0);
	});

	it('an answer with hostile wallet data reaches Slack literal, by response_url and by DM', async () => {
		people++;
		const email = `person${people}@example.com`;
		perks.addEmployee(
			{ email, name: '<!channel>', locale: 'en' },
			{
				balance: 5,
				low_balance_threshold: 20,
				currency: '<!channel> *pts* <https://evil.example|go>',
			},
		);
		const user = slack.addUser({ name: `person${people}`, email });
		const unit = '&lt;!channel&gt; ∗pts∗ &lt;https://evil.example|go&gt;';
		const expected = `You have 5 ${unit} in your perks wallet. That is below your alert of 20 ${unit}.`;
		const command = await publish('slackCommand');
		await ask(
			command,
			slashCommand(SIGNING_SECRET, {
				userId: user.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(responseUrl.posts.at(-1)!.text).toBe(expected);
		await command.stop();
		const events = await publish('slackEvents');
		await ask(events, slackEvent(SIGNING_SECRET, dm(user.id, 'balance')));
		expect(slack.messagesFor(user.id).map((m) => m.text)).toEqual([expected]);
	});
});

describe('Perks Chat Trigger: Teams outgoing webhook', () => {
	it('starts a run with the asker and the parsed question when the HMAC is right', async () => {
		const wf = await publish('teamsOutgoingWebhook', { reply: false });
		const result = await ask(
			wf,
			teamsMention(TEAMS_TOKEN, { aadObjectId: 'aad-ada', text: 'Quanti punti ho?' }),
		);
		expect(result.status).toBe(200);
		const [run] = await wf.settled();
		expect(
			run.run.data.resultData.runData['Perks Chat Trigger'][0].data!.main[0]![0].json,
		).toMatchObject({
			platform: 'teams',
			source: 'teamsOutgoingWebhook',
			askerId: 'aad-ada',
			intent: 'balance',
			language: 'it',
		});
	});

	it('refuses a forged or unsigned mention with 401, and a replayed one runs once', async () => {
		const wf = await publish('teamsOutgoingWebhook', { reply: false });
		const good = teamsMention(TEAMS_TOKEN, { aadObjectId: 'aad-ada', text: 'balance' });
		const wrongKey = teamsMention(Buffer.from('another token').toString('base64'), {
			aadObjectId: 'aad-ada',
			text: 'balance',
		});
		// Keyed with the token text instead of its base64-decoded bytes: a common mistake, still refused.
		const undecoded = teamsMention(Buffer.from(TEAMS_TOKEN).toString('base64'), {
			aadObjectId: 'aad-ada',
			text: 'balance',
		});
		for (const request of [
			wrongKey,
			undecoded,
			{ body: good.body, headers: { 'content-type': 'application/json' } },
		]) {
			expect((await ask(wf, request)).status).toBe(401);
		}
		expect((await ask(wf, { ...good, body: good.body.replace('aad-ada', 'aad-bob') })).status).toBe(
			401,
		);
		expect((await ask(wf, good)).status).toBe(200);
		expect(JSON.parse((await ask(wf, good)).text)).toEqual({ ignored: 'replay' });
		expect(wf.executions).toHaveLength(1);
	});

	it.each([
		['an hour old', -3600_000],
		['an hour ahead', 3600_000],
		['a day old', -86_400_000],
		['a day ahead', 86_400_000],
	])(
		'refuses a correctly signed activity sent %s (a replay the id memory forgot) with 401',
		async (_, offsetMs) => {
			const wf = await publish('teamsOutgoingWebhook', { reply: false });
			const replayed = teamsMention(TEAMS_TOKEN, {
				aadObjectId: 'aad-ada',
				text: 'balance',
				timestamp: new Date(Date.now() + offsetMs).toISOString(),
			});
			const result = await ask(wf, replayed);
			expect(result.status).toBe(401);
			expect(JSON.parse(result.text)).toMatchObject({ error: 'stale_request', reason: 'stale' });
			const unstamped = teamsMention(TEAMS_TOKEN, {
				aadObjectId: 'aad-ada',
				text: 'balance',
				timestamp: null,
			});
			expect(JSON.parse((await ask(wf, unstamped)).text)).toMatchObject({ reason: 'missing' });
			expect(wf.executions).toHaveLength(0);
		},
	);

	it.each([
		['not base64 (pasted with dots)', 'abc.def.ghi'],
		['cut short', TEAMS_TOKEN.slice(0, 40)],
		['16 bytes', Buffer.alloc(16, 9).toString('base64')],
	])(
		'a security token %s refuses every request, even one signed with the key it decodes to; a fixed one counts at once',
		async (_, badToken) => {
			const wf = await publish('teamsOutgoingWebhook', { reply: false, teamsToken: badToken });
			for (const key of [badToken, '']) {
				const result = await ask(
					wf,
					teamsMention(key, { aadObjectId: 'aad-ada', text: 'balance' }),
				);
				expect(result.status).toBe(500);
				expect(JSON.parse(result.text)).toMatchObject({
					error: 'invalid_security_token',
					fix: expect.stringMatching(/Paste the Security Token again/) as unknown,
				});
				expect(result.text).not.toContain(badToken);
			}
			expect(wf.executions).toHaveLength(0);
			teamsCredential.securityToken = TEAMS_TOKEN;
			const fixed = await ask(
				wf,
				teamsMention(TEAMS_TOKEN, { aadObjectId: 'aad-ada', text: 'balance' }),
			);
			expect(fixed.status).toBe(200);
			expect(wf.executions).toHaveLength(1);
		},
	);

	it('fails with platform_mismatch and its fix when Perks Chat Reply is left on Slack', async () => {
		const wf = await publish('teamsOutgoingWebhook');
		const result = await ask(
			wf,
			teamsMention(TEAMS_TOKEN, { aadObjectId: 'aad-ada', text: 'balance' }),
		);
		expect(result.status).toBe(500);
		const [run] = await wf.settled();
		const error = run.error('Perks Chat Reply') as Error & {
			context?: { code?: string };
			description?: string;
		};
		expect(error.context?.code).toBe('platform_mismatch');
		expect(error.description).toMatch(/Platform to Microsoft Teams/);
		// The Teams id never reached Slack.
		expect(slack.calls.filter((c) => JSON.stringify(c.params).includes('aad-ada'))).toHaveLength(0);
	});
});
