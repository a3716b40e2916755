/**
 * Slack HTTP goes through n8n's httpRequestWithAuthentication: n8n adds the token to each
 * request (the bot credential's `authenticate`, or its OAuth2 code); the adapter never reads it.
 */
import type { IHttpRequestOptions } from 'n8n-workflow';

import type { ChatContext } from '../../../nodes/shared/chat/PlatformEntry';
import { slackEntry } from '../../../nodes/shared/chat/slack/entry';
import { SlackEmulator } from '../../../emulators/slackApi';
import {
	authenticatedRequests,
	instantiate,
	loadPackage,
	runFromTrigger,
} from '../../../harness/inProcess/n8nRuntime';
import { runNode, walletFundedItem } from '../../../harness/inProcess/runNode';
import { chain, node, TYPE } from '../../../harness/inProcess/workflows';

const slack = new SlackEmulator({ token: 'xoxb-secret-of-the-test' });
let ada: ReturnType<SlackEmulator['addUser']>;

beforeAll(async () => {
	await slack.start();
	ada = slack.addUser({ name: 'ada', email: 'ada@example.com' });
});
afterAll(async () => {
	await slack.stop();
});
beforeEach(() => {
	slack.clearRecords();
	authenticatedRequests.length = 0;
});

const byEmail = {
	platform: 'slack',
	recipientBy: 'email',
	email: '={{ $json.employeeEmail }}',
	messageSource: 'default',
};

