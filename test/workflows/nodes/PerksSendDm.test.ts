import { ALL_SCOPES, SlackEmulator } from '../../../emulators/slackApi';
import {
	ledgerDb,
	instantiate,
	loadPackage,
	runFromTrigger,
} from '../../../harness/inProcess/n8nRuntime';
import { sqliteLedgerDatabase, useTestLedger } from '../../../harness/inProcess/sqliteLedger';
import { credentialRefs, runNode, walletFundedItem } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';

const slack = new SlackEmulator();
let ada: ReturnType<SlackEmulator['addUser']>;

beforeAll(async () => {
	await slack.start();
	ada = slack.addUser({ name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com' });
	slack.addUser({ name: 'grace', realName: 'Grace Hopper', email: 'grace.hopper@example.com' });
	slack.addUser({ name: 'old', email: 'gone@example.com', deleted: true });
	slack.addUser({ name: 'perksbot', email: 'bot@example.com', isBot: true });
});
afterAll(async () => {
	await slack.stop();
});
beforeEach(() => slack.clearRecords());

const byEmail = {
	platform: 'slack',
	recipientBy: 'email',
	email: '={{ $json.employeeEmail }}',
	messageSource: 'default',
};

async function sendDm(
	parameters: Record<string, unknown>,
	inputs = [walletFundedItem()],
	extra = {},
) {
	return await runNode(TYPE.sendDm, parameters as never, inputs, { slack }, extra);
}

describe('Send DM', () => {
	it('finds the person in the directory and posts the default wallet.funded message to their user id', async () => {
		const result = await sendDm(byEmail);
		expect(result.error('Subject')).toBeUndefined();
		const [out] = result.output('Subject');
		const [message] = slack.messages;
		expect(slack.messages).toHaveLength(1);
		expect(message.channel).toBe(slack.dmChannelFor(ada.id));
		expect(message.text).toMatch(/100/);
		expect(message.text).toMatch(/220/);
		expect(Array.isArray(message.blocks)).toBe(true);
		expect(JSON.stringify(message.blocks)).toMatch(/220/);
		expect(out).toMatchObject({
			platform: 'slack',
			sent: true,
			channelId: message.channel,
			messageId: message.ts,
			recipientUserId: ada.id,
			recipientEmail: 'ada@example.com',
			matchedBy: 'email',
		});
		// One listing of the workspace, one post to the user id: no lookup, no conversations.open.
		expect(message.requestedChannel).toBe(ada.id);
		expect(slack.calls.map((c) => c.method)).toEqual(['users.list', 'chat.postMessage']);
	});

	it('works the same with the OAuth2 credential (its bot token)', async () => {
		const pkg = await loadPackage();
		const subject = node(
			'Subject',
			TYPE.sendDm,
			{ ...byEmail, authentication: 'oAuth2' } as never,
			{
				credentials: { perksSlackOAuth2Api: { id: 'cred-oauth', name: 'Perks Slack OAuth2 API' } },
			},
		);
		const workflow = instantiate(pkg, chain('wf-oauth', subject));
		const credentials = {
			perksSlackOAuth2Api: { apiUrl: slack.apiUrl, oauthTokenData: { access_token: slack.token } },
		};
		const result = await runFromTrigger(pkg, workflow, 'Subject', [{ json: walletFundedItem() }], {
			credentials,
		});
		expect(result.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: ada.id });
		expect(slack.calls.every((call) => call.token === slack.token)).toBe(true);
	});

	it('matches emails trimmed and case-insensitively', async () => {
		const result = await sendDm(byEmail, [
			walletFundedItem({ employeeEmail: '  ADA@Example.COM ' }),
		]);
		expect(result.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: ada.id });
	});

	it('sends by user id', async () => {
		const result = await sendDm({ ...byEmail, recipientBy: 'userId', userId: ada.id });
		expect(result.output('Subject')[0]).toMatchObject({
			sent: true,
			recipientUserId: ada.id,
			matchedBy: 'user_id',
		});
		expect(slack.callCount('users.lookupByEmail')).toBe(0);
	});

	it('lets a manual mapping win over the email lookup, to an email or to a user id', async () => {
		const toEmail = await sendDm({
			...byEmail,
			manualMappings: {
				mapping: [{ perksEmail: 'ADA@example.com', chatUser: 'grace.hopper@example.com' }],
			},
		});
		expect(toEmail.output('Subject')[0]).toMatchObject({
			matchedBy: 'manual_mapping',
			recipientName: 'grace',
		});
		const graceId = toEmail.output('Subject')[0].recipientUserId as string;

		const toId = await sendDm({
			...byEmail,
			manualMappings: { mapping: [{ perksEmail: 'ada@example.com', chatUser: graceId }] },
		});
		expect(toId.output('Subject')[0]).toMatchObject({
			matchedBy: 'manual_mapping',
			recipientUserId: graceId,
		});
		expect(slack.messages.every((m) => m.channel === slack.dmChannelFor(graceId))).toBe(true);
	});

	it('explains a user not found: the emails differ, check the mapping', async () => {
		const result = await sendDm(byEmail, [
			walletFundedItem({ employeeEmail: 'ada.perks@example.com' }),
		]);
		const error = result.error('Subject') as Error & { description?: string };
		expect(error.message).toMatch(/ada\.perks@example\.com/);
		expect(error.description).toMatch(/email probably differ/);
		expect(error.description).toMatch(/Manual Mappings/);
		expect(slack.messages).toHaveLength(0);
	});

	it('never matches deactivated or bot accounts', async () => {
		const gone = await sendDm(byEmail, [walletFundedItem({ employeeEmail: 'gone@example.com' })]);
		expect((gone.error('Subject') as Error & { description?: string }).description).toMatch(
			/deactivated/,
		);
		const bot = await sendDm(byEmail, [walletFundedItem({ employeeEmail: 'bot@example.com' })]);
		expect(bot.error('Subject')?.message).toMatch(/bot or app/);
		expect(slack.messages).toHaveLength(0);
	});

	it('sends custom text and Block Kit JSON with expressions', async () => {
		const blocks = JSON.stringify({
			blocks: [
				{ type: 'section', text: { type: 'mrkdwn', text: 'Hi *{{ $json.employeeName }}*' } },
			],
		});
		const result = await sendDm({
			...byEmail,
			messageSource: 'custom',
			text: '=Balance: {{ $json.balance }}',
			blocks: `=${blocks}`,
		});
		expect(result.error('Subject')).toBeUndefined();
		expect(slack.messages[0].text).toBe('Balance: 220');
		expect(slack.messages[0].blocks).toEqual([
			{ type: 'section', text: { type: 'mrkdwn', text: 'Hi *Ada Lovelace*' } },
		]);
	});

	it("refuses text over Slack's limit before any call, never cutting it", async () => {
		const result = await sendDm({ ...byEmail, messageSource: 'custom', text: 'x'.repeat(40_001) });
		expect(result.error('Subject')?.message).toMatch(/40,?000/);
		expect(slack.calls).toHaveLength(0);
	});

	it('refuses invalid blocks JSON naming the field', async () => {
		const result = await sendDm({
			...byEmail,
			messageSource: 'custom',
			text: 'hi',
			blocks: '[{"type": "section",',
		});
		expect(result.error('Subject')?.message).toMatch(/blocks/i);
		expect(slack.calls).toHaveLength(0);
	});

	it('waits out a 429 and posts exactly once', async () => {
		slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
		const result = await sendDm(byEmail);
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		expect(slack.callCount('chat.postMessage')).toBe(2);
		expect(slack.messages).toHaveLength(1);
	});

	it('gives up at once on a Retry-After too long to wait in a workflow', async () => {
		slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 3600 });
		// Its own credential: the hour-long pause is shared by every send with that credential.
		const credentials = {
			...credentialRefs,
			perksSlackApi: { id: 'cred-slack-paused', name: 'Paused' },
		};
		const result = await sendDm(byEmail, [walletFundedItem()], { credentials });
		expect(result.error('Subject')?.message).toMatch(/rate limited/);
		expect(slack.callCount('chat.postMessage')).toBe(1);
	});

	it.each(['invalid_auth', 'token_revoked', 'account_inactive'])(
		'%s: re-authorize, with a service account',
		async (code) => {
			// The post: the one call every DM makes (the recipient comes from the directory).
			slack.failNext('chat.postMessage', 1, { error: code });
			const error = (await sendDm(byEmail)).error('Subject') as Error & { description?: string };
			expect(error.message).toContain(code);
			expect(error.description).toMatch(/Re-authorize/);
			expect(error.description).toMatch(/service account/);
		},
	);

	it('missing_scope names the scope', async () => {
		// A DM posts to the user id: chat:write, not im:write (conversations.open) any more.
		slack.setScopes(['im:write', 'users:read', 'users:read.email']);
		try {
			const error = (await sendDm(byEmail)).error('Subject') as Error & { description?: string };
			expect(error.description).toMatch(/"chat:write" scope/);
		} finally {
			slack.setScopes(ALL_SCOPES);
		}
	});

	it('with Continue On Fail, routes the failed item to the error output and sends the others', async () => {
		const inputs = [
			walletFundedItem({ employeeEmail: 'ada@example.com' }),
			walletFundedItem({ employeeEmail: 'nobody@example.com' }),
			walletFundedItem({ employeeEmail: 'grace.hopper@example.com' }),
		];
		const result = await sendDm(byEmail, inputs, { onError: 'continueErrorOutput' });
		expect(result.output('Subject', 0).map((i) => i.recipientName)).toEqual(['ada', 'grace']);
		const [failed] = result.output('Subject', 1);
		expect(failed).toMatchObject({
			employeeEmail: 'nobody@example.com',
			error: expect.stringMatching(/nobody@example\.com/),
			details: { code: 'recipient_not_found', fix: expect.stringMatching(/Manual Mappings/) },
		});
		expect(slack.messages).toHaveLength(2);
	});

	it('sends an event once per recipient, also when the workflow runs again for a redelivery', async () => {
		const item = walletFundedItem();
		const first = await sendDm(byEmail, [item], { workflowId: 'wf-dedupe' });
		const second = await sendDm(byEmail, [item], { workflowId: 'wf-dedupe' });
		expect(first.output('Subject')[0]).toMatchObject({ sent: true });
		expect(second.output('Subject')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		expect(slack.messages).toHaveLength(1);
	});

	it('a failed send does not consume the event: the redelivery still delivers', async () => {
		const item = walletFundedItem();
		slack.failNext('chat.postMessage', 1, { status: 500 });
		const failed = await sendDm(byEmail, [item], { workflowId: 'wf-retry' });
		expect(failed.error('Subject')).toBeDefined();
		const retried = await sendDm(byEmail, [item], { workflowId: 'wf-retry' });
		expect(retried.output('Subject')[0]).toMatchObject({ sent: true });
		expect(slack.messages).toHaveLength(1);
	});

	it('never puts the token in output or errors', async () => {
		slack.failNext('chat.postMessage', 1, { error: 'invalid_auth' });
		const failed = await sendDm(byEmail);
		const ok = await sendDm(byEmail);
		for (const result of [failed, ok])
			expect(JSON.stringify(result.run)).not.toContain(slack.token);
		expect(JSON.stringify(failed.error('Subject'))).not.toContain(slack.token);
	});

	it("writes the default message in the employee's language", async () => {
		await sendDm(byEmail, [
			walletFundedItem({ employeeLocale: 'it-IT', amount: 1250, balance: 1500 }),
		]);
		expect(slack.messages[0].text).toMatch(/punti/);
		expect(slack.messages[0].text).toMatch(/1\.250/);
	});

	afterAll(() => ledgerDb.reset());

	it('a hostile perk name reaches Slack escaped: it mentions nobody and links nowhere', async () => {
		const perkName = 'Spa <!channel> <https://evil.example|perks.acme.com/claim> *free*';
		const item = walletFundedItem({
			eventType: 'perk.redeemed',
			perkName,
			perkCost: 50,
			employeeName: '<!here> Ada',
		});
		const result = await sendDm(byEmail, [item]);
		expect(result.error('Subject')).toBeUndefined();
		const [message] = slack.messages;
		const escaped = 'Spa &lt;!channel&gt; &lt;https://evil.example|perks.acme.com/claim&gt; ∗free∗';
		expect(message.text).toBe(`You redeemed ${escaped} for 50 points.`);
		const mrkdwn = JSON.stringify(message.blocks)
			.match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g)
			?.join();
		expect(mrkdwn).toContain(`*${escaped}*`);
		expect(mrkdwn).toContain('Hi &lt;!here&gt;!');
		expect(mrkdwn).not.toMatch(/<[!@#h]/);
	});
});

