/**
 * One request to the bot's messaging endpoint, free of n8n: the JWT first (nothing is acted on
 * before it verifies), then freshness and replays, then the activity. A question is acknowledged
 * at once (the Bot Connector wants a quick 2xx) and answered later through the Bot Connector,
 * at the serviceUrl the verified token named, bound to the item with a MAC.
 */
import type { RecentKeys } from '../../../idempotency/recentKeys';
import { bindRecipient, boundRecipient, signReplyTarget } from './bindings';
import { readActivity, type BotActivity, type BotQuestion } from './inboundActivity';
import {
	BOT_OPENID_METADATA_URL,
	signingKeysFor,
	type BotSigningKeys,
	type FetchJson,
} from './signingKeys';
import { verifyBotRequest, type BotAuthFailureCode } from './verifyJwt';

export interface BotCredential {
	appId: string;
	clientSecret: string;
	tenantId: string;
	/** The Bot Framework's OpenID metadata; a test server's in tests. */
	openIdMetadataUrl?: string;
}

export interface BotRequest {
	rawBody: Buffer;
	authorization: string | undefined;
	credential: BotCredential;
	fetchJson: FetchJson;
	/** Scopes activity ids to one trigger node and mode. */
	scope: string;
	seen: RecentKeys;
	keys?: BotSigningKeys;
	nowSeconds?: number;
}

export interface BotQuestionItem extends BotQuestion {
	/** MAC over serviceUrl, conversation, replyToId, asker and clicked card: Perks Chat Reply answers only there. */
	replyTargetSignature: string;
	[key: string]: unknown;
}

export type BotOutcome =
	| { action: 'respond'; status: number; body: Record<string, unknown> }
	| { action: 'start'; question: BotQuestionItem };

const FIXES: Record<BotAuthFailureCode, string> = {
	missing_token:
		"Only the Bot Connector may call this URL: set it as the Azure Bot's messaging endpoint",
	malformed_token:
		"Only the Bot Connector may call this URL: set it as the Azure Bot's messaging endpoint",
	unknown_signing_key: 'The token is not signed by a key the Bot Framework publishes',
	invalid_signature: 'The token is not signed by a key the Bot Framework publishes',
	token_expired: "Check this machine's clock; the Bot Connector's tokens live an hour",
	token_not_yet_valid: "Check this machine's clock",
	wrong_issuer: 'Only tokens from https://api.botframework.com are accepted',
	wrong_audience: "Set the Teams bot credential's App ID to the Azure Bot's Microsoft App ID",
	service_url_mismatch: 'Only the Bot Connector may call this URL',
	channel_not_endorsed: 'Only Microsoft Teams (channel "msteams") may call this URL',
	signing_keys_unavailable:
		'n8n could not fetch the Bot Framework signing keys (login.botframework.com): check its outbound HTTPS access',
};

/** How far the activity's own timestamp may be from our clock; the id memory spans twice that. */
const FRESH_SECONDS = 300;

export async function handleBotRequest(request: BotRequest): Promise<BotOutcome> {
	let activity: BotActivity;
	try {
		activity = (JSON.parse(request.rawBody.toString('utf8')) ?? {}) as BotActivity;
	} catch {
		activity = {};
	}
	if (typeof activity !== 'object') activity = {};
	const { credential } = request;
	if (!credential.appId.trim() || !credential.clientSecret) {
		return respond(500, {
			error: 'bot_credential_incomplete',
			message:
				'The Teams bot credential has no App ID or client secret, so no request can be verified',
			fix: 'Fill in App (Client) ID and Client Secret in the Teams bot credential',
		});
	}
	const auth = await verifyBotRequest({
		authorization: request.authorization,
		appId: credential.appId.trim(),
		serviceUrl: activity.serviceUrl,
		channelId: activity.channelId,
		keys: request.keys ?? signingKeysFor(credential.openIdMetadataUrl ?? BOT_OPENID_METADATA_URL),
		fetchJson: request.fetchJson,
		nowSeconds: request.nowSeconds,
	});
	if (!auth.valid) return respond(auth.status, { error: auth.code, fix: FIXES[auth.code] });
	if (activity.channelId !== 'msteams') return respond(200, { ignored: 'not_teams' });

	const stale = staleness(activity.timestamp, request.nowSeconds);
	if (stale)
		return respond(401, {
			error: 'stale_request',
			reason: stale,
			fix: 'The activity was sent more than 5 minutes ago: a replay',
		});
	const read = readActivity(activity, {
		tenantId: credential.tenantId,
		boundRecipient: (value) => boundRecipient(credential.clientSecret, value),
	});
	if (read.kind === 'ignore') return respond(200, { ignored: read.reason });
	if (read.kind === 'invalid')
		return respond(400, { error: 'invalid_request', message: read.message });
	const { question } = read;
	if (!request.seen.claim(`${request.scope}:bot:${question.channelId}:${read.activityId}`))
		return respond(200, { ignored: 'replay' });
	const replyTargetSignature = signReplyTarget(credential.clientSecret, {
		serviceUrl: auth.serviceUrl,
		conversationId: question.channelId,
		replyToId: question.replyToId,
		askerId: question.askerId,
		cardActivityId: question.cardActivityId,
	});
	return {
		action: 'start',
		question: { ...question, serviceUrl: auth.serviceUrl, replyTargetSignature },
	};
}

const respond = (status: number, body: Record<string, unknown>): BotOutcome => ({
	action: 'respond',
	status,
	body,
});

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Why the activity cannot be fresh, or undefined: a token lives an hour, so the body's time counts. */
function staleness(timestamp: unknown, nowSeconds?: number): string | undefined {
	if (typeof timestamp !== 'string' || !ISO_8601.test(timestamp)) return 'missing_or_malformed';
	const now = nowSeconds ?? Date.now() / 1000;
	return Math.abs(Date.parse(timestamp) / 1000 - now) > FRESH_SECONDS ? 'stale' : undefined;
}

/** The `for` of a "Show my balance" button sent to this recipient with this credential. */
export const showBalanceFor = (credential: BotCredential, recipientId: string) =>
	bindRecipient(credential.clientSecret, recipientId);