describe('Slack requests signed by n8n', () => {
	it("each Web API call carries the bot token n8n added through the credential's authenticate", async () => {
		const result = await runNode(TYPE.sendDm, byEmail as never, [walletFundedItem()], { slack });
		expect(result.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: ada.id });
		expect(slack.calls.length).toBeGreaterThanOrEqual(2);
		expect(authenticatedRequests.filter((type) => type === 'perksSlackApi')).toHaveLength(
			slack.calls.length,
		);
		expect(slack.calls.every((call) => call.token === slack.token)).toBe(true);
	});

	it("the adapter reads only the API URL and the signing secret (which binds DM buttons) from the credential; the token reaches Slack as n8n's header", async () => {
		const read: string[] = [];
		const credential = new Proxy(
			{ accessToken: slack.token, apiUrl: slack.apiUrl } as Record<string, unknown>,
			{
				get: (target, key) => (read.push(String(key)), target[key as string]),
			},
		);
		const signed: string[] = [];
		const context = {
			getNode: () => ({
				name: 'Subject',
				credentials: { perksSlackApi: { id: 'cred-proxy', name: 'Slack' } },
			}),
			getCredentials: async () => credential,
			helpers: {
				// Stands in for n8n: signs with the credential it holds, then sends.
				async httpRequestWithAuthentication(type: string, request: IHttpRequestOptions) {
					signed.push(type);
					const headers = {
						...(request.headers as Record<string, string>),
						Authorization: `Bearer ${slack.token}`,
					};
					const answer = await fetch(request.url, {
						method: request.method,
						headers,
						body: request.body as string,
					});
					return {
						statusCode: answer.status,
						headers: Object.fromEntries(answer.headers),
						body: await answer.text(),
					};
				},
			},
		} as unknown as ChatContext;
		const platform = await slackEntry.create(context, 'perksSlackApi');
		expect(await platform.findUserByEmail('ada@example.com')).toMatchObject({ id: ada.id });
		expect(read.filter((key) => key !== 'then').sort()).toEqual(['apiUrl', 'signingSecret']);
		expect(signed).toEqual(['perksSlackApi']);
		expect(slack.calls).toEqual([
			expect.objectContaining({ method: 'users.lookupByEmail', token: slack.token }),
		]);
	});

	it('the OAuth2 credential works with the token data Slack returns (token_type "bot")', async () => {
		const pkg = await loadPackage();
		const subject = node(
			'Subject',
			TYPE.sendDm,
			{ ...byEmail, authentication: 'oAuth2' } as never,
			{
				credentials: { perksSlackOAuth2Api: { id: 'cred-oauth', name: 'Perks Slack OAuth2 API' } },
			},
		);
		const workflow = instantiate(pkg, chain('wf-slack-oauth-bot', subject));
		const oauthTokenData = {
			ok: true,
			token_type: 'bot',
			access_token: slack.token,
			scope: 'chat:write',
		};
		const credentials = {
			perksSlackOAuth2Api: { apiUrl: slack.apiUrl, grantType: 'authorizationCode', oauthTokenData },
		};
		const result = await runFromTrigger(pkg, workflow, 'Subject', [{ json: walletFundedItem() }], {
			credentials,
		});
		expect(result.output('Subject')[0]).toMatchObject({ sent: true, recipientUserId: ada.id });
		expect(slack.calls.length).toBeGreaterThan(0);
		expect(slack.calls.every((call) => call.token === slack.token)).toBe(true);
	});

	it('an OAuth2 credential never connected asks to re-authorize, not to check the network', async () => {
		const pkg = await loadPackage();
		const subject = node(
			'Subject',
			TYPE.sendDm,
			{ ...byEmail, authentication: 'oAuth2' } as never,
			{
				credentials: {
					perksSlackOAuth2Api: { id: 'cred-unconnected', name: 'Perks Slack OAuth2 API' },
				},
				onError: 'continueErrorOutput',
			},
		);
		const workflow = instantiate(pkg, chain('wf-slack-oauth-unconnected', subject));
		const credentials = {
			perksSlackOAuth2Api: { apiUrl: slack.apiUrl, grantType: 'authorizationCode' },
		};
		const result = await runFromTrigger(pkg, workflow, 'Subject', [{ json: walletFundedItem() }], {
			credentials,
		});
		expect(result.output('Subject', 1)[0]).toMatchObject({ details: { code: 'reauthorize' } });
		expect(slack.calls).toHaveLength(0);
	});

	it("an invalid token comes back as Slack's own error, not an HTTP failure", async () => {
		const wrong = { token: 'xoxb-wrong', apiUrl: slack.apiUrl } as unknown as SlackEmulator;
		const result = await runNode(
			TYPE.sendDm,
			byEmail as never,
			[walletFundedItem()],
			{ slack: wrong },
			{
				onError: 'continueErrorOutput',
			},
		);
		const [failed] = result.output('Subject', 1);
		expect(failed).toMatchObject({ details: { code: 'reauthorize' } });
		expect(JSON.stringify(failed)).not.toContain('xoxb-wrong');
	});

	it('a refused connection is unreachable and names no secret', async () => {
		const closed = {
			token: slack.token,
			apiUrl: 'http://127.0.0.1:1/api/',
		} as unknown as SlackEmulator;
		const result = await runNode(
			TYPE.sendDm,
			byEmail as never,
			[walletFundedItem()],
			{ slack: closed },
			{
				onError: 'continueErrorOutput',
			},
		);
		const [failed] = result.output('Subject', 1);
		expect(failed).toMatchObject({ details: { code: 'unreachable' } });
		expect(JSON.stringify(failed)).not.toContain(slack.token);
	});

	// Last: the credential's queue then holds its calls for the 120 s Slack asked.
	it("keeps Slack's error codes: a long 429 is rate_limited with its Retry-After, and no secret shows", async () => {
		// The post: the call every DM makes (the recipient comes from the credential's directory).
		slack.failNext('chat.postMessage', 1, { retryAfter: 120 });
		const result = await runNode(
			TYPE.sendDm,
			byEmail as never,
			[walletFundedItem()],
			{ slack },
			{
				onError: 'continueErrorOutput',
			},
		);
		const [failed] = result.output('Subject', 1);
		expect(failed).toMatchObject({
			error: expect.stringContaining('retry after 120 s'),
			details: { code: 'rate_limited' },
		});
		expect(JSON.stringify(failed)).not.toContain(slack.token);
	});
});
