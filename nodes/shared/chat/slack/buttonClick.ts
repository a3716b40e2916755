/**
 * A "Show my balance" click in a Slack DM, as Slack's interactivity endpoint delivers it: a
 * signed `application/x-www-form-urlencoded` body whose `payload` is a `block_actions` JSON. The
 * signature and its timestamp are checked as for slash commands; each click's trigger_id is
 * accepted once. The button's value binds the DM's recipient (bindings.ts), so the item says
 * who clicked and whom the DM was for; Perks Chat Reply answers only when they are the same.
 */
import { bindRecipient, boundRecipient } from '../recipientBinding';
import {
	badRequest,
	chatQuestion,
	ignored,
	type ChatOutcome,
	type SignedRequest,
} from '../QuestionSource';

export const SLACK_BUTTON_SOURCE = 'slackButton' as const;
export const SHOW_BALANCE_ACTION_ID = 'perks.showBalance';

interface BlockActionsPayload {
	type?: unknown;
	trigger_id?: unknown;
	response_url?: unknown;
	user?: { id?: unknown; name?: unknown; username?: unknown };
	channel?: { id?: unknown };
	actions?: Array<{ action_id?: unknown; value?: unknown }>;
}

/** A signed (already verified) interactivity request: a balance question, or nothing. */
export function buttonClick(request: SignedRequest): ChatOutcome {
	let payload: BlockActionsPayload;
	try {
		const raw = new URLSearchParams(request.rawBody.toString('utf8')).get('payload');
		payload = (JSON.parse(raw ?? 'null') ?? {}) as BlockActionsPayload;
	} catch {
		return badRequest('Expected a block_actions payload');
	}
	if (typeof payload !== 'object' || payload.type !== 'block_actions')
		return ignored('not_block_actions');
	const action = (Array.isArray(payload.actions) ? payload.actions : []).find(
		(a) => a?.action_id === SHOW_BALANCE_ACTION_ID,
	);
	if (!action) return ignored('not_a_perks_button');
	const userId = typeof payload.user?.id === 'string' ? payload.user.id : '';
	const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : '';
	const triggerId = typeof payload.trigger_id === 'string' ? payload.trigger_id : '';
	if (!userId || !responseUrl || !triggerId)
		return badRequest('A click needs user.id, response_url and trigger_id');
	// The same signed click sent again (within Slack's 5 minutes) is a replay.
	if (!request.seen.claim(`${request.scope}:click:${triggerId}`)) return ignored('replay');
	const name = payload.user?.name ?? payload.user?.username;
	const question = chatQuestion('slack', SLACK_BUTTON_SOURCE, {
		askerId: userId,
		askerName: typeof name === 'string' ? name : null,
		text: '',
		responseUrl,
		channelId: typeof payload.channel?.id === 'string' ? payload.channel.id : null,
	});
	return {
		action: 'start',
		question: {
			...question,
			intent: 'balance',
			button: { for: boundRecipient(request.secret, action.value) ?? null },
		},
		// Empty 200 within Slack's 3 s; the answer follows privately through response_url.
		ack: '',
	};
}

/** The button's value for a DM to this Slack user, bound with the app's signing secret. */
export const slackShowBalanceValue = (signingSecret: string, userId: string) =>
	bindRecipient(signingSecret, userId);
