/**
 * What the Perks Chat Trigger does with one request, free of n8n: the signature first (nothing
 * is read from an unsigned body), then the platform's handshakes, then the filters that keep a
 * question from being answered twice (retries, replays) or a bot from answering bots (loops).
 */
import type { IDataObject } from 'n8n-workflow';

import { parseQuestion, type ChatIntent } from '../shared/chat/intent';
import { verifySlackRequest } from '../shared/chat/slack/requestSignature';
import {
	describeSecurityTokenProblem,
	SECURITY_TOKEN_FIX,
	securityTokenProblem,
	verifyTeamsOutgoingRequest,
} from '../shared/chat/teams/outgoingWebhookSignature';
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
	| {
			action: 'respond';
			status: number;
			body: IDataObject | string;
			/** The secret refused the request: one read a moment ago may be stale, so read it again. */
			secretRefused?: true;
	  }
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

/** How far a signed timestamp may be from our clock, either way (Slack's rule, used for Teams too). */
const TOLERANCE_SECONDS = 300;

export function handleChatRequest(request: ChatRequest): ChatOutcome {
	const rawBody = request.rawBody ?? Buffer.alloc(0);
	const header = (name: string) => {
		const value = request.headers[name];
		return Array.isArray(value) ? value[0] : value;
	};
	if (request.source === 'teamsOutgoingWebhook') {
		const problem = securityTokenProblem(request.secret);
		if (problem) {
			// Fail closed: a key that is not 32 strict base64 bytes would let anyone sign.
			return {
				action: 'respond',
				status: 500,
				body: {
					error: 'invalid_security_token',
					reason: problem,
					message: `${describeSecurityTokenProblem(problem)}, so no request can be verified: every request is refused`,
					fix: SECURITY_TOKEN_FIX,
				},
				secretRefused: true,
			};
		}
		if (
			!verifyTeamsOutgoingRequest({
				securityToken: request.secret,
				authorization: header('authorization'),
				rawBody,
			})
		) {
			return {
				action: 'respond',
				status: 401,
				body: { error: 'invalid_signature' },
				secretRefused: true,
			};
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
			secretRefused: true,
		};
	if (request.source === 'slackCommand') return slackCommand(rawBody, request);
	return slackEvent(rawBody, request, header('x-slack-retry-num') !== undefined);
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

function slackEvent(rawBody: Buffer, request: ChatRequest, isRetry: boolean): ChatOutcome {
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
	// A retry is answered only when its event was never seen here (first copy lost, or n8n restarted).
	if (!envelope.event_id || !request.seen.claim(`${request.scope}:event:${envelope.event_id}`))
		return ignored(isRetry ? 'retry' : 'replay');
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
	/** When Teams sent it (ISO 8601), inside the signed body: the only freshness Teams signs. */
	timestamp?: unknown;
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
	const stale = staleActivity(activity.timestamp, request.nowSeconds);
	if (stale) return stale;
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

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Teams signs no header timestamp, so a captured request would verify forever: the activity's
 * own timestamp must be within 300 s of now either way, and the 10-minute id memory spans that window.
 * 401 as for a stale Slack request: a valid signature on a request that may be a replay.
 */
function staleActivity(timestamp: unknown, nowSeconds?: number): ChatOutcome | undefined {
	const refuse = (reason: string, message: string): ChatOutcome => ({
		action: 'respond',
		status: 401,
		body: { error: 'stale_request', reason, message },
	});
	if (timestamp === undefined || timestamp === null || timestamp === '')
		return refuse('missing', 'The activity has no timestamp, so it could be a replay');
	const sent =
		typeof timestamp === 'string' && ISO_8601.test(timestamp) ? Date.parse(timestamp) : NaN;
	if (!Number.isFinite(sent))
		return refuse('malformed', 'The activity timestamp is not an ISO 8601 date and time');
	const now = nowSeconds ?? Date.now() / 1000;
	const offBy = Math.round(sent / 1000 - now);
	if (Math.abs(offBy) > TOLERANCE_SECONDS)
		return refuse(
			'stale',
			`The activity timestamp is ${Math.abs(offBy)} s in the ${offBy < 0 ? 'past' : 'future'}; at most ${TOLERANCE_SECONDS} s is accepted`,
		);
	return undefined;
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
