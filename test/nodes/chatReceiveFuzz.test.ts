/** What the chat fuzzing (test/reliability/fuzzChat.rel.ts) found: a signed `null` body crashed the trigger (500). */
import {
	handleChatRequest,
	type ChatSource,
} from '../../nodes/PerksChatTrigger/actions/receive.operation';
import { slackSignature } from '../../nodes/shared/chat/slack/requestSignature';
import { teamsOutgoingSignature } from '../../nodes/shared/chat/teams/outgoingWebhookSignature';
import { RecentKeys } from '../../nodes/shared/idempotency/recentKeys';
import { teamsSecurityToken } from '../emulators/chatRequests';

const SECRET = 'slack-signing-secret';
const TOKEN = teamsSecurityToken('teams-token');

function signed(source: ChatSource, body: string) {
	const at = Math.floor(Date.now() / 1000);
	const headers =
		source === 'teamsOutgoingWebhook'
			? { authorization: teamsOutgoingSignature(TOKEN, body) }
			: {
					'x-slack-request-timestamp': String(at),
					'x-slack-signature': slackSignature(SECRET, at, body),
				};
	return handleChatRequest({
		source,
		rawBody: Buffer.from(body),
		headers,
		secret: source === 'teamsOutgoingWebhook' ? TOKEN : SECRET,
		scope: 'test',
		seen: new RecentKeys(100, 60_000),
	});
}

it.each([
	['slackEvents', 'null', 200],
	['slackEvents', '"x"', 200],
	['slackEvents', '[]', 200],
	['teamsOutgoingWebhook', 'null', 400],
	['teamsOutgoingWebhook', '7', 400],
	['teamsOutgoingWebhook', '[]', 400],
] as Array<[ChatSource, string, number]>)(
	'a signed %s body %s is answered %d, never thrown',
	(source, body, status) => {
		expect(signed(source, body)).toMatchObject({ action: 'respond', status });
	},
);
