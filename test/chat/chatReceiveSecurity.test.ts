/**
 * What an outsider can do with a chat trigger's request, free of n8n: replay a captured Teams
 * activity, sign with the key a malformed security token decodes to, get a Slack retry answered
 * twice, or make Perks Chat Reply post an answer to a host that is not Slack's.
 */
import {
	handleChatRequest,
	type ChatRequest,
} from '../../nodes/PerksChatTrigger/actions/receive.operation';
import { teamsSecurityToken as credentialTest } from '../../nodes/shared/chat/teams/securityTokenTest';
import { checkResponseUrl } from '../../nodes/shared/chat/slack/responseUrl';
import {
	securityTokenProblem,
	teamsOutgoingSignature,
	verifyTeamsOutgoingRequest,
} from '../../nodes/shared/chat/teams/outgoingWebhookSignature';
import { RecentKeys } from '../../nodes/shared/idempotency/recentKeys';
import { slackEvent, teamsMention, teamsSecurityToken } from '../emulators/chatRequests';
import type { ICredentialTestFunctions } from 'n8n-workflow';

const TOKEN = teamsSecurityToken('receive-security');
const SECRET = 'slack-signing-secret';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

function receive(
	request: { body: string; headers: Record<string, string> },
	options: Partial<ChatRequest> = {},
) {
	return handleChatRequest({
		source: 'teamsOutgoingWebhook',
		rawBody: Buffer.from(request.body),
		headers: request.headers,
		secret: TOKEN,
		scope: 'test',
		seen: new RecentKeys(100, 600_000),
		...options,
	});
}

const mention = (timestamp: string | null, token = TOKEN, id?: string) =>
	teamsMention(token, { aadObjectId: 'aad-ada', text: 'balance', timestamp, id });
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

describe('Teams outgoing webhook: a replayed activity is refused by its signed timestamp', () => {
	it.each([
		['1 hour old', at(-HOUR), 'stale'],
		['1 hour ahead', at(HOUR), 'stale'],
		['1 day old', at(-DAY), 'stale'],
		['1 day ahead', at(DAY), 'stale'],
		['301 s old', at(-301_000), 'stale'],
		['without a timestamp', null, 'missing'],
		['with an empty timestamp', '', 'missing'],
		['with a date that is not ISO 8601', new Date().toUTCString(), 'malformed'],
		['with a date only', new Date().toISOString().slice(0, 10), 'malformed'],
		['with an impossible date', '2026-13-45T99:00:00Z', 'malformed'],
	])('signed correctly but %s: 401 naming the reason, nothing started', (_, timestamp, reason) => {
		const outcome = receive(mention(timestamp));
		expect(outcome).toMatchObject({
			action: 'respond',
			status: 401,
			body: { error: 'stale_request', reason },
		});
	});

	it.each([
		['now', at(0)],
		['299 s old', at(-299_000)],
		['299 s ahead', at(299_000)],
		['with 7 fraction digits and an offset', '2026-12-06T10:33:19.1234567-08:00'],
	])('an activity sent %s starts a run', (_, timestamp) => {
		const nowSeconds = timestamp.includes('2026-12-06T10')
			? Date.parse(timestamp) / 1000
			: undefined;
		expect(receive(mention(timestamp), { nowSeconds })).toMatchObject({ action: 'start' });
	});

	it('a fresh replay is still answered once: the id memory stays', () => {
		const seen = new RecentKeys(100, 600_000);
		const request = mention(at(-10_000));
		expect(receive(request, { seen })).toMatchObject({ action: 'start' });
		expect(receive(request, { seen })).toMatchObject({ body: { ignored: 'replay' } });
	});
});

