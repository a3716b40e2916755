/**
 * Send DM and Post to Channel with Platform = Microsoft Teams and Authentication = Teams Bot,
 * in-process against the Bot Connector and Graph emulators over loopback: the app's own tokens,
 * installation for a person, channel threads, limits and failures.
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';

import { BotConnectorEmulator, BOT_CONNECTOR_SCOPE } from '../../../emulators/botConnector';
import { GraphEmulator } from '../../../emulators/graphApi';
import { PerksEmulator } from '../../../emulators/perksApi';
import { walletFundedItem } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';
import {
	instantiate,
	loadPackage,
	runFromTrigger,
	type RunResult,
} from '../../../harness/inProcess/n8nRuntime';

const graph = new GraphEmulator();
const perks = new PerksEmulator();
const bot = new BotConnectorEmulator({ graph });
let credential: ICredentialDataDecryptedObject;

const refs = {
	perksTeamsBotApi: { id: 'cred-teams-bot', name: 'Perks Teams Bot API' },
	perksApi: { id: 'cred-perks', name: 'Perks API' },
};

beforeAll(async () => {
	await Promise.all([graph.start(), perks.start()]);
	await bot.start();
	credential = bot.credential();
});
afterAll(async () => {
	await Promise.all([bot.stop(), graph.stop(), perks.stop()]);
});
beforeEach(() => {
	bot.clearRecords();
	graph.clearRecords();
});

let runs = 0;
async function run(
	type: string,
	parameters: IDataObject,
	inputs: IDataObject[] = [walletFundedItem()],
	workflowId = `wf-teams-bot-${++runs}`,
): Promise<RunResult> {
	const pkg = await loadPackage();
	const trigger = node('Perks Trigger', TYPE.trigger, {}, { webhookId: 'hook-teams-bot' });
	const subject = node(
		'Subject',
		type,
		{ platform: 'teams', authentication: 'teamsBot', ...parameters } as INodeParameters,
		{ credentials: refs, id: 'subject' },
	);
	const workflow = instantiate(pkg, chain(workflowId, trigger, subject));
	return await runFromTrigger(
		pkg,
		workflow,
		'Perks Trigger',
		inputs.map((json) => ({ json })),
		{
			credentials: {
				perksTeamsBotApi: credential,
				perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			},
		},
	);
}

let people = 0;
/** Someone new, the app not installed for them. */
function person() {
	people++;
	return graph.addUser({
		displayName: `Person ${people}`,
		userPrincipalName: `person${people}@contoso.test`,
		mail: `person${people}@example.com`,
	});
}

const dmTo = (email: string) => ({
	recipientBy: 'email',
	email,
	messageSource: 'default',
});

type NodeError = Error & { description?: string; context?: { code?: string } };
const failure = (result: RunResult) => result.error('Subject') as NodeError | undefined;

const ACTIVITIES = 'POST /v3/conversations/{id}/activities';
const CONVERSATIONS = 'POST /v3/conversations';
const INSTALL = 'POST /users/{id}/teamwork/installedApps';

