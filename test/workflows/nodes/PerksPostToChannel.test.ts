import { LoadOptionsContext } from 'n8n-core';
import type { INodeListSearchResult, INodeType } from 'n8n-workflow';

import { SlackEmulator } from '../../../emulators/slackApi';
import { additionalDataFor, instantiate, loadPackage } from '../../../harness/inProcess/n8nRuntime';
import { credentialRefs, credentialsFor, runNode } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';

const slack = new SlackEmulator({ appName: 'Perks' });

beforeAll(async () => {
	await slack.start();
	slack.addChannel({ id: 'C0ANNOUNCE', name: 'announcements' });
	slack.addChannel({ id: 'C0SECRET1', name: 'leadership', isPrivate: true });
	slack.addChannel({ id: 'C0PRIVIN1', name: 'perks-team', isPrivate: true, botIsMember: true });
	slack.addChannel({ id: 'C0ARCHIVE', name: 'old-news', isArchived: true });
});
afterAll(async () => {
	await slack.stop();
});
beforeEach(() => slack.clearRecords());

const perkAdded = {
	eventId: 'evt_perk_added',
	eventType: 'catalog.perk_added',
	perkId: 'perk_1',
	perkName: 'Yoga class',
	perkDescription: 'Weekly yoga in the office',
	perkCost: 25,
	perkCategory: 'wellness',
	currency: 'points',
	perkUrl: 'https://perks.example.com/perks/perk_1',
	perkImageUrl: 'https://perks.example.com/img/yoga.png',
};

const redeemed = {
	eventId: 'evt_redeemed',
	eventType: 'perk.redeemed',
	employeeName: 'Ada Lovelace',
	employeeEmail: 'ada@example.com',
	employeeLocale: 'en',
	perkName: 'Spa day',
	perkCost: 40,
	balance: 180,
	currency: 'points',
	redemptionId: 'red_1',
};

function channel(mode: 'id' | 'name' | 'list', value: string) {
	return { __rl: true, mode, value };
}

async function post(
	channelValue: ReturnType<typeof channel>,
	item: Record<string, unknown> = perkAdded,
	extra = {},
) {
	return await runNode(
		TYPE.postToChannel,
		{ platform: 'slack', channel: channelValue, messageSource: 'default' } as never,
		[item as never],
		{ slack },
		extra,
	);
}

