/**
 * What the Perks Chat Trigger does with one request, free of n8n: the signature first (nothing
 * is read from an unsigned body), then the platform's handshakes, then the filters that keep a
 * question from being answered twice (retries, replays) or a bot from answering bots (loops).
 */
import type { IDataObject } from 'n8n-workflow';

import { parseQuestion, type ChatIntent } from '../shared/chat/intent';
import { verifySlackRequest } from '../shared/chat/slack/requestSignature';
import { verifyTeamsOutgoingRequest } from '../shared/chat/teams/outgoingWebhookSignature';
import type { RecentKeys } from '../shared/idempotency/recentKeys';
import type { Locale } from '../shared/messages/i18n';

export type ChatSource = 'slackCommand' | 'slackEvents' | 'teamsOutgoingWebhook' | 'teamsChat';

export interface ChatQuestion extends IDataObject {
	platform: 'slack' | 'teams';
	source: ChatSource;
	/** Slack user id, or the Teams user's Microsoft Entra object id. */
	askerId: string;
	askerName: string | null;
	text: string;
	intent: ChatIntent;
	/** The question's language, or null when its words do not tell (the asker's perks locale is used). */
	language: Locale | null;
	/** Slack slash commands: where the private answer goes (up to 30 minutes later). */
	responseUrl: string | null;
	channelId: string | null;
}

export interface ChatRequest {
	source: ChatSource;
	rawBody: Buffer | undefined;
	headers: Record<string, string | string[] | undefined>;
	/** Slack: the signing secret; Teams: the outgoing webhook's security token. */
	secret: string;
	/** Scopes request ids to one trigger node and mode. */
	scope: string;
	seen: RecentKeys;
	nowSeconds?: number;
}

export type ChatOutcome =
	| { action: 'respond'; status: number; body: IDataObject | string }
	/** `ack` is answered at once (Slack's 3 s); without it n8n answers with the last node's item (Teams). */
	| { action: 'start'; question: ChatQuestion; ack?: IDataObject | string };

const ignored = (reason: string): ChatOutcome => ({
	action: 'respond',
	status: 200,
	body: { ignored: reason },
});
const badRequest = (message: string): ChatOutcome => ({
	action: 'respond',
	status: 400,
	body: { error: 'invalid_request', message },
});

export function handleChatRequest(request: ChatRequest): ChatOutcome {
	const rawBody = request.rawBody ?? Buffer.alloc(0);
	const header = (name: string) => {
		const value = request.headers[name];
		return Array.isArray(value) ? value[0] : value;
	};
	if (request.source === 'teamsOutgoingWebhook') {
		if (
			!verifyTeamsOutgoingRequest({
				securityToken: request.secret,
				authorization: header('authorization'),
				rawBody,
			})
		) {
			return { action: 'respond', status: 401, body: { error: 'invalid_signature' } };
		}
		return teamsOutgoing(rawBody, request);
	}
	const check = verifySlackRequest({
		signingSecret: request.secret,
		signature: header('x-slack-signature'),
		timestamp: header('x-slack-request-timestamp'),
		rawBody,
		nowSeconds: request.nowSeconds,
	});
	if (!check.valid)
		return {
			action: 'respond',
			status: 401,
			body: { error: 'invalid_signature', reason: check.reason },
		};
	if (request.source === 'slackCommand') return slackCommand(rawBody, request);
	// A retry means Slack missed our first answer, not that the first copy went unseen: never answer twice.
	if (header('x-slack-retry-num') !== undefined) return ignored('retry');
	return slackEvent(rawBody, request);
}

