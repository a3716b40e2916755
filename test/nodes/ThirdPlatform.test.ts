/**
 * A platform is a folder plus one registry line: a fake third chat platform, registered only
 * here, sends a DM, posts to a channel and answers a question through the real nodes (in-process
 * n8n, real HTTP on loopback), with no neutral file knowing it.
 */
import {
	FAKE,
	FAKE_CREDENTIAL,
	FAKE_SOURCE,
	FakeChatServer,
	registerFakeChat,
} from '../fixtures/fakeChat';
import { walletFundedItem } from '../fixtures/runNode';
import { chain, node, TYPE } from '../fixtures/workflows';
import { PerksEmulator } from '../emulators/perksApi';
import { send } from '../emulators/chatRequests';
import { instantiate, loadPackage, runFromTrigger } from '../harness/n8nRuntime';
import { hostWorkflow, type HostedWorkflow } from '../harness/webhookHost';

registerFakeChat();

const TRIGGER = 'n8n-nodes-perks.perksChatTrigger';
const REPLY = 'n8n-nodes-perks.perksChatReply';
const fake = new FakeChatServer();
const perks = new PerksEmulator();
const fakeRef = { [FAKE_CREDENTIAL]: { id: 'cred-fake', name: 'Fake Chat' } };
const perksRef = { perksApi: { id: 'cred-perks', name: 'Perks API' } };
let hosted: HostedWorkflow | undefined;

beforeAll(async () => {
	await Promise.all([fake.start(), perks.start()]);
});
afterAll(async () => {
	await Promise.all([fake.stop(), perks.stop()]);
});
afterEach(async () => {
	await hosted?.settled();
	await hosted?.stop();
	hosted = undefined;
});

const credentials = () => ({
	[FAKE_CREDENTIAL]: fake.credential(),
	perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
});

let runs = 0;
async function run(type: string, parameters: Record<string, unknown>, item = walletFundedItem()) {
	const pkg = await loadPackage();
	const trigger = node('Perks Trigger', TYPE.trigger, {}, { webhookId: `hook-fake-${++runs}` });
	const subject = node('Subject', type, parameters as never, { credentials: fakeRef });
	const workflow = instantiate(pkg, chain(`wf-fake-${runs}`, trigger, subject));
	return await runFromTrigger(pkg, workflow, 'Perks Trigger', [{ json: item }], {
		credentials: credentials(),
	});
}

