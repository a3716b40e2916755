/**
 * Whom a chat asker (and a DM recipient) is taken to be, in-process: signed questions to a
 * published Perks Chat Trigger → Perks Chat Reply workflow, Slack, Graph and the perks API
 * emulated on loopback. Only a confirmed email of a member of the app's own workspace or tenant,
 * or an admin's Manual Mapping, identifies anyone; everyone else gets the how-to-get-mapped answer.
 */
import { GraphEmulator } from '../../../emulators/graphApi';
import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import {
	ResponseUrlRecorder,
	send,
	slashCommand,
	teamsMention,
	type SignedRequest,
} from '../../../emulators/chatRequests';
import {
	credentialRefs,
	runNode,
	teamsCredentialFor,
	walletFundedItem,
} from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';
import { hostWorkflow, type HostedWorkflow } from '../../../harness/inProcess/webhookHost';

const SIGNING_SECRET = 'slack-signing-secret-for-identity-tests';
const TEAMS_TOKEN = Buffer.from('teams-outgoing-webhook-identity-token').toString('base64');
const NOT_IDENTIFIED = /^I cannot tell which perks account is yours.*Manual Mappings/;

const perks = new PerksEmulator();
const slack = new SlackEmulator();
const graph = new GraphEmulator();
const responseUrl = new ResponseUrlRecorder();
let hosted: HostedWorkflow | undefined;
let count = 0;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), graph.start(), responseUrl.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop(), graph.stop(), responseUrl.stop()]);
});
afterEach(async () => {
	await hosted?.settled();
	await hosted?.stop();
	hosted = undefined;
});

type Mapping = { perksEmail: string; chatUser: string };

async function publish(source: 'slackCommand' | 'teamsOutgoingWebhook', mappings: Mapping[] = []) {
	count++;
	const trigger = node(
		'Perks Chat Trigger',
		'n8n-nodes-perks.perksChatTrigger',
		{ source },
		{
			webhookId: `identity-${count}`,
			credentials: {
				perksSlackApi: { id: 'cred-slack', name: 'Slack' },
				perksTeamsOutgoingWebhookApi: { id: 'cred-teams-hook', name: 'Teams hook' },
			},
		},
	);
	const reply = node(
		'Perks Chat Reply',
		'n8n-nodes-perks.perksChatReply',
		{
			platform: source === 'slackCommand' ? 'slack' : 'teams',
			manualMappings: { mapping: mappings },
		},
		{ credentials: credentialRefs },
	);
	hosted = await hostWorkflow(chain(`wf-identity-${count}`, trigger, reply), 'Perks Chat Trigger', {
		credentials: {
			perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
			perksSlackApi: {
				accessToken: slack.token,
				apiUrl: slack.apiUrl,
				signingSecret: SIGNING_SECRET,
			},
			perksTeamsOutgoingWebhookApi: { securityToken: TEAMS_TOKEN },
			perksMicrosoftTeamsOAuth2Api: teamsCredentialFor(graph),
		},
	});
	return hosted;
}

async function ask(wf: HostedWorkflow, request: SignedRequest) {
	const result = await send(wf.url, request);
	const runs = await wf.settled();
	return { ...result, run: runs.at(-1) };
}

let people = 0;
function employee(balance: number) {
	people++;
	return perks.addEmployee(
		{ email: `ana${people}@example.com`, name: `Ana ${people}`, locale: 'en' },
		{ balance, low_balance_threshold: 0 },
	);
}

/** Two enabled Entra users with one address: the first's sign-in name, the second's alias. */
function twins(address: string, first: string, second: string) {
	graph.addUser({ id: first, displayName: first, userPrincipalName: address });
	graph.addUser({
		id: second,
		displayName: second,
		userPrincipalName: `${second}@contoso.test`,
		proxyAddresses: [`smtp:${address}`],
	});
}

/** An Entra user whose only tie to `address` is otherMails. */
function claimsInOtherMails(id: string, address: string) {
	graph.addUser({
		id,
		displayName: id,
		userPrincipalName: `${id}@contoso.test`,
		otherMails: [address],
	});
}

/** What Perks Chat Reply answered a Slack slash command with, and its output item. */
async function slackAsk(userId: string, mappings: Mapping[] = []) {
	const wf = await publish('slackCommand', mappings);
	const before = responseUrl.posts.length;
	const { run } = await ask(
		wf,
		slashCommand(SIGNING_SECRET, { userId, text: 'balance', responseUrl: responseUrl.url }),
	);
	expect(run?.error('Perks Chat Reply')).toBeUndefined();
	const posts = responseUrl.posts.slice(before);
	expect(posts).toHaveLength(1);
	return { text: String(posts[0].text), out: run!.output('Perks Chat Reply')[0] };
}