describe('Send DM as the Teams bot', () => {
	it('installs the app for someone who lacks it, then sends the default message once', async () => {
		const ada = person();
		const result = await run(TYPE.sendDm, dmTo(ada.mail!));
		expect(failure(result)).toBeUndefined();
		expect(result.output('Subject')[0]).toMatchObject({
			platform: 'teams',
			sent: true,
			recipientUserId: ada.id,
		});
		expect(graph.botInstalledForUser(ada.id, bot.appId)).toBe(true);
		expect(graph.callCount(INSTALL)).toBe(1);
		// Refused before the installation, opened after it.
		expect(bot.callCount(CONVERSATIONS)).toBe(2);
		const [sent] = bot.activitiesFor(ada.id);
		expect(sent.activity).toMatchObject({ type: 'message', textFormat: 'xml' });
		expect(sent.activity.text).toMatch(/100/);
		expect(bot.activities).toHaveLength(1);
	});

	it('a second DM reuses the remembered conversation and tokens: one Connector call', async () => {
		const bo = person();
		await run(TYPE.sendDm, dmTo(bo.mail!));
		bot.clearRecords();
		graph.clearRecords();
		const second = await run(TYPE.sendDm, dmTo(bo.mail!));
		expect(second.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: bo.id });
		expect(bot.callCount(CONVERSATIONS)).toBe(0);
		expect(bot.callCount(ACTIVITIES)).toBe(1);
		expect(bot.callCount('POST /oauth2/token')).toBe(0);
		expect(graph.callCount(INSTALL)).toBe(0);
		expect(bot.activitiesFor(bo.id)).toHaveLength(1);
	});

	it('someone the app is already installed for gets no installation call', async () => {
		const cy = person();
		graph.installAppForUser(cy.id, bot.catalogApp!.id);
		const result = await run(TYPE.sendDm, dmTo(cy.mail!));
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		expect(graph.callCount(INSTALL)).toBe(0);
		expect(bot.callCount(CONVERSATIONS)).toBe(1);
	});

	it('someone who removed the app gets it again and the message once, in the same run', async () => {
		const mo = person();
		await run(TYPE.sendDm, dmTo(mo.mail!));
		graph.uninstallAppForUser(mo.id);
		bot.clearRecords();
		graph.clearRecords();
		const result = await run(TYPE.sendDm, dmTo(mo.mail!));
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		expect(graph.callCount(INSTALL)).toBe(1);
		// The refused post, then (after reinstalling) the post that went through.
		expect(bot.callCount(ACTIVITIES)).toBe(2);
		expect(bot.activitiesFor(mo.id)).toHaveLength(1);
	});

	it('an installation the tenant blocks is app_not_installed, naming the permission and the setup policy', async () => {
		const di = person();
		graph.userInstallPolicy = 'blocked';
		try {
			const error = failure(await run(TYPE.sendDm, dmTo(di.mail!)));
			expect(error?.context?.code).toBe('app_not_installed');
			expect(error?.description).toMatch(/TeamsAppInstallation\.ReadWriteSelfForUser\.All/);
			expect(error?.description).toMatch(/setup polic/i);
			expect(bot.activities).toHaveLength(0);
		} finally {
			graph.userInstallPolicy = 'allowed';
		}
	});

	it('waits out a 429 for its Retry-After and sends once', async () => {
		const ed = person();
		graph.installAppForUser(ed.id, bot.catalogApp!.id);
		bot.throttleNext(ACTIVITIES, 1, 1);
		const started = Date.now();
		const result = await run(TYPE.sendDm, dmTo(ed.mail!));
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(bot.callCount(ACTIVITIES)).toBe(2);
		expect(bot.activitiesFor(ed.id)).toHaveLength(1);
	});

	it('replaces a token before it expires, and fetches a new one when the Connector refuses an old one', async () => {
		const fi = person();
		graph.installAppForUser(fi.id, bot.catalogApp!.id);
		const lifetime = bot.tokenLifetimeSeconds;
		bot.tokenLifetimeSeconds = 2;
		// A rotated secret: the credential's tokens so far are not reused.
		bot.clientSecret = credential.clientSecret = 'rotated-secret-for-short-tokens';
		try {
			await run(TYPE.sendDm, dmTo(fi.mail!));
			// Half of a 2 s life later the token is still valid, but due for replacement.
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			bot.clearRecords();
			await run(TYPE.sendDm, dmTo(fi.mail!));
			expect(bot.issued.map((t) => t.scope)).toContain(BOT_CONNECTOR_SCOPE);
			expect(bot.callCount(ACTIVITIES)).toBe(1);
		} finally {
			bot.tokenLifetimeSeconds = lifetime;
		}
		await run(TYPE.sendDm, dmTo(fi.mail!));
		bot.expireTokens();
		bot.clearRecords();
		const result = await run(TYPE.sendDm, dmTo(fi.mail!));
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		// The refused call, then the same call with a fresh token: one message.
		expect(bot.callCount(ACTIVITIES)).toBe(2);
		expect(bot.issued.filter((t) => t.scope === BOT_CONNECTOR_SCOPE)).toHaveLength(1);
		expect(bot.activitiesFor(fi.id)).toHaveLength(1);
	});

	it('a wrong client secret is a clear reauthorize error that never shows a secret', async () => {
		const gi = person();
		const real = credential.clientSecret as string;
		credential.clientSecret = 'wrong-secret-7f3a9c';
		try {
			const result = await run(TYPE.sendDm, dmTo(gi.mail!));
			const error = failure(result);
			expect(error?.context?.code).toBe('reauthorize');
			expect(error?.message).toMatch(/invalid_client AADSTS7000215/);
			expect(error?.description).toMatch(/Client Secret/);
			const everything = JSON.stringify(result.run);
			expect(everything).not.toContain('wrong-secret-7f3a9c');
			expect(everything).not.toContain(real);
			expect(bot.activities).toHaveLength(0);
		} finally {
			credential.clientSecret = real;
		}
	});

	it('three DMs at once to someone new share one installation and one conversation', async () => {
		const ji = person();
		const items = [1, 2, 3].map(() => walletFundedItem({ employeeEmail: ji.mail }));
		const result = await run(TYPE.sendDm, dmTo('={{ $json.employeeEmail }}'), items);
		expect(result.output('Subject').map((o) => o.sent)).toEqual([true, true, true]);
		expect(graph.callCount(INSTALL)).toBe(1);
		expect(bot.callCount(CONVERSATIONS)).toBe(2);
		expect(bot.activitiesFor(ji.id)).toHaveLength(3);
	});

	it("a fan-out past the Connector's per-app limit is paced by its 429s: every DM once", async () => {
		// 10 a second instead of the published 50, so even a loaded machine goes past it.
		bot.useLimits(1, 10);
		const everyone = Array.from({ length: 40 }, () => person());
		for (const someone of everyone) graph.installAppForUser(someone.id, bot.catalogApp!.id);
		const limitedBefore = bot.rateLimitedCount;
		const started = Date.now();
		try {
			// Four executions at once (as n8n runs concurrent webhook deliveries), 10 DMs each.
			const results = await Promise.all(
				[0, 1, 2, 3].map((part) =>
					run(
						TYPE.sendDm,
						dmTo('={{ $json.employeeEmail }}'),
						everyone
							.slice(part * 10, part * 10 + 10)
							.map((someone) => walletFundedItem({ employeeEmail: someone.mail })),
					),
				),
			);
			for (const result of results) expect(failure(result)).toBeUndefined();
			const outputs = results.flatMap((result) => result.output('Subject'));
			expect(outputs.filter((o) => o.sent === true)).toHaveLength(40);
			for (const someone of everyone) expect(bot.activitiesFor(someone.id)).toHaveLength(1);
			// 80 Connector calls (40 conversations, 40 posts) at 10 a second: seven seconds at least.
			expect(Date.now() - started).toBeGreaterThanOrEqual(7_000);
			expect(bot.rateLimitedCount).toBeGreaterThan(limitedBefore);
		} finally {
			bot.useLimits();
		}
	}, 60_000);

	it('a service URL that is not https is refused before any token is sent', async () => {
		const ki = person();
		const serviceUrl = credential.serviceUrl;
		credential.serviceUrl = 'http://connector.evil.example/teams/';
		try {
			const error = failure(await run(TYPE.sendDm, dmTo(ki.mail!)));
			expect(error?.context?.code).toBe('insecure_url');
			expect(error?.description).toMatch(/Bot Connector Service URL/);
			expect(bot.callCount('POST /oauth2/token')).toBe(0);
		} finally {
			credential.serviceUrl = serviceUrl;
		}
	});

	it('a lost answer is not sent again on the redelivery: the tagged message is read back from the chat', async () => {
		const li = person();
		graph.installAppForUser(li.id, bot.catalogApp!.id);
		const item = walletFundedItem({ employeeEmail: li.mail });
		bot.dropAnswerNext(ACTIVITIES);
		const lost = await run(TYPE.sendDm, dmTo(li.mail!), [item], 'wf-teams-bot-lost');
		expect(failure(lost)?.context?.code).toBe('delivery_unknown');
		expect(bot.activitiesFor(li.id)).toHaveLength(1);
		const again = await run(TYPE.sendDm, dmTo(li.mail!), [item], 'wf-teams-bot-lost');
		expect(again.output('Subject')[0]).toMatchObject({
			sent: false,
			skipped: 'already_sent',
			messageId: bot.activitiesFor(li.id)[0].id,
		});
		expect(graph.callCount('GET /chats/{id}/messages')).toBe(1);
		expect(bot.activitiesFor(li.id)).toHaveLength(1);
	});

	it('Graph lookups use the app token: the directory is listed with it', async () => {
		const hu = person();
		await run(TYPE.sendDm, dmTo(hu.mail!));
		const lookups = graph.requests.filter((r) => r.route.startsWith('GET /users'));
		expect(lookups.length).toBeGreaterThan(0);
		// The emulator's Entra prefixes Graph-scoped app tokens so: never the Connector's token, never a user's.
		for (const lookup of lookups) expect(lookup.token).toMatch(/^graph\./);
	});
});