describe('a third platform registered in tests only', () => {
	it('is offered by every chat node, with its credential and question source, from the registry', async () => {
		const pkg = await loadPackage();
		for (const type of [TYPE.sendDm, TYPE.postToChannel, TYPE.mapUser, REPLY]) {
			const { description } = pkg.nodeTypes.getByNameAndVersion(type, 1);
			const platform = description.properties.find((p) => p.name === 'platform');
			expect(platform?.options).toContainEqual({ name: 'Fake Chat', value: FAKE });
			expect(description.credentials?.map((c) => c.name)).toContain(FAKE_CREDENTIAL);
		}
		const { description } = pkg.nodeTypes.getByNameAndVersion(TRIGGER, 2);
		const source = description.properties.find((p) => p.name === 'source');
		expect(source?.options).toContainEqual(expect.objectContaining({ value: FAKE_SOURCE }));
		expect(description.credentials).toContainEqual({
			name: FAKE_CREDENTIAL,
			required: true,
			displayOptions: { show: { source: [FAKE_SOURCE] } },
		});
		expect(description.description).toBe(
			'Starts the workflow when someone asks the perks bot a question in Slack, Microsoft Teams or Fake Chat',
		);
	});

	it('Send DM finds the person by email and sends the default wallet.funded message', async () => {
		const ada = fake.addUser('ada', 'ada.dm@example.com');
		const result = await run(
			TYPE.sendDm,
			{
				platform: FAKE,
				recipientBy: 'email',
				email: '={{ $json.employeeEmail }}',
				messageSource: 'default',
			},
			walletFundedItem({ employeeEmail: 'Ada.DM@example.com' }),
		);
		expect(result.error('Subject')).toBeUndefined();
		const [out] = result.output('Subject');
		expect(out).toMatchObject({ platform: FAKE, sent: true, recipientUserId: ada.id });
		const dm = fake.messages.find((m) => m.id === out.messageId);
		expect(dm).toMatchObject({ kind: 'dm', to: ada.id });
		expect(dm?.text).toMatch(/100/);
		expect(dm?.text).toMatch(/220/);
	});

	it("Send DM to an email nobody has fails with the platform-neutral code and the fixture's fix", async () => {
		const result = await run(TYPE.sendDm, {
			platform: FAKE,
			recipientBy: 'email',
			email: 'nobody@example.com',
			messageSource: 'custom',
			text: 'Hi',
		});
		const error = result.error('Subject') as Error & { context?: { code?: string } };
		expect(error?.context?.code).toBe('recipient_not_found');
	});

	it('Post to Channel resolves "#perks" and posts the message there', async () => {
		const before = fake.messages.length;
		const result = await run(TYPE.postToChannel, {
			platform: FAKE,
			channel: { __rl: true, mode: 'name', value: '#perks' },
			messageSource: 'custom',
			text: '=New perk: {{ $json.eventType }}',
		});
		expect(result.error('Subject')).toBeUndefined();
		expect(result.output('Subject')[0]).toMatchObject({
			platform: FAKE,
			sent: true,
			channelId: 'CH1',
		});
		expect(fake.messages.slice(before)).toEqual([
			expect.objectContaining({ kind: 'channel', to: 'CH1', text: 'New perk: wallet.funded' }),
		]);
	});

	async function publish() {
		const trigger = node(
			'Perks Chat Trigger',
			TRIGGER,
			{ source: FAKE_SOURCE },
			{ webhookId: `fake-chat-${++runs}`, typeVersion: 2, credentials: fakeRef },
		);
		const reply = node(
			'Perks Chat Reply',
			REPLY,
			{ platform: FAKE, manualMappings: { mapping: [] } },
			{ credentials: { ...perksRef, ...fakeRef } },
		);
		hosted = await hostWorkflow(
			chain(`wf-fake-chat-${runs}`, trigger, reply),
			'Perks Chat Trigger',
			{
				credentials: credentials(),
			},
		);
		return hosted;
	}

	it("a signed question is answered in its thread with the asker's own live balance", async () => {
		const wf = await publish();
		const grace = fake.addUser('grace', 'grace.q@example.com');
		perks.addEmployee(
			{ email: 'grace.q@example.com', name: 'Grace', locale: 'en' },
			{ balance: 1250, low_balance_threshold: 20 },
		);
		const before = fake.messages.length;
		const answer = await send(
			wf.url,
			fake.question(grace, 'how many points do I have?', { channel: 'TH9' }),
		);
		await wf.settled();
		expect(answer.status).toBe(200);
		expect(JSON.parse(answer.text)).toEqual({ ok: true });
		expect(fake.messages.slice(before)).toEqual([
			{
				id: expect.any(String),
				kind: 'reply',
				to: 'TH9',
				text: 'You have 1,250 points in your perks wallet.',
			},
		]);
		const [run] = await wf.settled();
		expect(run.output('Perks Chat Trigger')[0]).toMatchObject({
			platform: FAKE,
			source: FAKE_SOURCE,
			askerId: grace.id,
			intent: 'balance',
			language: 'en',
		});
		expect(run.output('Perks Chat Reply')[0]).toMatchObject({
			answered: 'balance',
			platform: FAKE,
		});
	});

	it('a question signed with another secret is refused 401 and starts nothing', async () => {
		const wf = await publish();
		const mallory = fake.addUser('mallory', 'mallory@example.com');
		const before = fake.messages.length;
		const answer = await send(wf.url, fake.question(mallory, 'balance', { secret: 'guessed' }));
		expect(answer.status).toBe(401);
		expect(await wf.settled()).toHaveLength(0);
		expect(fake.messages.length).toBe(before);
	});

	it('a replayed question is answered once', async () => {
		const wf = await publish();
		const lin = fake.addUser('lin', 'lin@example.com');
		const request = fake.question(lin, 'help', { id: 'Q-replay' });
		await send(wf.url, request);
		const again = await send(wf.url, request);
		expect(JSON.parse(again.text)).toEqual({ ignored: 'replay' });
		expect(await wf.settled()).toHaveLength(1);
	});
});