async function teamsAsk(aadObjectId: string, mappings: Mapping[] = []) {
	const wf = await publish('teamsOutgoingWebhook', mappings);
	const result = await ask(wf, teamsMention(TEAMS_TOKEN, { aadObjectId, text: 'balance' }));
	return {
		status: result.status,
		body: JSON.parse(result.text) as { type?: string; text?: string },
	};
}

describe('Slack: only a confirmed email of a member of the own workspace identifies an asker', () => {
	it('a Slack Connect stranger whose profile claims a perks email gets how to get mapped, not the balance', async () => {
		const ana = employee(777);
		const stranger = slack.addStranger({ name: 'mallory', email: ana.email });
		const { text, out } = await slackAsk(stranger.id);
		expect(text).toMatch(NOT_IDENTIFIED);
		expect(text).not.toContain('777');
		expect(out).toMatchObject({ answered: 'not_identified', unidentified: 'external' });
		expect(perks.requests.some((r) => r.path.includes(`${ana.id}/wallet`))).toBe(false);
	});

	it.each([
		['an unconfirmed email in the own workspace', { emailConfirmed: false }, 'email_unconfirmed'],
		[
			'an account of another team_id (not flagged a stranger)',
			{ teamId: 'T0ELSEWHERE' },
			'external',
		],
		['a guest with a confirmed email', { isRestricted: true }, 'guest'],
	])('%s identifies nobody', async (_who, flags, reason) => {
		const ana = employee(778);
		const user = slack.addUser({ name: `asker${people}`, email: ana.email, ...flags });
		const { text, out } = await slackAsk(user.id);
		expect(text).toMatch(NOT_IDENTIFIED);
		expect(text).not.toContain('778');
		expect(out).toMatchObject({ answered: 'not_identified', unidentified: reason });
	});

	it("an admin's Manual Mapping by user id still identifies a stranger (an explicit decision)", async () => {
		const ana = employee(781);
		const stranger = slack.addStranger({ name: 'partner', email: 'partner@elsewhere.example' });
		const { text } = await slackAsk(stranger.id, [
			{ perksEmail: ana.email, chatUser: stranger.id },
		]);
		expect(text).toBe('You have 781 points in your perks wallet.');
	});

	it('a mapping by chat email never matches a stranger claiming that email', async () => {
		const ana = employee(782);
		const stranger = slack.addStranger({ name: 'claimer', email: 'ana.alias@corp.example' });
		const { text } = await slackAsk(stranger.id, [
			{ perksEmail: ana.email, chatUser: 'ana.alias@corp.example' },
		]);
		expect(text).toMatch(NOT_IDENTIFIED);
	});

	it('the workspace comes from auth.test once per credential, not once per question', async () => {
		const ana = employee(783);
		const user = slack.addUser({ name: 'member', email: ana.email });
		const before = slack.callCount('auth.test');
		for (let i = 0; i < 3; i++)
			expect((await slackAsk(user.id)).text).toBe('You have 783 points in your perks wallet.');
		expect(slack.callCount('auth.test') - before).toBeLessThanOrEqual(1);
		expect(slack.callCount('auth.test')).toBeGreaterThanOrEqual(1);
	});

	it('Find the Asker gives a stranger askerEmail null and says why', async () => {
		const ana = employee(784);
		const stranger = slack.addStranger({ name: 'finder', email: ana.email });
		const run = await runNode(
			'n8n-nodes-perks.perksChatReply',
			{ operation: 'findAsker' },
			[{ platform: 'slack', source: 'slackEvents', askerId: stranger.id, intent: 'balance' }],
			{ slack, perks },
		);
		expect(run.error('Subject')).toBeUndefined();
		expect(run.output('Subject')[0]).toMatchObject({
			askerEmail: null,
			askerMapped: false,
			askerUnidentified: 'external',
		});
	});
});