describe('Post to Channel as the Teams bot', () => {
	const teamWithApp = (installed = true) => {
		const team = graph.addTeam({ displayName: 'Perks', channels: ['General', 'Announcements'] });
		if (installed) graph.installAppInTeam(team.id, bot.catalogApp!.id);
		return team;
	};
	const post = (teamId: string, channel: string, item: IDataObject) =>
		run(
			TYPE.postToChannel,
			{
				team: { __rl: true, mode: 'id', value: teamId },
				channel: { __rl: true, mode: 'name', value: channel },
				messageSource: 'default',
			},
			[item],
		);
	const perkAdded = (overrides: IDataObject = {}) =>
		walletFundedItem({
			eventType: 'catalog.perk_added',
			perkName: 'Cooking class',
			perkCost: 60,
			...overrides,
		});

	it('starts a new thread in a channel named in a team the app is added to', async () => {
		const team = teamWithApp();
		const result = await post(team.id, '#announcements', perkAdded());
		expect(failure(result)).toBeUndefined();
		const channel = team.channels[1];
		const [thread] = bot.activitiesIn(channel.id);
		expect(result.output('Subject')[0]).toMatchObject({
			platform: 'teams',
			sent: true,
			channelId: channel.id,
			messageId: thread.id,
		});
		expect(thread.activity.text).toContain('Cooking class');
		expect(bot.callCount(CONVERSATIONS)).toBe(1);
	});

	it('a team without the app is app_not_in_team, with the fix to add the app', async () => {
		const team = teamWithApp(false);
		const error = failure(await post(team.id, 'General', perkAdded()));
		expect(error?.context?.code).toBe('app_not_in_team');
		expect(error?.description).toMatch(/Manage team → Apps/);
		expect(bot.activities).toHaveLength(0);
	});

	it('a lost answer to a channel post is found in the channel on the redelivery: one thread', async () => {
		const team = teamWithApp();
		const item = perkAdded({ perkName: 'Pottery' });
		bot.dropAnswerNext(CONVERSATIONS);
		const parameters = {
			team: { __rl: true, mode: 'id', value: team.id },
			channel: { __rl: true, mode: 'name', value: 'General' },
			messageSource: 'default',
		};
		const lost = await run(TYPE.postToChannel, parameters, [item], 'wf-teams-bot-channel-lost');
		expect(failure(lost)?.context?.code).toBe('delivery_unknown');
		const again = await run(TYPE.postToChannel, parameters, [item], 'wf-teams-bot-channel-lost');
		expect(again.output('Subject')[0]).toMatchObject({ sent: false, skipped: 'already_sent' });
		expect(bot.activitiesIn(team.channels[0].id)).toHaveLength(1);
	});

	it('a hostile perk stays literal: no tag, no link, no Markdown', async () => {
		const team = teamWithApp();
		const result = await post(
			team.id,
			'General',
			perkAdded({
				perkName: '**Free** [claim](https://evil.example) <at>everyone</at>',
				perkDescription: '<script>x</script> _hi_',
			}),
		);
		expect(failure(result)).toBeUndefined();
		const text = String(bot.activitiesIn(team.channels[0].id)[0].activity.text);
		expect(text).not.toMatch(/<at>|<script|<a |\*\*|\[claim\]|\]\(/);
		expect(text).toContain(
			'&#42;&#42;Free&#42;&#42; &#91;claim&#93;&#40;https://evil.example&#41;',
		);
		expect(text).toContain('&lt;at&gt;everyone&lt;/at&gt;');
		expect(text).toContain('&lt;script&gt;x&lt;/script&gt; &#95;hi&#95;');
	});
});
