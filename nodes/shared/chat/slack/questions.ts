/**
 * Slack's question sources: slash commands and bot messages (Events API), both signed with the
 * app's signing secret. Then the handshakes, then the filters that keep a question from being
 * answered twice (retries, replays) or a bot from answering bots (loops).
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { slackLiteral } from './render';
import {
	badRequest,
	chatQuestion,
	ignored,
	type AnswerRoute,
	type ChatOutcome,
	type QuestionSource,
	type SignedRequest,
} from '../QuestionSource';
import { buttonClick, SLACK_BUTTON_SOURCE } from './buttonClick';
import { clickAnswer } from './clickAnswer';
import { SLACK_BOT_TYPE } from './credentials';
import { verifySlackRequest } from './requestSignature';
import { slackResponseUrl } from './responseUrl';

const header = (request: SignedRequest, name: string) => {
	const value = request.headers[name];
	return Array.isArray(value) ? value[0] : value;
};

const signingSecret = (credential: ICredentialDataDecryptedObject) =>
	typeof credential.signingSecret === 'string' ? credential.signingSecret.trim() : '';

/** The signature check both sources share: undefined when it holds. */
function refusedSignature(request: SignedRequest): ChatOutcome | undefined {
	const check = verifySlackRequest({
		signingSecret: request.secret,
		signature: header(request, 'x-slack-signature'),
		timestamp: header(request, 'x-slack-request-timestamp'),
		rawBody: request.rawBody,
		nowSeconds: request.nowSeconds,
	});
	if (check.valid) return undefined;
	return {
		action: 'respond',
		status: 401,
		body: { error: 'invalid_signature', reason: check.reason },
		secretRefused: true,
	};
}

const SIGNED_NOTICE = {
	name: 'slackNotice',
	text: "Slack verifies this URL with the credential's Signing Secret: paste it from the app's Basic Information page.",
};

/** The slash command's answer: private, through its response_url (checked to be Slack's first). */
const responseUrlAnswer: AnswerRoute = {
	check: (item) =>
		typeof item.responseUrl === 'string'
			? undefined
			: 'A Slack slash command item needs "responseUrl"',
	async prepare(context, _platform, question) {
		const url = await slackResponseUrl(context, question.responseUrl as string);
		return async (text) => {
			await context.helpers.httpRequest({
				method: 'POST',
				url,
				body: { response_type: 'ephemeral', replace_original: false, text: slackLiteral(text) },
				json: true,
				// A redirect could lead off Slack's hosts.
				disableFollowRedirect: true,
			});
			return undefined;
		};
	},
};

const slackCommand = {
	value: 'slackCommand' as const,
	name: 'Slack Slash Command',
	description: "/perks balance: set the command's Request URL to this node's production URL",
	credential: SLACK_BOT_TYPE,
	notice: SIGNED_NOTICE,
	receive: {
		kind: 'signed',
		secretOf: signingSecret,
		handle: (request) => refusedSignature(request) ?? command(request),
	},
	answer: responseUrlAnswer,
} satisfies QuestionSource;

function command(request: SignedRequest): ChatOutcome {
	const form = new URLSearchParams(request.rawBody.toString('utf8'));
	const userId = form.get('user_id');
	const responseUrl = form.get('response_url');
	const triggerId = form.get('trigger_id');
	if (!userId || !responseUrl || !triggerId)
		return badRequest('A slash command needs user_id, response_url and trigger_id');
	// trigger_id is unique per invocation: the same signed request sent again is a replay.
	if (!request.seen.claim(`${request.scope}:command:${triggerId}`)) return ignored('replay');
	return {
		action: 'start',
		question: chatQuestion('slack', slackCommand.value, {
			askerId: userId,
			askerName: form.get('user_name'),
			text: form.get('text') ?? '',
			responseUrl,
			channelId: form.get('channel_id'),
		}),
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

/** Bot messages are answered in the asker's DM with the app (a direct message: the default route). */
const slackEvents = {
	value: 'slackEvents' as const,
	name: 'Slack Bot Messages',
	description: 'A DM to the app or an @mention (Events API): set the Request URL to this URL',
	credential: SLACK_BOT_TYPE,
	notice: SIGNED_NOTICE,
	receive: {
		kind: 'signed',
		secretOf: signingSecret,
		handle: (request) => refusedSignature(request) ?? event(request),
	},
} satisfies QuestionSource;

function event(request: SignedRequest): ChatOutcome {
	const isRetry = header(request, 'x-slack-retry-num') !== undefined;
	let envelope: SlackEventEnvelope;
	try {
		// `null` is JSON too: read as an empty envelope, not a crash (fuzz finding).
		envelope = (JSON.parse(request.rawBody.toString('utf8')) ?? {}) as SlackEventEnvelope;
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
		question: chatQuestion('slack', slackEvents.value, {
			askerId: event.user,
			askerName: null,
			text: event.text ?? '',
			channelId: event.channel ?? null,
		}),
		ack: { ok: true },
	};
}

/** "Show my balance" in a DM: answered through the click's response_url, in place for its recipient. */
const slackButton = {
	value: SLACK_BUTTON_SOURCE,
	name: 'Slack Button Clicks',
	description:
		'"Show my balance" in a perks DM (Interactivity): set the Interactivity Request URL to this URL',
	credential: SLACK_BOT_TYPE,
	notice: SIGNED_NOTICE,
	receive: {
		kind: 'signed',
		secretOf: signingSecret,
		handle: (request) => refusedSignature(request) ?? buttonClick(request),
	},
	answer: clickAnswer,
} satisfies QuestionSource;

export const SLACK_QUESTION_SOURCES = [slackCommand, slackEvents, slackButton] as const;
