/**
 * What Slack and Teams send a chat trigger, signed the way they sign it, and a loopback
 * `response_url` that records what a slash command's answer posted.
 */
import { createHash, randomUUID } from 'node:crypto';

import { LoopbackServer } from './loopback';
import { slackSignature } from '../nodes/shared/chat/slack/requestSignature';
import { teamsOutgoingSignature } from '../nodes/shared/chat/teams/outgoingWebhookSignature';

export interface SignedRequest {
	body: string;
	headers: Record<string, string>;
}

export function slashCommand(
	signingSecret: string,
	fields: { userId: string; text: string; responseUrl: string },
	options: { timestamp?: number; triggerId?: string } = {},
): SignedRequest {
	const body = new URLSearchParams({
		token: 'deprecated-verification-token',
		team_id: 'T0PERKS001',
		channel_id: 'C0GENERAL1',
		user_id: fields.userId,
		user_name: 'asker',
		command: '/perks',
		text: fields.text,
		api_app_id: 'A0PERKSAPP',
		response_url: fields.responseUrl,
		trigger_id: options.triggerId ?? `trg.${randomUUID()}`,
	}).toString();
	return slackSigned(signingSecret, body, 'application/x-www-form-urlencoded', options.timestamp);
}

export function slackEvent(
	signingSecret: string,
	event: Record<string, unknown>,
	options: { timestamp?: number; eventId?: string; botUserId?: string } = {},
): SignedRequest {
	const body = JSON.stringify({
		type: 'event_callback',
		team_id: 'T0PERKS001',
		api_app_id: 'A0PERKSAPP',
		event_id: options.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10)}`,
		event_time: Math.floor(Date.now() / 1000),
		authorizations: [{ user_id: options.botUserId ?? 'U0PERKSBOT', is_bot: true }],
		event,
	});
	return slackSigned(signingSecret, body, 'application/json', options.timestamp);
}

export function urlVerification(signingSecret: string, challenge: string): SignedRequest {
	return slackSigned(
		signingSecret,
		JSON.stringify({ type: 'url_verification', token: 'x', challenge }),
		'application/json',
	);
}

/** A button click in a Slack message, as Slack's interactivity endpoint sends it (`block_actions`). */
export function slackBlockAction(
	signingSecret: string,
	fields: { userId: string; value: unknown; responseUrl: string; actionId?: string },
	options: { timestamp?: number; triggerId?: string } = {},
): SignedRequest {
	const payload = {
		type: 'block_actions',
		team: { id: 'T0PERKS001' },
		api_app_id: 'A0PERKSAPP',
		user: { id: fields.userId, name: 'clicker', team_id: 'T0PERKS001' },
		channel: { id: 'D0PERKSDM1' },
		trigger_id: options.triggerId ?? `trg.${randomUUID()}`,
		response_url: fields.responseUrl,
		actions: [
			{
				type: 'button',
				action_id: fields.actionId ?? 'perks.showBalance',
				block_id: 'perks',
				value: fields.value,
				action_ts: String(Date.now() / 1000),
			},
		],
	};
	const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
	return slackSigned(signingSecret, body, 'application/x-www-form-urlencoded', options.timestamp);
}

function slackSigned(
	secret: string,
	body: string,
	contentType: string,
	timestamp = Math.floor(Date.now() / 1000),
) {
	return {
		body,
		headers: {
			'content-type': contentType,
			'x-slack-request-timestamp': String(timestamp),
			'x-slack-signature': slackSignature(secret, timestamp, body),
		},
	};
}

/** A security token shaped like the ones Teams shows: 32 bytes, 44 characters of base64. */
export function teamsSecurityToken(seed: string): string {
	return createHash('sha256').update(seed).digest('base64');
}

/**
 * An @mention in a Teams channel, as an outgoing webhook posts it. `timestamp`: the activity's
 * (default now; `null` leaves it out), inside the signed body.
 */
export function teamsMention(
	securityToken: string,
	fields: { aadObjectId: string; text: string; id?: string; timestamp?: string | null },
): SignedRequest {
	const timestamp =
		fields.timestamp === undefined ? new Date().toISOString() : (fields.timestamp ?? undefined);
	const body = JSON.stringify({
		type: 'message',
		id: fields.id ?? randomUUID(),
		timestamp,
		serviceUrl: 'https://smba.trafficmanager.net/emea/',
		channelId: 'msteams',
		from: { id: '29:1abc', name: 'Asker', aadObjectId: fields.aadObjectId },
		conversation: { id: '19:channel@thread.skype;messageid=1', isGroup: true },
		text: `<at>Perks</at> ${fields.text}`,
		textFormat: 'plain',
	});
	return {
		body,
		headers: {
			'content-type': 'application/json',
			authorization: teamsOutgoingSignature(securityToken, body),
		},
	};
}

export async function send(
	url: string,
	request: SignedRequest,
	extraHeaders: Record<string, string> = {},
) {
	const started = Date.now();
	const response = await fetch(url, {
		method: 'POST',
		headers: { ...request.headers, ...extraHeaders },
		body: request.body,
	});
	const text = await response.text();
	return { status: response.status, text, elapsedMs: Date.now() - started };
}

/**
 * A Slack `response_url` on loopback: records each JSON post. As on Slack, a post with
 * `replace_original: true` replaces the message the URL belongs to (`message`, same ts), unless
 * that message is gone (`messageGone`: 404 `message_not_found`, nothing changes); any other post is
 * a new (ephemeral) message.
 */
export class ResponseUrlRecorder {
	readonly posts: Array<Record<string, unknown>> = [];
	/** Posts refused because the message to replace is gone. */
	readonly refused: Array<Record<string, unknown>> = [];
	/** The message the click came from: its text and blocks, replaced in place. */
	message: { ts: string; text?: unknown; blocks?: unknown; replaced: number } = {
		ts: '1700000000.000100',
		replaced: 0,
	};
	messageGone = false;
	private waiters: Array<() => void> = [];
	url = '';

	private readonly loopback = new LoopbackServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
			if (body.replace_original === true && this.messageGone) {
				this.refused.push(body);
				res
					.writeHead(404, { 'content-type': 'application/json' })
					.end(JSON.stringify({ ok: false, error: 'message_not_found' }));
				return;
			}
			if (body.replace_original === true)
				this.message = {
					ts: this.message.ts,
					text: body.text,
					blocks: body.blocks,
					replaced: this.message.replaced + 1,
				};
			this.posts.push(body);
			res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
			for (const wake of this.waiters.splice(0)) wake();
		});
	});

	async start(): Promise<void> {
		this.url = `${await this.loopback.start()}/commands/T0PERKS001/1/abc`;
	}

	async nextPost(timeoutMs = 5000): Promise<Record<string, unknown>> {
		const count = this.posts.length;
		const deadline = Date.now() + timeoutMs;
		while (this.posts.length === count) {
			if (Date.now() > deadline) throw new Error('nothing was posted to response_url');
			await new Promise<void>((resolve) => {
				this.waiters.push(resolve);
				setTimeout(resolve, 50);
			});
		}
		return this.posts[count];
	}

	async stop(): Promise<void> {
		await this.loopback.stop();
	}
}