describe('Send DM: exactly once under faults and bursts', () => {
	// A ledger of its own: ledgerDb.reset() above dropped the table the ledger believes it created.
	const ledger = sqliteLedgerDatabase({ maxJitterMs: 3 });
	beforeAll(() => useTestLedger(ledger));
	afterAll(() => {
		useTestLedger(ledgerDb);
		ledger.close();
	});
	afterEach(() => {
		slack.clearFaultRate();
		slack.clearLimits();
	});

	it('Slack stored the DM but the answer was lost: the redelivery finds it and posts nothing', async () => {
		const item = walletFundedItem();
		slack.faultRate({ rate: 1, kinds: ['reset_after'], methods: ['chat.postMessage'] });
		const lost = await sendDm(byEmail, [item], { workflowId: 'wf-reset-after' });
		expect(lost.error('Subject')).toBeDefined();
		expect(slack.injectedCount('reset_after')).toBe(1);
		expect(slack.messages).toHaveLength(1);
		slack.clearFaultRate();
		const redelivered = await sendDm(byEmail, [item], { workflowId: 'wf-reset-after' });
		expect(redelivered.error('Subject')).toBeUndefined();
		expect(redelivered.output('Subject')[0]).toMatchObject({
			sent: false,
			skipped: 'already_sent',
			messageId: slack.messages[0].ts,
		});
		expect(slack.callCount('conversations.history')).toBe(1);
		expect(slack.messages).toHaveLength(1);
	});

	it('a lost answer after an earlier DM to the same person: the read-back uses the DM channel that post named, no conversations.open', async () => {
		const person = slack.addUser({ name: 'known', email: 'known.dm@example.com' });
		const first = walletFundedItem({ employeeEmail: person.email });
		expect((await sendDm(byEmail, [first])).output('Subject')[0]).toMatchObject({ sent: true });
		const second = walletFundedItem({ employeeEmail: person.email });
		slack.faultRate({ rate: 1, kinds: ['reset_after'], methods: ['chat.postMessage'] });
		await sendDm(byEmail, [second], { workflowId: 'wf-known-dm' });
		slack.clearFaultRate();
		const again = await sendDm(byEmail, [second], { workflowId: 'wf-known-dm' });
		expect(again.output('Subject')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		expect(slack.callCount('conversations.history')).toBe(1);
		expect(slack.callCount('conversations.open')).toBe(0);
		expect(slack.messagesFor(person.id)).toHaveLength(2);
	});

	it('someone deactivated after the directory loaded: the DM fails recipient_disabled, and the next asks Slack, not the cache', async () => {
		const leaver = slack.addUser({ name: 'leaving', email: 'leaving@example.com' });
		const item = () => walletFundedItem({ employeeEmail: leaver.email });
		expect((await sendDm(byEmail, [item()])).output('Subject')[0]).toMatchObject({ sent: true });
		leaver.deleted = true;
		slack.clearRecords();
		const refused = await sendDm(byEmail, [item()], { onError: 'continueErrorOutput' });
		expect(refused.output('Subject', 1)[0]).toMatchObject({
			details: { code: 'recipient_disabled' },
		});
		const next = await sendDm(byEmail, [item()], { onError: 'continueErrorOutput' });
		expect(next.output('Subject', 1)[0]).toMatchObject({
			details: { code: 'recipient_disabled' },
		});
		expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'users.lookupByEmail']);
		expect(slack.messages).toHaveLength(0);
	});

	it('with Continue On Fail, a failed send says which delivery and attempt, and final on the 9th', async () => {
		const item = walletFundedItem();
		const details: Array<Record<string, unknown>> = [];
		for (let attempt = 1; attempt <= 9; attempt++) {
			slack.failNext('chat.postMessage', 1, { status: 500 });
			const result = await sendDm(byEmail, [item], {
				workflowId: 'wf-final',
				onError: 'continueErrorOutput',
			});
			const [failed] = result.output('Subject', 1);
			details.push((failed.details as { delivery: Record<string, unknown> }).delivery);
		}
		expect(details.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(details.map((d) => d.final)).toEqual([
			false,
			false,
			false,
			false,
			false,
			false,
			false,
			false,
			true,
		]);
		for (const d of details)
			expect(d).toMatchObject({ key: item.eventId, recipient: 'ada@example.com' });
		expect(slack.messages).toHaveLength(0);
	});

	it('100 distinct events in overlapping runs: 100 DMs; the same 100 again: none', async () => {
		const users = slack.addUsers(100, { namePrefix: 'burst', emailDomain: 'burst.example.com' });
		const items = users.map((u, n) =>
			walletFundedItem({ eventId: `evt_burst_${n}`, employeeEmail: u.email }),
		);
		const runAll = async () =>
			await Promise.all(
				Array.from(
					{ length: 10 },
					async (_, run) =>
						await sendDm(byEmail, items.slice(run * 10, run * 10 + 10), { workflowId: 'wf-burst' }),
				),
			);
		const first = await runAll();
		expect(first.map((r) => r.failedNode())).toEqual(Array(10).fill(undefined));
		expect(slack.messages).toHaveLength(100);
		expect(new Set(slack.messages.map((m) => m.channel)).size).toBe(100);
		const again = await runAll();
		expect(again.map((r) => r.failedNode())).toEqual(Array(10).fill(undefined));
		const outputs = again.flatMap((r) => r.output('Subject'));
		expect(outputs).toHaveLength(100);
		expect(outputs.every((o) => o.skipped === 'already_sent')).toBe(true);
		expect(slack.messages).toHaveLength(100);
	});

	it('Slack allowing 3 posts a second, 15 concurrent sends: all 15 arrive, none twice', async () => {
		// 3 a second: the throttle's first 4 in flight exceed it even on a slow machine.
		slack.limitPerSecond('chat.postMessage', 3);
		const items = Array.from({ length: 15 }, (_, n) =>
			walletFundedItem({ eventId: `evt_limited_${n}` }),
		);
		const runs = await Promise.all(
			items.map(async (item) => await sendDm(byEmail, [item], { workflowId: 'wf-limited' })),
		);
		expect(runs.map((r) => r.failedNode())).toEqual(Array(15).fill(undefined));
		expect(slack.messages).toHaveLength(15);
		expect(slack.rateLimitedCount('chat.postMessage')).toBeGreaterThan(0);
		const tags = slack.messages.map((m) => m.metadata?.event_payload.delivery);
		expect(new Set(tags).size).toBe(15);
	}, 60_000);
});
