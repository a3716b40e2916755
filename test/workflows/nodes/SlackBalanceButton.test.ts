/**
 * "Show my balance" in a Slack DM, in-process: a signed block_actions click to a published Perks
 * Chat Trigger (source Slack Button Clicks) → Perks Chat Reply, Slack and the perks API on
 * loopback. Only the DM's recipient gets a balance, in the DM itself (replace_original); anyone
 * else gets a private note and the DM stays; a forged or replayed click gets nothing of anyone's
 * wallet.
 */
import { slackShowBalanceValue } from '../../../nodes/shared/chat/slack/buttonClick';
import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import { ResponseUrlRecorder, send, slackBlockAction } from '../../../emulators/chatRequests';
import { credentialRefs, runNode, walletFundedItem } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';
import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';

// The signing secret runNode's Slack credential has, so Send DM binds buttons the trigger verifies.
const SIGNING_SECRET = 'slack-signing-secret';
const perks = new PerksEmulator();
const slack = new SlackEmulator();
const responseUrl = new ResponseUrlRecorder();
let hosted: HostedWorkflow;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), responseUrl.start()]);
	const trigger = node(
		'Perks Chat Trigger',
		'n8n-nodes-perks.perksChatTrigger',
		{ source: 'slackButton' },
		{ webhookId: 'slack-button', credentials: { perksSlackApi: credentialRefs.perksSlackApi } },
	);
	const reply = node(
		'Perks Chat Reply',
		'n8n-nodes-perks.perksChatReply',
		{ platform: 'slack' },
		{ credentials: credentialRefs },
	);
	hosted = await hostWorkflow(chain('wf-slack-button', trigger, reply), 'Perks Chat Trigger', {
		credentials: {
			perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			perksSlackApi: {
				accessToken: slack.token,
				apiUrl: slack.apiUrl,
				signingSecret: SIGNING_SECRET,
			},
		},
	});
});
afterAll(async () => {
	await hosted?.stop();
	await Promise.all([perks.stop(), slack.stop(), responseUrl.stop()]);
});

function member(balance: number) {
	const employee = perks.addEmployee(
		{ email: `ana.${balance}@example.com`, name: 'Ana', locale: 'en' },
		{ balance, low_balance_threshold: 0 },
	);
	return { employee, user: slack.addUser({ name: `ana${balance}`, email: employee.email }) };
}

const walletReads = (id: string) =>
	perks.requests.filter((r) => r.path.endsWith(`/wallets/${id}`)).length;

async function click(
	userId: string,
	value: unknown,
	options: { secret?: string; timestamp?: number } = {},
) {
	const before = responseUrl.posts.length;
	const request = slackBlockAction(
		options.secret ?? SIGNING_SECRET,
		{ userId, value, responseUrl: responseUrl.url },
		{ timestamp: options.timestamp },
	);
	const result = await send(hosted.url, request);
	const runs = await hosted.settled();
	return { ...result, request, posts: responseUrl.posts.slice(before), run: runs.at(-1) };
}

test("the DM's recipient gets their live balance in the message itself, within Slack's 3 s", async () => {
	const { employee, user } = member(4321);
	const value = slackShowBalanceValue(SIGNING_SECRET, user.id);
	const replacedBefore = responseUrl.message.replaced;
	const result = await click(user.id, value);
	expect(result.status).toBe(200);
	expect(result.elapsedMs).toBeLessThan(3000);
	// One post, replacing the clicked message: no new message.
	expect(result.posts).toHaveLength(1);
	expect(result.posts[0]).toMatchObject({ replace_original: true });
	expect(result.posts[0]).not.toHaveProperty('response_type');
	expect(responseUrl.message.replaced).toBe(replacedBefore + 1);
	expect(responseUrl.message.text).toBe('You have 4,321 points in your perks wallet.');
	const blocks = responseUrl.message.blocks as Array<Record<string, unknown>>;
	expect(blocks[0]).toEqual({
		type: 'section',
		text: { type: 'plain_text', text: 'You have 4,321 points in your perks wallet.', emoji: false },
	});
	// The button stays, bound to the same recipient, to be clicked again.
	expect(balanceButtons(blocks)).toEqual([
		expect.objectContaining({ text: expect.objectContaining({ text: 'Show my balance' }), value }),
	]);
	expect(walletReads(employee.id)).toBe(1);
	// Clicked again later: the live balance.
	perks.setBalance(employee.id, 4000);
	await click(user.id, value);
	expect(responseUrl.message.replaced).toBe(replacedBefore + 2);
	expect(responseUrl.message.text).toBe('You have 4,000 points in your perks wallet.');
});

