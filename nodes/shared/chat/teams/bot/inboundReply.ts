/**
 * An answer to a question the bot received, through the Bot Connector: POST
 * {serviceUrl}/v3/conversations/{id}/activities with the app's token, threaded under the question
 * (or the clicked card) when the conversation is not a 1:1 chat. The destination is only ever the
 * one a verified token named, carried through the workflow under a MAC (bindings.ts).
 */
import { teamsActivityLiteral } from '../../../messages/render/teams';
import { type ReplyTarget, verifyReplyTarget } from './bindings';

export interface BotHttpResponse {
	status: number;
	body: string;
}

export type BotHttp = (request: {
	method: 'POST';
	url: string;
	headers: Record<string, string>;
	body: string;
}) => Promise<BotHttpResponse>;

export class BotReplyError extends Error {
	constructor(
		readonly code: 'reply_target_unverified' | 'reply_failed',
		message: string,
		readonly fix: string,
		readonly status?: number,
	) {
		super(message);
		this.name = 'BotReplyError';
	}
}

/** The item's reply target, checked against its MAC; throws when the workflow changed it. */
export function replyTargetOf(item: Record<string, unknown>, clientSecret: string): ReplyTarget {
	const target: ReplyTarget = {
		serviceUrl: String(item.serviceUrl ?? ''),
		conversationId: String(item.channelId ?? ''),
		replyToId: typeof item.replyToId === 'string' ? item.replyToId : null,
		askerId: String(item.askerId ?? ''),
	};
	if (!verifyReplyTarget(clientSecret, target, item.replyTargetSignature)) {
		throw new BotReplyError(
			'reply_target_unverified',
			"The question's reply address, conversation or asker is not the one the Teams bot received (changed in the workflow, or another credential)",
			"Use the same Teams bot credential in Perks Chat Trigger and Perks Chat Reply, and pass the trigger's item on unchanged",
		);
	}
	return target;
}

export async function sendBotReply(
	http: BotHttp,
	token: string,
	target: ReplyTarget,
	text: string,
): Promise<{ id?: string }> {
	const base = target.serviceUrl.replace(/\/+$/, '');
	const url = `${base}/v3/conversations/${encodeURIComponent(target.conversationId)}/activities`;
	const activity = {
		type: 'message',
		// Data (the wallet's currency unit) stays literal: every markup character is an entity.
		textFormat: 'xml',
		text: teamsActivityLiteral(text),
		...(target.replyToId ? { replyToId: target.replyToId } : {}),
	};
	const response = await http({
		method: 'POST',
		url,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: JSON.stringify(activity),
	});
	if (response.status >= 200 && response.status < 300) {
		try {
			return JSON.parse(response.body || '{}') as { id?: string };
		} catch {
			return {};
		}
	}
	throw new BotReplyError(
		'reply_failed',
		`The Bot Connector refused the answer (HTTP ${response.status})`,
		response.status === 401 || response.status === 403
			? "Check the Teams bot credential's App ID and client secret, and that the app is installed where the question was asked"
			: 'Ask again in a moment; if it keeps failing, check the Bot Connector status',
		response.status,
	);
}
