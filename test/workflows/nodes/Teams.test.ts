/**
 * The chat nodes with Platform = Microsoft Teams, in-process against the Graph emulator, with
 * the credential going through n8n-core's own OAuth2 code (sign, refresh on 401, save).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GraphEmulator } from '../../../emulators/graphApi';
import { closeServer } from '../../../emulators/closeServer';
import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import {
	credentialRefs,
	runNode,
	teamsCredentialFor,
	walletFundedItem,
} from '../../../harness/inProcess/runNode';
import { TYPE } from '../../../harness/inProcess/workflows';
import { ledgerDb, savedOauthTokens } from '../../../harness/inProcess/n8nRuntime';

const graph = new GraphEmulator();
const perks = new PerksEmulator();
const slack = new SlackEmulator();

beforeAll(async () => {
	await Promise.all([graph.start(), perks.start(), slack.start()]);
	graph.addUser({
		id: 'u-ada',
		displayName: 'Ada Lovelace',
		userPrincipalName: 'ada@contoso.test',
		mail: 'ada@example.com',
	});
	graph.addUser({ id: 'u-upn', displayName: 'Bo Upn', userPrincipalName: 'bo@example.com' });
	graph.addUser({
		id: 'u-alias',
		displayName: 'Cy Alias',
		userPrincipalName: 'cy@contoso.test',
		mail: 'cy@contoso.test',
		proxyAddresses: ['SMTP:cy@contoso.test', 'smtp:Cy.Perks@Example.com'],
	});
	graph.addUser({
		id: 'u-off',
		displayName: 'Off',
		userPrincipalName: 'off@example.com',
		accountEnabled: false,
	});
});
afterAll(async () => {
	await Promise.all([graph.stop(), perks.stop(), slack.stop()]);
	ledgerDb.reset();
});
beforeEach(() => graph.clearRecords());

const teams = { platform: 'teams' };
const dmByEmail = {
	...teams,
	recipientBy: 'email',
	email: '={{ $json.employeeEmail }}',
	messageSource: 'default',
};

function run(
	type: string,
	parameters: Record<string, unknown>,
	inputs = [walletFundedItem()],
	extra = {},
) {
	return runNode(type, parameters as never, inputs, { graph, perks }, extra);
}

const fixOf = (error: Error | undefined) =>
	(error as (Error & { description?: string }) | undefined)?.description;

describe('Map User by Email on Teams', () => {
	it('follows no redirect from Graph with the token: another host never sees it', async () => {
		const seen: Array<string | undefined> = [];
		const elsewhere = createServer((req, res) => {
			seen.push(req.headers.authorization);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
		});
		const redirecting = createServer((req, res) => {
			const port = (elsewhere.address() as AddressInfo).port;
			res.writeHead(307, { location: `http://127.0.0.1:${port}${req.url}` }).end();
		});
		for (const server of [elsewhere, redirecting])
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const credential = teamsCredentialFor(graph);
		const base = credential.graphApiBaseUrl;
		credential.graphApiBaseUrl = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
		try {
			const result = await run(
				TYPE.mapUser,
				{ ...teams, operation: 'mapEmail', email: 'ada@example.com' },
				[{}],
			);
			expect(seen).toEqual([]);
			expect(result.error('Subject')).toBeDefined();
		} finally {
			credential.graphApiBaseUrl = base;
			for (const server of [elsewhere, redirecting]) await closeServer(server);
		}
	});

	it.each([
		['mail', 'ADA@example.com ', 'u-ada'],
		['userPrincipalName', 'bo@example.com', 'u-upn'],
		['a proxyAddresses alias', 'cy.perks@example.com', 'u-alias'],
	])('finds the Entra user by %s', async (_by, email, id) => {
		const result = await run(TYPE.mapUser, { ...teams, operation: 'mapEmail', email }, [{}]);
		expect(result.error('Subject')).toBeUndefined();
		expect(result.output('Subject')[0]).toMatchObject({
			platform: 'teams',
			chatUserId: id,
			matchedBy: 'email',
		});
	});

	it('never matches a disabled account, and says so', async () => {
		const result = await run(
			TYPE.mapUser,
			{ ...teams, operation: 'mapEmail', email: 'off@example.com' },
			[{}],
		);
		expect(fixOf(result.error('Subject'))).toMatch(/disabled/);
	});

	it('syncs 10,000 users in 11 directory calls, aliases included', async () => {
		const bulk = graph.addUsers(10_000, 'bulk.test');
		perks.seedEmployees(3, (i) => ({ email: bulk[i * 1000].mail }));
		perks.addEmployee({ email: 'cy.perks@example.com' });
		const result = await run(
			TYPE.mapUser,
			{ ...teams, operation: 'syncUsers', syncOutput: 'all' },
			[{}],
		);
		expect(result.error('Subject')).toBeUndefined();
		const rows = result.output('Subject').filter((row) => row.kind === 'employee');
		expect(rows.find((r) => r.employeeEmail === 'cy.perks@example.com')).toMatchObject({
			matched: true,
			chatUserId: 'u-alias',
		});
		expect(rows.find((r) => r.employeeEmail === bulk[1000].mail)).toMatchObject({
			matched: true,
			chatUserId: bulk[1000].id,
		});
		// 10,005 accounts in pages of 999.
		expect(graph.callCount('GET /users')).toBe(Math.ceil(10_005 / 999));
		expect(graph.requests.filter((r) => !r.route.startsWith('GET /users'))).toHaveLength(0);
	});
});

describe('Send DM on Teams', () => {
	it('DMs by email twice through one 1:1 chat', async () => {
		const first = await run(TYPE.sendDm, dmByEmail);
		const second = await run(TYPE.sendDm, dmByEmail);
		for (const result of [first, second]) {
			expect(result.output('Subject')[0]).toMatchObject({
				platform: 'teams',
				sent: true,
				recipientUserId: 'u-ada',
			});
		}
		expect(graph.chatIds).toHaveLength(1);
		expect(graph.messagesIn(`chat:${graph.chatIds[0]}`)).toHaveLength(2);
		expect(graph.messages[0].body.content).toMatch(/100/);
	});

	it('refreshes an expired token once, saves it, and sends the message once', async () => {
		graph.expireAccessTokens();
		const before = savedOauthTokens.length;
		const result = await run(TYPE.sendDm, dmByEmail);
		expect(result.error('Subject')).toBeUndefined();
		expect(graph.callCount('POST /oauth2/token')).toBe(1);
		expect(savedOauthTokens.slice(before)).toHaveLength(1);
		const saved = savedOauthTokens[savedOauthTokens.length - 1].accessToken;
		expect(teamsCredentialFor(graph).oauthTokenData).toMatchObject({ access_token: saved });
		expect(graph.messages).toHaveLength(1);
		// The next execution uses the saved token: no second refresh.
		await run(TYPE.sendDm, dmByEmail);
		expect(graph.callCount('POST /oauth2/token')).toBe(1);
		expect(graph.requests[graph.requests.length - 1].token).toBe(saved);
	});

	it('waits out a 429 and sends once', async () => {
		graph.throttleNext('POST /chats/{id}/messages', 1, 1);
		const result = await run(TYPE.sendDm, dmByEmail);
		expect(result.output('Subject')[0]).toMatchObject({ sent: true });
		expect(graph.callCount('POST /chats/{id}/messages')).toBe(2);
		expect(graph.messages).toHaveLength(1);
	});

	it('a lost answer is not posted again on the redelivery: the tagged message is found', async () => {
		const item = walletFundedItem();
		graph.dropAnswerNext('POST /chats/{id}/messages');
		const lost = await run(TYPE.sendDm, dmByEmail, [item], { workflowId: 'wf-teams-lost' });
		expect(lost.error('Subject')).toBeDefined();
		expect(graph.messages).toHaveLength(1);
		const redelivered = await run(TYPE.sendDm, dmByEmail, [item], { workflowId: 'wf-teams-lost' });
		expect(redelivered.output('Subject')[0]).toMatchObject({
			sent: false,
			skipped: 'already_sent',
			messageId: graph.messages[0].id,
		});
		expect(graph.callCount('GET /chats/{id}/messages')).toBe(1);
		expect(graph.messages).toHaveLength(1);
	});

	it('a message Teams refuses as too large is message_too_long, the code our own limit check uses', async () => {
		graph.failNext('POST /chats/{id}/messages', 1, { status: 413, code: 'RequestEntityTooLarge' });
		const error = (await run(TYPE.sendDm, dmByEmail)).error('Subject') as Error & {
			context?: { code?: string };
		};
		expect(error.context?.code).toBe('message_too_long');
		expect(error.message).toMatch(/HTTP 413 RequestEntityTooLarge/);
		expect(fixOf(error)).toMatch(/28 KB/);
		expect(graph.messages).toHaveLength(0);
	});

	it.each([
		['Send DM', TYPE.sendDm, dmByEmail],
		[
			'Post to Channel',
			TYPE.postToChannel,
			{
				...teams,
				team: { __rl: true, mode: 'id', value: 'any-team' },
				channel: { __rl: true, mode: 'name', value: '#general' },
				messageSource: 'default',
			},
		],
	])(
		'%s: a credential saved with a Tenant, before the URL fields, is credential_outdated before any call',
		async (_node, type, parameters) => {
			const { accessTokenUrl: _url, ...saved } = teamsCredentialFor(graph);
			const error = (
				await run(type, parameters, [walletFundedItem()], {
					credentialData: {
						perksMicrosoftTeamsOAuth2Api: { ...saved, tenant: 'contoso.onmicrosoft.com' },
					},
				})
			).error('Subject') as Error & { context?: { code?: string } };
			expect(error.context?.code).toBe('credential_outdated');
			expect(error.message).toContain(
				'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
			);
			expect(fixOf(error)).toMatch(/no need to reconnect/);
			expect(graph.requests).toEqual([]);
		},
	);

	it('never puts a token in output or errors', async () => {
		graph.failNext('POST /chats/{id}/messages', 1, { status: 403, code: 'Forbidden' });
		const failed = await run(TYPE.sendDm, dmByEmail);
		const { access_token, refresh_token } = teamsCredentialFor(graph).oauthTokenData as Record<
			string,
			string
		>;
		for (const secret of [access_token, refresh_token])
			expect(JSON.stringify(failed.run)).not.toContain(secret);
	});
});

describe('Post to Channel on Teams', () => {
	const team = () =>
		graph.addTeam({ displayName: 'Perks', channels: ['General', 'Announcements'] });
	const post = (teamId: string, channel: string, extra = {}) =>
		run(
			TYPE.postToChannel,
			{
				...teams,
				team: { __rl: true, mode: 'id', value: teamId },
				channel: { __rl: true, mode: 'name', value: channel },
				messageSource: 'default',
				...extra,
			},
			[
				walletFundedItem({
					eventType: 'catalog.perk_added',
					perkName: 'Cooking class',
					perkCost: 60,
				}),
			],
		);

	it('posts the announcement to a channel named in the team', async () => {
		const perksTeam = team();
		const result = await post(perksTeam.id, '#announcements');
		expect(result.error('Subject')).toBeUndefined();
		const channel = perksTeam.channels[1];
		expect(result.output('Subject')[0]).toMatchObject({
			platform: 'teams',
			sent: true,
			channelId: channel.id,
		});
		const [message] = graph.messagesIn(`channel:${perksTeam.id}/${channel.id}`);
		expect(message.body.content).toContain('Cooking class');
	});

	it('a hostile perk announced to a channel reaches Teams as text: no link, no tag', async () => {
		const perksTeam = team();
		const result = await run(
			TYPE.postToChannel,
			{
				...teams,
				team: { __rl: true, mode: 'id', value: perksTeam.id },
				channel: { __rl: true, mode: 'name', value: '#announcements' },
				messageSource: 'default',
			},
			[
				walletFundedItem({
					eventType: 'catalog.perk_added',
					perkName: 'Claim <https://evil.example|perks.acme.com/claim>',
					perkCategory: '<a href="https://evil.example">x</a>',
					perkDescription: '*free* <script>x</script>',
				}),
			],
		);
		expect(result.error('Subject')).toBeUndefined();
		const [message] = graph.messagesIn(`channel:${perksTeam.id}/${perksTeam.channels[1].id}`);
		const html = message.body.content;
		expect(html).not.toMatch(/<a |<script|<b>/);
		expect(html).toContain(
			'<strong>Claim &lt;https://evil.example|perks.acme.com/claim&gt;</strong>',
		);
		expect(html).toContain('&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;');
		expect(html).toContain('<p>*free* &lt;script&gt;x&lt;/script&gt;</p>');
	});

	it('explains 403 (not a member) and 404 (no such team or channel)', async () => {
		const outside = graph.addTeam({ displayName: 'Finance', serviceAccountIsMember: false });
		const notMember = await post(outside.id, outside.channels[0].id);
		expect(fixOf(notMember.error('Subject'))).toMatch(/Add the service account/);
		const noTeam = await post('t-nope', '19:x@thread.tacv2');
		expect(fixOf(noTeam.error('Subject'))).toMatch(/No team with this ID/);
		const noChannel = await post(team().id, 'nowhere');
		expect(fixOf(noChannel.error('Subject'))).toMatch(/has no channel "nowhere"/);
		expect(graph.messages).toHaveLength(0);
	});
});

describe('one dropdown moves a workflow from Slack to Teams', () => {
	it('delivers the same default message in the same language', async () => {
		slack.addUser({ name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com' });
		const item = walletFundedItem({ employeeLocale: 'it-IT', amount: 1250, balance: 1500 });
		const parameters = {
			recipientBy: 'email',
			email: '={{ $json.employeeEmail }}',
			messageSource: 'default',
		};
		const both = { ...credentialRefs };
		await runNode(
			TYPE.sendDm,
			{ ...parameters, platform: 'slack' } as never,
			[item],
			{ slack },
			{ credentials: both },
		);
		await runNode(
			TYPE.sendDm,
			{ ...parameters, platform: 'teams' } as never,
			[item],
			{ graph },
			{ credentials: both },
		);
		const slackText = slack.messages[0].text;
		const teamsText = graph.messages[0].body.content;
		expect(slackText).toMatch(/punti/);
		expect(teamsText).toMatch(/punti/);
		for (const figure of ['1.250', '1.500']) {
			expect(slackText).toContain(figure);
			expect(teamsText).toContain(figure);
		}
	});
});
