/**
 * "Show my balance" clicks through Slack's interactivity endpoint, free of n8n: signed like slash
 * commands, each click once, and the item says whom the DM was for only when the button is ours.
 */
import {
	handleChatRequest,
	type ChatOutcome,
} from '../../../nodes/PerksChatTrigger/actions/receive.operation';
import { slackShowBalanceValue } from '../../../nodes/shared/chat/slack/buttonClick';
import { slackSignature } from '../../../nodes/shared/chat/slack/requestSignature';
import { RecentKeys } from '../../../nodes/shared/idempotency/recentKeys';

const SECRET = 'slack-signing-secret-for-buttons';
let seen: RecentKeys;
let n = 0;
beforeEach(() => (seen = new RecentKeys(1000, 600_000)));

function clickBody(user: string, value: unknown, extra: Record<string, unknown> = {}): string {
	n++;
	const payload = {
		type: 'block_actions',
		trigger_id: `trigger-${n}`,
		response_url: 'https://hooks.slack.com/actions/T1/1/abc',
		user: { id: user, name: user.toLowerCase() },
		channel: { id: 'D123' },
		actions: [{ action_id: 'perks.showBalance', value, type: 'button' }],
		...extra,
	};
	return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function send(body: string, options: { secret?: string; timestamp?: number } = {}): ChatOutcome {
	const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
	return handleChatRequest({
		source: 'slackButton',
		rawBody: Buffer.from(body),
		headers: {
			'x-slack-signature': slackSignature(options.secret ?? SECRET, timestamp, body),
			'x-slack-request-timestamp': String(timestamp),
		},
		secret: SECRET,
		scope: 'test',
		seen,
	});
}

const buttonOf = (outcome: ChatOutcome) =>
	outcome.action === 'start' ? outcome.question.button : outcome.body;

test("the DM's recipient clicking gets a balance question answered through response_url", () => {
	const outcome = send(clickBody('U_ANA', slackShowBalanceValue(SECRET, 'U_ANA')));
	expect(outcome).toMatchObject({
		action: 'start',
		ack: '',
		question: {
			platform: 'slack',
			source: 'slackButton',
			askerId: 'U_ANA',
			intent: 'balance',
			responseUrl: 'https://hooks.slack.com/actions/T1/1/abc',
			button: { for: 'U_ANA' },
		},
	});
});

test('someone else clicking, a forged value or one bound with another secret never names a recipient they are not', () => {
	expect(buttonOf(send(clickBody('U_BOB', slackShowBalanceValue(SECRET, 'U_ANA'))))).toEqual({
		for: 'U_ANA',
	});
	expect(buttonOf(send(clickBody('U_BOB', 'U_BOB.AAAAAAAAAAAAAAAAAAAAAA')))).toEqual({ for: null });
	expect(buttonOf(send(clickBody('U_BOB', 'U_BOB')))).toEqual({ for: null });
	expect(buttonOf(send(clickBody('U_BOB', slackShowBalanceValue('other', 'U_BOB'))))).toEqual({
		for: null,
	});
	expect(buttonOf(send(clickBody('U_BOB', { nested: true })))).toEqual({ for: null });
});

test('a forged signature and a replayed (old) timestamp are refused; a click counts once', () => {
	const body = clickBody('U_ANA', slackShowBalanceValue(SECRET, 'U_ANA'));
	expect(send(body, { secret: 'guess' })).toMatchObject({
		status: 401,
		body: { reason: 'mismatch' },
	});
	expect(send(body, { timestamp: Math.floor(Date.now() / 1000) - 301 })).toMatchObject({
		status: 401,
		body: { reason: 'stale' },
	});
	expect(send(body).action).toBe('start');
	expect(send(body)).toEqual({ action: 'respond', status: 200, body: { ignored: 'replay' } });
});

test('other interactions and malformed payloads start nothing', () => {
	expect(send(clickBody('U_A', 'x', { type: 'view_submission' }))).toMatchObject({
		body: { ignored: 'not_block_actions' },
	});
	expect(send(clickBody('U_A', 'x', { actions: [{ action_id: 'perks_open_url' }] }))).toMatchObject(
		{
			body: { ignored: 'not_a_perks_button' },
		},
	);
	expect(send('payload=%7Bnot json')).toMatchObject({ status: 400 });
	expect(send('payload=null')).toMatchObject({
		status: 200,
		body: { ignored: 'not_block_actions' },
	});
	expect(send(clickBody('U_A', 'x', { response_url: undefined }))).toMatchObject({ status: 400 });
});