describe('Post to Channel', () => {
	it('announces a new perk in a public channel without joining it', async () => {
		const result = await post(channel('list', 'C0ANNOUNCE'));
		expect(result.error('Subject')).toBeUndefined();
		const [message] = slack.messages;
		expect(message.channel).toBe('C0ANNOUNCE');
		const blocks = JSON.stringify(message.blocks);
		expect(blocks).toContain('Yoga class');
		expect(blocks).toContain('Weekly yoga in the office');
		expect(blocks).toContain('25');
		expect(blocks).toContain('https://perks.example.com/img/yoga.png');
		expect(blocks).toContain('https://perks.example.com/perks/perk_1');
		expect(slack.callCount('conversations.join')).toBe(0);
		expect(result.output('Subject')[0]).toMatchObject({
			sent: true,
			channelId: 'C0ANNOUNCE',
			messageId: message.ts,
		});
	});

	it('celebrates a redeemed perk', async () => {
		await post(channel('name', '#announcements'), redeemed);
		expect(slack.messages[0].text).toMatch(/Ada Lovelace/);
		expect(slack.messages[0].text).toMatch(/Spa day/);
	});

	it('posts to a private channel the app was invited to', async () => {
		const result = await post(channel('id', 'C0PRIVIN1'));
		expect(result.output('Subject')[0]).toMatchObject({ sent: true, channelId: 'C0PRIVIN1' });
	});

	it('a private channel the app is not in: invite the app, naming the channel', async () => {
		const result = await post(channel('name', '#leadership'));
		const error = result.error('Subject') as Error & { description?: string };
		expect(error.description).toContain('"#leadership"');
		expect(error.description).toMatch(/\/invite @perks\b/i);
		expect(slack.messages).toHaveLength(0);
	});

	it('an archived channel says so', async () => {
		const error = (await post(channel('id', 'C0ARCHIVE'))).error('Subject') as Error & {
			description?: string;
		};
		expect(error.description).toMatch(/archived/);
	});

	it('posts an event to a channel once, even when the workflow runs again', async () => {
		await post(channel('id', 'C0ANNOUNCE'), perkAdded, { workflowId: 'wf-post-dedupe' });
		const again = await post(channel('id', 'C0ANNOUNCE'), perkAdded, {
			workflowId: 'wf-post-dedupe',
		});
		expect(again.output('Subject')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		expect(slack.messages).toHaveLength(1);
	});

	it('explains a message it cannot build: the field that is missing', async () => {
		const { perkName: _omit, ...noName } = perkAdded;
		const error = (await post(channel('id', 'C0ANNOUNCE'), noName)).error('Subject') as Error & {
			description?: string;
		};
		expect(error.message).toMatch(/perkName/);
		expect(slack.calls).toHaveLength(0);
	});

	it('lists channels for the picker: public ones and private ones the app is in, filtered', async () => {
		const pkg = await loadPackage();
		const subject = node(
			'Subject',
			TYPE.postToChannel,
			{ platform: 'slack' },
			{ credentials: credentialRefs },
		);
		const workflow = instantiate(pkg, chain('wf-list', subject));
		const context = new LoadOptionsContext(
			workflow,
			subject,
			additionalDataFor(pkg, { credentials: credentialsFor({ slack }) }),
			'parameters.channel',
		);
		const nodeType = pkg.nodeTypes.getByNameAndVersion(subject.type, 1) as INodeType;
		const search = nodeType.methods!.listSearch!.searchChannels;
		const all = (await search.call(context)) as INodeListSearchResult;
		expect(all.results.map((r) => r.value)).toEqual(['C0ANNOUNCE', 'C0PRIVIN1']);
		const filtered = (await search.call(context, 'perks')) as INodeListSearchResult;
		expect(filtered.results).toEqual([{ name: '🔒perks-team', value: 'C0PRIVIN1' }]);
	});
});

describe('every Slack error we know of maps to its fix', () => {
	it.each([
		['not_in_channel', /\/invite @perks/i],
		['channel_not_found', /\/invite @perks/i],
		['is_archived', /archived/],
		['users_not_found', /emails probably differ|email probably differ/],
		['user_not_found', /user mapping/],
		['invalid_auth', /Re-authorize.*service account/s],
		['token_revoked', /Re-authorize.*service account/s],
		['account_inactive', /Re-authorize.*service account/s],
		['missing_scope', /scope/],
	])('%s', async (code, fix) => {
		slack.failNext('chat.postMessage', 1, { error: code });
		const error = (await post(channel('id', 'C0ANNOUNCE'))).error('Subject') as Error & {
			description?: string;
		};
		expect(error.message).toContain(code);
		expect(error.description).toMatch(fix);
		expect(slack.messages).toHaveLength(0);
	});
});

describe("one code per failure, whatever Slack's own code", () => {
	it.each([
		['msg_too_long', 'message_too_long', /40,000 character/],
		['no_text', 'empty_message', /neither text nor blocks/],
		['restricted_action', 'unknown', /see the message for its error code/],
		['constructor', 'unknown', /see the message for its error code/],
	])('%s is %s', async (slackCode, code, fix) => {
		slack.failNext('chat.postMessage', 1, { error: slackCode });
		const error = (await post(channel('id', 'C0ANNOUNCE'))).error('Subject') as Error & {
			description?: string;
			context?: { code?: string };
		};
		expect(error.context?.code).toBe(code);
		expect(error.message).toContain(slackCode);
		expect(error.description).toMatch(fix);
		expect(slack.messages).toHaveLength(0);
	});
});

describe('Post to Channel: exactly once', () => {
	beforeAll(() => {
		slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	});
	afterEach(() => slack.clearFaultRate());

	it('"#perks", "perks" and its id for one event are one channel: one post', async () => {
		const item = { ...perkAdded, eventId: 'evt_one_channel' };
		const runs = [];
		for (const target of [
			channel('name', '#perks'),
			channel('name', 'perks'),
			channel('id', 'C0PERKS01'),
		]) {
			runs.push(await post(target, item, { workflowId: 'wf-one-channel' }));
		}
		expect(runs.map((r) => r.output('Subject')[0].sent)).toEqual([true, false, false]);
		expect(runs.map((r) => r.output('Subject')[0].channelId)).toEqual([
			'C0PERKS01',
			'C0PERKS01',
			'C0PERKS01',
		]);
		expect(slack.messagesFor('C0PERKS01')).toHaveLength(1);
	});

	it('Slack stored the post but the answer was lost: the redelivery finds it and posts nothing', async () => {
		const item = { ...perkAdded, eventId: 'evt_channel_reset_after' };
		slack.faultRate({ rate: 1, kinds: ['reset_after'], methods: ['chat.postMessage'] });
		const lost = await post(channel('name', '#perks'), item, { workflowId: 'wf-channel-reset' });
		expect(slack.injectedCount('reset_after')).toBe(1);
		slack.clearFaultRate();
		expect(lost.error('Subject')).toBeDefined();
		expect(slack.messagesFor('C0PERKS01')).toHaveLength(1);
		const again = await post(channel('name', '#perks'), item, { workflowId: 'wf-channel-reset' });
		expect(again.output('Subject')[0]).toMatchObject({
			sent: false,
			skipped: 'already_sent',
			channelId: 'C0PERKS01',
			messageId: slack.messagesFor('C0PERKS01')[0].ts,
		});
		expect(slack.messagesFor('C0PERKS01')).toHaveLength(1);
		// Slack lets an app read a public channel's history only as a member.
		expect(slack.callCount('conversations.join')).toBe(1);
	});

	it('with Continue On Fail, the failed post names the event and the channel', async () => {
		const item = { ...perkAdded, eventId: 'evt_channel_fail' };
		slack.failNext('chat.postMessage', 1, { status: 503 });
		const result = await post(channel('name', '#perks'), item, {
			workflowId: 'wf-channel-fail',
			onError: 'continueErrorOutput',
		});
		expect(result.output('Subject', 1)[0]).toMatchObject({
			details: {
				code: 'service_unavailable',
				delivery: { key: 'evt_channel_fail', recipient: '#perks', attempt: 1, final: false },
			},
		});
		expect(slack.messages).toHaveLength(0);
	});
});