describe('Teams: otherMails never identifies, a shared address is never guessed', () => {
	it('an asker unknown to Entra (another tenant) gets a 200 with how to get mapped, not a 500', async () => {
		const { status, body } = await teamsAsk('aad-from-another-tenant');
		expect(status).toBe(200);
		expect(body).toMatchObject({ type: 'message' });
		expect(body.text).toMatch(NOT_IDENTIFIED);
	});

	it('an asker whose only match is otherMails is not identified', async () => {
		const ana = employee(801);
		claimsInOtherMails('aad-othermails', ana.email);
		const { status, body } = await teamsAsk('aad-othermails');
		expect(status).toBe(200);
		expect(body.text).toMatch(/^I could not find your perks account/);
		expect(body.text).not.toContain('801');
	});

	it('two Entra users sharing an address: both are refused; a Manual Mapping by object id settles it', async () => {
		const ana = employee(802);
		twins(ana.email, 'aad-ana', 'aad-twin');
		for (const id of ['aad-ana', 'aad-twin']) {
			const { status, body } = await teamsAsk(id);
			expect(status).toBe(200);
			expect(body.text).toMatch(NOT_IDENTIFIED);
			expect(body.text).not.toContain('802');
		}
		const mapping = [{ perksEmail: ana.email, chatUser: 'aad-ana' }];
		expect((await teamsAsk('aad-ana', mapping)).body.text).toBe(
			'You have 802 points in your perks wallet.',
		);
		expect((await teamsAsk('aad-twin', mapping)).body.text).not.toContain('802');
	});

	it('a guest (userType Guest) is not identified by its mail', async () => {
		const ana = employee(803);
		graph.addUser({
			id: 'aad-guest',
			displayName: 'Guest',
			userPrincipalName: 'guest_ext#EXT#@contoso.test',
			mail: ana.email,
			userType: 'Guest',
		});
		expect((await teamsAsk('aad-guest')).body.text).toMatch(NOT_IDENTIFIED);
	});
});

describe('Teams DM recipients', () => {
	const dm = (email: string, mappings: Mapping[] = []) =>
		runNode(
			TYPE.sendDm,
			{
				platform: 'teams',
				recipientBy: 'email',
				email: '={{ $json.employeeEmail }}',
				messageSource: 'default',
				manualMappings: { mapping: mappings },
			},
			[walletFundedItem({ employeeEmail: email })],
			{ graph, perks },
		);

	it('Send DM refuses an address two Entra users share, with a code and a fix naming Manual Mappings; a mapping by id sends', async () => {
		twins('dee@example.com', 'aad-dm1', 'aad-dm2');
		const sentBefore = graph.messages.length;
		const refused = await dm('dee@example.com');
		const error = refused.error('Subject') as Error & {
			context?: { code?: string };
			description?: string;
		};
		expect(error.context?.code).toBe('ambiguous_recipient');
		expect(error.description).toContain('Manual Mappings');
		expect(graph.messages).toHaveLength(sentBefore);

		const mapped = await dm('dee@example.com', [
			{ perksEmail: 'dee@example.com', chatUser: 'aad-dm2' },
		]);
		expect(mapped.error('Subject')).toBeUndefined();
		expect(mapped.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: 'aad-dm2' });
	});

	it('Send DM never reaches someone through otherMails', async () => {
		claimsInOtherMails('aad-om-dm', 'eve@example.com');
		const sentBefore = graph.messages.length;
		const result = await dm('eve@example.com');
		const error = result.error('Subject') as Error & { context?: { code?: string } };
		expect(error.context?.code).toBe('recipient_not_found');
		expect(graph.messages).toHaveLength(sentBefore);
	});

	it('directory sync matches nobody through otherMails and reports a shared address as duplicate_email', async () => {
		perks.addEmployee({ email: 'sync.om@example.com' });
		perks.addEmployee({ email: 'sync.twin@example.com' });
		claimsInOtherMails('aad-sync-om', 'sync.om@example.com');
		twins('sync.twin@example.com', 'aad-sync-1', 'aad-sync-2');
		const result = await runNode(
			TYPE.mapUser,
			{ platform: 'teams', operation: 'syncUsers', syncOutput: 'all' },
			[{}],
			{ graph, perks },
		);
		expect(result.error('Subject')).toBeUndefined();
		const rows = result.output('Subject');
		expect(rows.find((r) => r.employeeEmail === 'sync.om@example.com')).toMatchObject({
			matched: false,
			reason: 'not_in_chat',
		});
		expect(rows.find((r) => r.employeeEmail === 'sync.twin@example.com')).toMatchObject({
			matched: false,
			reason: 'duplicate_email',
		});
	});
});

describe('Slack DM recipients', () => {
	it('Send DM refuses an account whose email Slack has not confirmed (code + fix), and sends nothing', async () => {
		const user = slack.addUser({
			name: 'unconfirmed.dm',
			email: 'unconfirmed.dm@example.com',
			emailConfirmed: false,
		});
		const sentBefore = slack.messages.length;
		const result = await runNode(
			TYPE.sendDm,
			{
				platform: 'slack',
				recipientBy: 'email',
				email: '={{ $json.employeeEmail }}',
				messageSource: 'default',
			},
			[walletFundedItem({ employeeEmail: user.email })],
			{ slack, perks },
		);
		const error = result.error('Subject') as Error & {
			context?: { code?: string };
			description?: string;
		};
		expect(error.context?.code).toBe('recipient_email_unconfirmed');
		expect(error.description).toContain('Manual Mappings');
		expect(slack.messages).toHaveLength(sentBefore);
	});
});
