/**
 * Whom the chat templates answer, in a real n8n 2.41.1: the slash-command and Teams outgoing
 * webhook templates as shipped, published by the CLI, asked by people who must not get anyone's
 * balance. A Slack Connect stranger whose profile claims an employee's email, and a Teams user
 * Entra does not know (another tenant), each get the private "how to get mapped" answer; the
 * Teams one as a 200 in the thread, not the 500 of a failed workflow.
 */
import {
	ResponseUrlRecorder,
	send,
	slashCommand,
	teamsMention,
} from '../../emulators/chatRequests';
import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { N8nInstance, sleep, waitFor } from '../../harness/n8n';
import {
	catalogCredentials,
	loadTemplate,
	SLACK_SIGNING_SECRET,
	TEAMS_OUTGOING_TOKEN,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const graph = new GraphEmulator();
const responseUrl = new ResponseUrlRecorder();
let n8n: N8nInstance;

const SLASH = loadTemplate('perks-balance-slash-command-slack.json', 'identitySlash01');
const MENTION = loadTemplate('perks-balance-teams-outgoing-webhook.json', 'identityMention1');
const NOT_IDENTIFIED = /^I cannot tell which perks account is yours.*Manual Mappings/;

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start(), graph.start(), responseUrl.start()]);
	n8n = await N8nInstance.launch({
		name: 'chat-identity',
		credentials: catalogCredentials({ perks, slack, graph }, [SLASH, MENTION]),
		workflows: [SLASH, MENTION],
	});
	// Publication is asynchronous in n8n 2.x: a question before the webhook is added gets a 404.
	await waitFor(() => n8n.logLines(/Added webhook "/).length >= 2, {
		what: 'both chat triggers to add their webhooks',
		timeoutMs: 60_000,
		instance: n8n,
	});
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop(), graph.stop(), responseUrl.stop()]);
});

describe('chat askers who cannot be identified, in a real n8n', () => {
	it('a Slack Connect stranger claiming an employee\'s email asks "/perks balance": how to get mapped, no balance', async () => {
		const ana = perks.addEmployee({ email: 'ana@perks.test', locale: 'en' }, { balance: 4321 });
		const stranger = slack.addStranger({ name: 'mallory', email: ana.email });
		const answer = await send(
			n8n.webhookUrl(webhookIdOf(SLASH)),
			slashCommand(SLACK_SIGNING_SECRET, {
				userId: stranger.id,
				text: 'balance',
				responseUrl: responseUrl.url,
			}),
		);
		expect(answer.status).toBe(200);
		await waitFor(() => responseUrl.posts.length > 0, {
			what: 'the answer at response_url',
			timeoutMs: 30_000,
			instance: n8n,
		});
		await sleep(500);
		expect(responseUrl.posts).toHaveLength(1);
		expect(responseUrl.posts[0]).toMatchObject({ response_type: 'ephemeral' });
		expect(String(responseUrl.posts[0].text)).toMatch(NOT_IDENTIFIED);
		expect(JSON.stringify(responseUrl.posts)).not.toContain('4321');
		expect(perks.requests.some((r) => r.path.includes('/wallet'))).toBe(false);
	});

	it('a Teams user Entra does not know @mentions the outgoing webhook: a 200 with how to get mapped, not a 500', async () => {
		const answer = await send(
			n8n.webhookUrl(webhookIdOf(MENTION)),
			teamsMention(TEAMS_OUTGOING_TOKEN, { aadObjectId: 'aad-of-another-tenant', text: 'balance' }),
		);
		expect(answer.status).toBe(200);
		const body = JSON.parse(answer.text) as { type?: string; text?: string };
		expect(body.type).toBe('message');
		expect(body.text).toMatch(NOT_IDENTIFIED);
	});
});
