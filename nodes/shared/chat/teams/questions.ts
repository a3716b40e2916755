/**
 * Microsoft Teams' question sources: an outgoing webhook (an @mention in a channel, HMAC-signed
 * with its security token, answered in the thread by the HTTP response) and 1:1 chats with the
 * service account (Graph change notifications, answered in that chat).
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { teamsActivityLiteral } from './render';
import {
	badRequest,
	chatQuestion,
	ignored,
	type ChatOutcome,
	type QuestionSource,
	type SignedRequest,
} from '../QuestionSource';
import { teamsBotQuestions } from './bot/questionSource';
import { TEAMS_CHAT_SOURCE, teamsChatSubscription, teamsChatWebhook } from './chatSubscription';
import { TEAMS_CREDENTIAL_TYPE } from './n8nGraph';
import {
	describeSecurityTokenProblem,
	SECURITY_TOKEN_FIX,
	securityTokenProblem,
	verifyTeamsOutgoingRequest,
} from './outgoingWebhookSignature';
import { teamsSecurityToken } from './securityTokenTest';

const TEAMS_OUTGOING_CREDENTIAL = 'perksTeamsOutgoingWebhookApi';

/** How far the activity's timestamp may be from our clock, either way (Slack's rule). */
const TOLERANCE_SECONDS = 300;

const outgoingWebhook = {
	value: 'teamsOutgoingWebhook' as const,
	name: 'Teams Outgoing Webhook',
	description: '"@Perks balance" in a Teams channel: set the callback URL to this URL',
	credential: TEAMS_OUTGOING_CREDENTIAL,
	// No Teams API knows the token: the credential's test checks its format, offline.
	credentialTest: { name: 'teamsSecurityToken', test: teamsSecurityToken },
	notice: {
		name: 'teamsNotice',
		text: 'Teams waits at most 5 seconds for the answer: end the workflow with Perks Chat Reply, whose item is the answer.',
	},
	receive: {
		kind: 'signed',
		secretOf: (credential: ICredentialDataDecryptedObject) =>
			typeof credential.securityToken === 'string' ? credential.securityToken.trim() : '',
		handle: outgoingRequest,
	},
	// The answer is the HTTP response (the trigger's "last node" item): the reply activity, in the thread.
	answer: {
		prepare: async () => async (text) => ({
			type: 'message',
			textFormat: 'xml',
			// The answer holds data (the wallet's currency unit): literal text.
			text: teamsActivityLiteral(text),
		}),
	},
} satisfies QuestionSource;

function outgoingRequest(request: SignedRequest): ChatOutcome {
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
	const authorization = request.headers.authorization;
	if (
		!verifyTeamsOutgoingRequest({
			securityToken: request.secret,
			authorization: Array.isArray(authorization) ? authorization[0] : authorization,
			rawBody: request.rawBody,
		})
	) {
		return {
			action: 'respond',
			status: 401,
			body: { error: 'invalid_signature' },
			secretRefused: true,
		};
	}
	return outgoingActivity(request);
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

function outgoingActivity(request: SignedRequest): ChatOutcome {
	let activity: TeamsActivity;
	try {
		activity = (JSON.parse(request.rawBody.toString('utf8')) ?? {}) as TeamsActivity;
	} catch {
		return badRequest('The body is not JSON');
	}
	const askerId = activity.from?.aadObjectId;
	if (activity.type !== 'message' || !askerId || !activity.id)
		return badRequest('Expected a message activity from a user');
	const stale = staleActivity(activity.timestamp, request.nowSeconds);
	if (stale) return stale;
	if (!request.seen.claim(`${request.scope}:activity:${activity.id}`)) return ignored('replay');
	const question = chatQuestion('teams', outgoingWebhook.value, {
		askerId,
		askerName: activity.from?.name ?? null,
		text: activity.text ?? '',
		channelId: activity.conversation?.id ?? null,
	});
	return { action: 'start', question };
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

/** 1:1 questions are answered in that chat: a direct message to the asker (the default route). */
const chat = {
	value: TEAMS_CHAT_SOURCE,
	name: 'Teams Chat (1:1 with the Service Account)',
	description:
		'A message to the service account in a 1:1 chat: subscribed through Microsoft Graph on publish',
	credential: TEAMS_CREDENTIAL_TYPE,
	notice: {
		name: 'teamsChatNotice',
		text: "Publishing subscribes to the service account's chats through Microsoft Graph (renewed while published, deleted on unpublish). Graph must reach this URL over HTTPS.",
	},
	receive: { kind: 'webhook', webhook: teamsChatWebhook },
	subscription: teamsChatSubscription,
} satisfies QuestionSource;

export const TEAMS_QUESTION_SOURCES = [outgoingWebhook, chat, teamsBotQuestions] as const;