describe('Teams outgoing webhook: a security token that is not 32 strict base64 bytes verifies nothing', () => {
	const BAD_TOKENS: Array<[string, string, string]> = [
		['empty', '', 'empty'],
		['pasted with dots', 'abc.def.ghi', 'not_base64'],
		['cut short by one character', TOKEN.slice(0, -1), 'not_base64'],
		['with a space inside', `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`, 'not_base64'],
		['base64url', teamsSecurityToken('url').replace(/\+/g, '-').replace(/\//g, '_'), 'not_base64'],
		['16 bytes', Buffer.alloc(16, 7).toString('base64'), 'too_short'],
		['31 bytes', Buffer.alloc(31, 7).toString('base64'), 'too_short'],
	];

	it('a real token is accepted', () => {
		expect(TOKEN).toHaveLength(44);
		expect(securityTokenProblem(TOKEN)).toBeUndefined();
		expect(securityTokenProblem(Buffer.alloc(64, 1).toString('base64'))).toBeUndefined();
	});

	it.each(BAD_TOKENS)(
		'a token %s: every request refused with 500, the reason and the fix, never the token',
		(_, token, reason) => {
			// Make sure of the token case: base64url of this seed does hold - or _.
			if (reason === 'not_base64') expect(securityTokenProblem(token)).toBe('not_base64');
			// Signed with exactly the key that token decodes to, and with the empty key.
			for (const key of [token, '']) {
				const request = mention(at(0), key);
				expect(
					verifyTeamsOutgoingRequest({
						securityToken: token,
						authorization: request.headers.authorization,
						rawBody: Buffer.from(request.body),
					}),
				).toBe(false);
				const outcome = receive(request, { secret: token });
				expect(outcome).toMatchObject({
					action: 'respond',
					status: 500,
					body: { error: 'invalid_security_token', reason },
				});
				const body = JSON.stringify(outcome.action === 'respond' ? outcome.body : {});
				expect(body).toMatch(/Paste the Security Token again/);
				if (token) expect(body).not.toContain(token);
			}
		},
	);

	it.each(BAD_TOKENS)(
		"the credential's Test says what is wrong with a token %s",
		async (_, token) => {
			const result = await credentialTest.call({} as ICredentialTestFunctions, {
				id: '1',
				name: 'Teams',
				type: 'perksTeamsOutgoingWebhookApi',
				data: { securityToken: token },
			});
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(
				/Security Token (is empty|is not base64|decodes to fewer than 32 bytes)/,
			);
			if (token) expect(result.message).not.toContain(token);
		},
	);

	it("the credential's Test passes a real token, surrounding spaces included", async () => {
		const result = await credentialTest.call({} as ICredentialTestFunctions, {
			id: '1',
			name: 'Teams',
			type: 'perksTeamsOutgoingWebhookApi',
			data: { securityToken: ` ${TOKEN}\n` },
		});
		expect(result.status).toBe('OK');
	});

	it('the signature helper still signs with any key (so the tests can forge)', () => {
		expect(teamsOutgoingSignature('', 'x')).toMatch(/^HMAC /);
	});
});

describe('Slack Events retries', () => {
	const dm = {
		type: 'message',
		channel_type: 'im',
		channel: 'D1',
		user: 'U0ASKER01',
		text: 'balance',
	};
	const retry = { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };
	const slack = (
		request: { body: string; headers: Record<string, string> },
		seen: RecentKeys,
		extra = {},
	) =>
		handleChatRequest({
			source: 'slackEvents',
			rawBody: Buffer.from(request.body),
			headers: { ...request.headers, ...extra },
			secret: SECRET,
			scope: 'test',
			seen,
		});

	it('a retry whose first copy never arrived (restart, lost request) is answered', () => {
		const seen = new RecentKeys(100, 600_000);
		expect(slack(slackEvent(SECRET, dm), seen, retry)).toMatchObject({ action: 'start' });
	});

	it('a retry of an event already seen is ignored, and so is a second retry', () => {
		const seen = new RecentKeys(100, 600_000);
		const event = slackEvent(SECRET, dm, { eventId: 'Ev0RETRY01' });
		expect(slack(event, seen)).toMatchObject({ action: 'start' });
		expect(slack(event, seen, retry)).toMatchObject({ body: { ignored: 'retry' } });
		expect(slack(event, seen, { ...retry, 'x-slack-retry-num': '2' })).toMatchObject({
			body: { ignored: 'retry' },
		});
	});

	it('an unseen retry that comes twice is answered once', () => {
		const seen = new RecentKeys(100, 600_000);
		const event = slackEvent(SECRET, dm, { eventId: 'Ev0RETRY02' });
		expect(slack(event, seen, retry)).toMatchObject({ action: 'start' });
		expect(slack(event, seen, { ...retry, 'x-slack-retry-num': '2' })).toMatchObject({
			body: { ignored: 'retry' },
		});
	});
});

describe("Perks Chat Reply posts a slash command's answer only to Slack", () => {
	const DEFAULT_API = 'https://slack.com/api/';
	it.each([
		['https://hooks.slack.com/commands/T0/1/abc', DEFAULT_API],
		['https://hooks.slack.com/commands/T0/1/abc', undefined],
		['https://hooks.slack-gov.com/commands/T0/1/abc', 'https://slack-gov.com/api/'],
		['http://127.0.0.1:41234/commands/T0/1/abc', 'http://127.0.0.1:5555/api/'],
	])('%s with API URL %s: allowed', (url, apiUrl) => {
		expect(checkResponseUrl(url, apiUrl)).toBe(url);
	});

	it.each([
		['https://attacker.example/collect', DEFAULT_API],
		['http://hooks.slack.com/commands/T0/1/abc', DEFAULT_API],
		['https://hooks.slack.com.attacker.example/x', DEFAULT_API],
		['https://hooks.slack.com:8443/x', DEFAULT_API],
		['https://user:pw@hooks.slack.com/x', DEFAULT_API],
		['https://evil.example/?https://hooks.slack.com/', DEFAULT_API],
		['https://hooks.slack-gov.com/commands/T0/1/abc', DEFAULT_API],
		['http://localhost:41234/commands', 'http://127.0.0.1:5555/api/'],
		['https://127.0.0.1:41234/commands', 'http://127.0.0.1:5555/api/'],
		['file:///etc/passwd', DEFAULT_API],
		['not a url', DEFAULT_API],
		['', DEFAULT_API],
	])('%s with API URL %s: refused with response_url_not_slack and a fix', (url, apiUrl) => {
		let error: (Error & { code?: string; fix?: string }) | undefined;
		try {
			checkResponseUrl(url, apiUrl);
		} catch (caught) {
			error = caught as typeof error;
		}
		expect(error?.code).toBe('response_url_not_slack');
		expect(error?.fix).toMatch(/hooks\.slack\.com/);
		// Never the path: a real response_url is a capability.
		if (url.includes('/commands')) expect(error?.message).not.toContain('/commands');
	});
});