test('a message that is gone cannot be replaced: the answer comes privately instead', async () => {
	const { user } = member(4322);
	responseUrl.messageGone = true;
	try {
		const refusedBefore = responseUrl.refused.length;
		const result = await click(user.id, slackShowBalanceValue(SIGNING_SECRET, user.id));
		expect(responseUrl.refused).toHaveLength(refusedBefore + 1);
		expect(result.posts).toEqual([
			expect.objectContaining({
				response_type: 'ephemeral',
				replace_original: false,
				text: 'You have 4,322 points in your perks wallet.',
			}),
		]);
	} finally {
		responseUrl.messageGone = false;
	}
});

test('someone else clicking the DM gets "not for you" and no wallet is read', async () => {
	const ana = member(5555);
	const bob = member(6666);
	const runsBefore = hosted.executions.length;
	const original = { ...responseUrl.message };
	const result = await click(bob.user.id, slackShowBalanceValue(SIGNING_SECRET, ana.user.id));
	expect(hosted.executions.length).toBe(runsBefore + 1);
	expect(result.posts).toHaveLength(1);
	// Privately to the clicker; the DM stays as it was.
	expect(result.posts[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
	expect(responseUrl.message).toEqual(original);
	expect(String(result.posts[0].text)).toMatch(/^This button is not for you/);
	expect(JSON.stringify(result.posts)).not.toMatch(/5,555|6,666/);
	expect(walletReads(ana.employee.id) + walletReads(bob.employee.id)).toBe(0);
	expect(result.run?.output('Perks Chat Reply')[0]).toMatchObject({ answered: 'not_for_you' });
});

test('a value naming the clicker but not bound by our secret is not a button for them', async () => {
	const mallory = member(7777);
	const result = await click(mallory.user.id, `${mallory.user.id}.AAAAAAAAAAAAAAAAAAAAAA`);
	expect(String(result.posts[0].text)).toMatch(/^This button is not for you/);
	expect(walletReads(mallory.employee.id)).toBe(0);
});

test('a forged signature or an old timestamp starts nothing; the same click twice runs once', async () => {
	const { user } = member(8888);
	const value = slackShowBalanceValue(SIGNING_SECRET, user.id);
	const runsBefore = hosted.executions.length;
	expect((await click(user.id, value, { secret: 'not-the-secret' })).status).toBe(401);
	const old = await click(user.id, value, { timestamp: Math.floor(Date.now() / 1000) - 400 });
	expect(old.status).toBe(401);
	expect(hosted.executions.length).toBe(runsBefore);
	const first = await click(user.id, value);
	expect(first.posts).toHaveLength(1);
	const again = await send(hosted.url, first.request);
	await hosted.settled();
	expect(JSON.parse(again.text)).toEqual({ ignored: 'replay' });
	expect(hosted.executions.length).toBe(runsBefore + 1);
});

/** Send DM's default message for the items, by email, with these parameters on top. */
const sendDefaultDm = (
	parameters: Record<string, unknown>,
	items: Parameters<typeof runNode>[2],
	extra?: Parameters<typeof runNode>[4],
) =>
	runNode(
		TYPE.sendDm,
		{
			platform: 'slack',
			recipientBy: 'email',
			email: '={{ $json.employeeEmail }}',
			messageSource: 'default',
			...parameters,
		},
		items,
		{ slack, perks },
		extra,
	);

const balanceButtons = (blocks: unknown) =>
	(blocks as Array<{ elements?: Array<Record<string, unknown>> }>)
		.flatMap((b) => b.elements ?? [])
		.filter((e) => e.action_id === 'perks.showBalance');

const lowBalanceItem = (employeeEmail: string) => ({
	...walletFundedItem({ employeeEmail }),
	eventType: 'wallet.low_balance',
	threshold: 500,
});

test('without "Show My Balance Button" (old saved workflows too) no DM carries the button', async () => {
	const { employee } = member(77);
	for (const [item, showBalanceButton] of [
		[walletFundedItem({ employeeEmail: employee.email }), undefined],
		[lowBalanceItem(employee.email), undefined],
		[walletFundedItem({ employeeEmail: employee.email }), false],
	] as const) {
		slack.clearRecords();
		const sent = await sendDefaultDm(showBalanceButton === undefined ? {} : { showBalanceButton }, [
			item,
		]);
		expect(sent.error('Subject')).toBeUndefined();
		expect(slack.messages).toHaveLength(1);
		expect(balanceButtons(slack.messages[0].blocks)).toEqual([]);
		expect(JSON.stringify(slack.messages[0])).not.toContain('perks.showBalance');
	}
});

test('"Show My Balance Button" on and no Signing Secret: refused with its code and fix, nothing sent', async () => {
	const { employee } = member(88);
	slack.clearRecords();
	const sent = await sendDefaultDm({ showBalanceButton: true }, [lowBalanceItem(employee.email)], {
		credentialData: {
			perksSlackApi: { accessToken: slack.token, apiUrl: slack.apiUrl, signingSecret: ' ' },
		},
	});
	const error = sent.error('Subject') as Error & {
		context?: { code?: string };
		description?: string;
	};
	expect(error.context?.code).toBe('signing_secret_required');
	expect(error.description).toContain('"Signing Secret"');
	expect(slack.messages).toHaveLength(0);
	expect(slack.calls).toEqual([]);
});

test('with "Show My Balance Button", a wallet-funded DM carries it, bound to its recipient; their click answers them', async () => {
	const { employee, user } = member(1234);
	slack.clearRecords();
	const sent = await sendDefaultDm({ showBalanceButton: true }, [
		walletFundedItem({ employeeEmail: employee.email, balance: 1234 }),
	]);
	expect(sent.error('Subject')).toBeUndefined();
	const blocks = slack.messages.at(-1)!.blocks as Array<{
		type: string;
		elements?: Array<Record<string, unknown>>;
	}>;
	const button = blocks
		.flatMap((b) => b.elements ?? [])
		.find((e) => e.action_id === 'perks.showBalance');
	expect(button).toMatchObject({ type: 'button', text: { text: 'Show my balance' } });
	expect(button).not.toHaveProperty('url');
	expect(button!.value).toBe(slackShowBalanceValue(SIGNING_SECRET, user.id));
	const mine = await click(user.id, button!.value);
	expect(mine.posts.map((p) => p.text)).toEqual(['You have 1,234 points in your perks wallet.']);
	const other = member(4444);
	const theirs = await click(other.user.id, button!.value);
	expect(String(theirs.posts[0].text)).toMatch(/^This button is not for you/);
});

test('channel posts and DMs of other events carry no balance button', async () => {
	const { employee } = member(99);
	slack.clearRecords();
	await sendDefaultDm({ showBalanceButton: true }, [
		{
			...walletFundedItem({ employeeEmail: employee.email }),
			eventType: 'perk.redeemed',
			perkName: 'Cinema',
			perkCost: 10,
		},
	]);
	expect(JSON.stringify(slack.messages.at(-1)!.blocks)).not.toContain('perks.showBalance');
});
