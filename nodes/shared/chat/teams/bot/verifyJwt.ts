/**
 * A request to the bot's messaging endpoint is from the Bot Connector only if its bearer JWT
 * passes every check the Bot Framework names: a signature by a published key (one endorsed for
 * the activity's channel when the key lists endorsements), issuer https://api.botframework.com,
 * audience the bot's app id, expiry and not-before with 5 minutes of clock skew, and a
 * `serviceurl` claim equal to the activity's serviceUrl (the only address replies may go to).
 * jose does the cryptography.
 */
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWTPayload } from 'jose';

import type { BotSigningKeys, FetchJson } from './signingKeys';

export const BOT_ISSUER = 'https://api.botframework.com';
export const CLOCK_SKEW_SECONDS = 300;
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

export type BotAuthFailureCode =
	| 'missing_token'
	| 'malformed_token'
	| 'unknown_signing_key'
	| 'invalid_signature'
	| 'token_expired'
	| 'token_not_yet_valid'
	| 'wrong_issuer'
	| 'wrong_audience'
	| 'service_url_mismatch'
	| 'channel_not_endorsed'
	| 'signing_keys_unavailable';

export type BotAuthResult =
	| { valid: true; claims: JWTPayload; serviceUrl: string }
	| { valid: false; status: 401 | 403 | 503; code: BotAuthFailureCode };

export interface BotAuthRequest {
	authorization: string | undefined;
	/** The bot's Microsoft App ID: the only audience accepted. */
	appId: string;
	/** The activity's own serviceUrl and channelId, from the request body. */
	serviceUrl: unknown;
	channelId: unknown;
	keys: BotSigningKeys;
	fetchJson: FetchJson;
	nowSeconds?: number;
}

const refuse = (code: BotAuthFailureCode, status: 401 | 403 | 503 = 401): BotAuthResult => ({
	valid: false,
	status,
	code,
});

export async function verifyBotRequest(request: BotAuthRequest): Promise<BotAuthResult> {
	const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(
		request.authorization?.trim() ?? '',
	);
	if (!match) return refuse('missing_token');
	const token = match[1];
	let header: ReturnType<typeof decodeProtectedHeader>;
	try {
		header = decodeProtectedHeader(token);
	} catch {
		return refuse('malformed_token');
	}
	if (typeof header.kid !== 'string' || !ALGORITHMS.includes(header.alg ?? ''))
		return refuse('malformed_token');
	let jwk: Awaited<ReturnType<BotSigningKeys['key']>>;
	try {
		jwk = await request.keys.key(header.kid, request.fetchJson);
	} catch {
		return refuse('signing_keys_unavailable', 503);
	}
	if (!jwk) return refuse('unknown_signing_key');
	// The spec's rule: a key that names channels may sign only for those.
	if (jwk.endorsements && !jwk.endorsements.includes(String(request.channelId)))
		return refuse('channel_not_endorsed', 403);

	let claims: JWTPayload;
	try {
		const key = await importJWK({ ...jwk, alg: header.alg }, header.alg);
		({ payload: claims } = await jwtVerify(token, key, {
			issuer: BOT_ISSUER,
			audience: request.appId,
			algorithms: ALGORITHMS,
			clockTolerance: CLOCK_SKEW_SECONDS,
			requiredClaims: ['exp'],
			currentDate:
				request.nowSeconds === undefined ? undefined : new Date(request.nowSeconds * 1000),
		}));
	} catch (error) {
		return refuse(failureCode(error));
	}
	const claimed = claims.serviceurl ?? claims.serviceUrl;
	if (
		typeof claimed !== 'string' ||
		typeof request.serviceUrl !== 'string' ||
		!sameServiceUrl(claimed, request.serviceUrl)
	)
		return refuse('service_url_mismatch');
	return { valid: true, claims, serviceUrl: claimed };
}

/** A trailing slash is the only difference tolerated: the claim names the host replies go to. */
function sameServiceUrl(claimed: string, activity: string): boolean {
	const trim = (url: string) => url.replace(/\/+$/, '');
	return trim(claimed) === trim(activity);
}

function failureCode(error: unknown): BotAuthFailureCode {
	if (error instanceof errors.JWTExpired) return 'token_expired';
	if (error instanceof errors.JWTClaimValidationFailed) {
		if (error.claim === 'iss') return 'wrong_issuer';
		if (error.claim === 'aud') return 'wrong_audience';
		if (error.claim === 'nbf') return 'token_not_yet_valid';
		if (error.claim === 'exp') return 'token_expired';
		return 'malformed_token';
	}
	if (error instanceof errors.JWSSignatureVerificationFailed) return 'invalid_signature';
	return 'malformed_token';
}
