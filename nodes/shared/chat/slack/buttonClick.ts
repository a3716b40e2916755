/**
 * A "Show my balance" click in a Slack DM, as Slack's interactivity endpoint delivers it: a
 * signed `application/x-www-form-urlencoded` body whose `payload` is a `block_actions` JSON. The
 * signature and its timestamp are checked as for slash commands; each click's trigger_id is
 * accepted once. The button's value binds the DM's recipient (bindings.ts), so the item says
 * who clicked and whom the DM was for; Perks Chat Reply answers only when they are the same.
 */
import { bindRecipient, boundRecipient } from '../recipientBinding';
import type { RecentKeys } from '../../idempotency/recentKeys';
import { verifySlackRequest } from './requestSignature';

export const SLACK_BUTTON_SOURCE = 'slackButton';
export const SHOW_BALANCE_ACTION_ID = 'perks.showBalance';

export interface SlackButtonRequest {
	rawBody: Buffer;
	signature: string | undefined;
	timestamp: string | undefined;
	signingSecret: string;
	scope: string;
	seen: RecentKeys;
	nowSeconds?: number;
}

export interface SlackButtonQuestion {
	platform: 'slack';
	source: typeof SLACK_BUTTON_SOURCE;
	askerId: string;
	askerName: string | null;
	text: string;
	intent: 'balance';
	language: null;
	responseUrl: string;
	channelId: string | null;
	button: { for: string | null };
	[key: string]: unknown;
}

export type SlackButtonOutcome =
	| { action: 'respond'; status: number; body: Record<string, unknown>; secretRefused?: true }
	| { action: 'start'; question: SlackButtonQuestion; ack: string };

interface BlockActionsPayload {
	type?: unknown;
	trigger_id?: unknown;
	response_url?: unknown;
	user?: { id?: unknown; name?: unknown; username?: unknown };
	channel?: { id?: unknown };
	actions?: Array<{ action_id?: unknown; value?: unknown }>;
}

const ignored = (reason: string): SlackButtonOutcome => ({
	action: 'respond',
	status: 200,
	body: { ignored: reason },
});

export function handleSlackButton(request: SlackButtonRequest): SlackButtonOutcome {
	const check = verifySlackRequest({
		signingSecret: request.signingSecret,
		signature: request.signature,
		timestamp: request.timestamp,
		rawBody: request.rawBody,
		nowSeconds: request.nowSeconds,
	});
	if (!check.valid)
		return {
			action: 'respond',
			status: 401,
			body: { error: 'invalid_signature', reason: check.reason },
			secretRefused: true,
		};
	let payload: BlockActionsPayload;
	try {
		const raw = new URLSearchParams(request.rawBody.toString('utf8')).get('payload');
		payload = (JSON.parse(raw ?? 'null') ?? {}) as BlockActionsPayload;
	} catch {
		return {
			action: 'respond',
			status: 400,
			body: { error: 'invalid_request', message: 'No block_actions payload' },
		};
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
		return {
			action: 'respond',
			status: 400,
			body: {
				error: 'invalid_request',
				message: 'A click needs user.id, response_url and trigger_id',
			},
		};
	// The same signed click sent again (within Slack's 5 minutes) is a replay.
	if (!request.seen.claim(`${request.scope}:click:${triggerId}`)) return ignored('replay');
	const name = payload.user?.name ?? payload.user?.username;
	return {
		action: 'start',
		question: {
			platform: 'slack',
			source: SLACK_BUTTON_SOURCE,
			askerId: userId,
			askerName: typeof name === 'string' ? name : null,
			text: '',
			intent: 'balance',
			language: null,
			responseUrl,
			channelId: typeof payload.channel?.id === 'string' ? payload.channel.id : null,
			button: { for: boundRecipient(request.signingSecret, action.value) ?? null },
		},
		// Empty 200 within Slack's 3 s; the answer follows privately through response_url.
		ack: '',
	};
}

/** The button's value for a DM to this Slack user, bound with the app's signing secret. */
export const slackShowBalanceValue = (signingSecret: string, userId: string) =>
	bindRecipient(signingSecret, userId);