function slackCommand(rawBody: Buffer, request: ChatRequest): ChatOutcome {
	const form = new URLSearchParams(rawBody.toString('utf8'));
	const userId = form.get('user_id');
	const responseUrl = form.get('response_url');
	const triggerId = form.get('trigger_id');
	if (!userId || !responseUrl || !triggerId)
		return badRequest('A slash command needs user_id, response_url and trigger_id');
	// trigger_id is unique per invocation: the same signed request sent again is a replay.
	if (!request.seen.claim(`${request.scope}:command:${triggerId}`)) return ignored('replay');
	const text = form.get('text') ?? '';
	return {
		action: 'start',
		question: chatQuestion(
			'slack',
			'slackCommand',
			userId,
			form.get('user_name'),
			text,
			responseUrl,
			form.get('channel_id'),
		),
		// Empty 200: Slack shows nothing, and the answer follows privately through response_url.
		ack: '',
	};
}

interface SlackEventEnvelope {
	type?: string;
	challenge?: string;
	event_id?: string;
	authorizations?: Array<{ user_id?: string }>;
	event?: {
		type?: string;
		subtype?: string;
		channel_type?: string;
		user?: string;
		bot_id?: string;
		app_id?: string;
		text?: string;
		channel?: string;
	};
}

function slackEvent(rawBody: Buffer, request: ChatRequest): ChatOutcome {
	let envelope: SlackEventEnvelope;
	try {
		// `null` is JSON too: read as an empty envelope, not a crash (fuzz finding).
		envelope = (JSON.parse(rawBody.toString('utf8')) ?? {}) as SlackEventEnvelope;
	} catch {
		return badRequest('The body is not JSON');
	}
	if (envelope.type === 'url_verification') {
		return {
			action: 'respond',
			status: 200,
			body: { challenge: String(envelope.challenge ?? '') },
		};
	}
	const event = envelope.event;
	if (envelope.type !== 'event_callback' || !event) return ignored('not_an_event');
	const isQuestion =
		event.type === 'app_mention' || (event.type === 'message' && event.channel_type === 'im');
	if (!isQuestion) return ignored('not_a_question');
	// Bots (ours included) and edits, joins and other subtypes never start a run: no answer loops.
	const selfIds = (envelope.authorizations ?? []).map((a) => a.user_id);
	if (
		event.bot_id ||
		event.app_id ||
		event.subtype ||
		!event.user ||
		selfIds.includes(event.user)
	) {
		return ignored('bot_or_system_message');
	}
	if (!envelope.event_id || !request.seen.claim(`${request.scope}:event:${envelope.event_id}`))
		return ignored('replay');
	return {
		action: 'start',
		question: chatQuestion(
			'slack',
			'slackEvents',
			event.user,
			null,
			event.text ?? '',
			null,
			event.channel ?? null,
		),
		ack: { ok: true },
	};
}

interface TeamsActivity {
	id?: string;
	type?: string;
	text?: string;
	from?: { id?: string; name?: string; aadObjectId?: string };
	conversation?: { id?: string };
}

function teamsOutgoing(rawBody: Buffer, request: ChatRequest): ChatOutcome {
	let activity: TeamsActivity;
	try {
		activity = (JSON.parse(rawBody.toString('utf8')) ?? {}) as TeamsActivity;
	} catch {
		return badRequest('The body is not JSON');
	}
	const askerId = activity.from?.aadObjectId;
	if (activity.type !== 'message' || !askerId || !activity.id)
		return badRequest('Expected a message activity from a user');
	if (!request.seen.claim(`${request.scope}:activity:${activity.id}`)) return ignored('replay');
	const q = chatQuestion(
		'teams',
		'teamsOutgoingWebhook',
		askerId,
		activity.from?.name ?? null,
		activity.text ?? '',
		null,
		activity.conversation?.id ?? null,
	);
	return { action: 'start', question: q };
}

export function chatQuestion(
	platform: 'slack' | 'teams',
	source: ChatSource,
	askerId: string,
	askerName: string | null,
	text: string,
	responseUrl: string | null,
	channelId: string | null,
): ChatQuestion {
	const { intent, language } = parseQuestion(text);
	return {
		platform,
		source,
		askerId,
		askerName,
		text,
		intent,
		language: language ?? null,
		responseUrl,
		channelId,
	};
}
