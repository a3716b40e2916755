/**
 * Teams outgoing webhooks: `Authorization: HMAC <base64>` is the base64 HMAC-SHA256 of the raw
 * UTF-8 body keyed with the base64-DECODED security token Teams showed when the webhook was made.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Teams' security tokens are 32 random bytes (44 base64 characters). */
export const MIN_SECURITY_TOKEN_BYTES = 32;

export type SecurityTokenProblem = 'empty' | 'not_base64' | 'too_short';

export const SECURITY_TOKEN_FIX =
	'Paste the Security Token again, exactly as Teams showed it when the outgoing webhook was created (44 characters of base64, ending in "="), into the Perks Teams Outgoing Webhook credential; if it is lost, create the outgoing webhook again (Team → Manage team → Apps → Create an outgoing webhook).';

/**
 * Why a token cannot key the HMAC, or undefined when it can. Node decodes any text as base64,
 * skipping what is not, so "abc.def" or "" would be a short key anyone could sign with.
 */
export function securityTokenProblem(token: string): SecurityTokenProblem | undefined {
	if (!token) return 'empty';
	// Strict: canonical, padded, standard alphabet, nothing skipped.
	if (Buffer.from(token, 'base64').toString('base64') !== token) return 'not_base64';
	if (Buffer.from(token, 'base64').length < MIN_SECURITY_TOKEN_BYTES) return 'too_short';
	return undefined;
}

export function describeSecurityTokenProblem(problem: SecurityTokenProblem): string {
	const what = {
		empty: 'is empty',
		not_base64: 'is not base64 text',
		too_short: `decodes to fewer than ${MIN_SECURITY_TOKEN_BYTES} bytes`,
	}[problem];
	return `The Teams outgoing webhook's Security Token ${what}`;
}

export function teamsOutgoingSignature(securityToken: string, rawBody: Buffer | string): string {
	return `HMAC ${createHmac('sha256', Buffer.from(securityToken, 'base64')).update(rawBody).digest('base64')}`;
}

/** False for a token that is not a strict base64 key of 32 bytes or more, whatever was signed. */
export function verifyTeamsOutgoingRequest(options: {
	securityToken: string;
	authorization: string | undefined;
	rawBody: Buffer;
}): boolean {
	const { authorization, securityToken } = options;
	if (
		!authorization ||
		securityTokenProblem(securityToken) ||
		!/^HMAC [A-Za-z0-9+/]+=*$/.test(authorization.trim())
	)
		return false;
	const expected = Buffer.from(teamsOutgoingSignature(securityToken, options.rawBody));
	const given = Buffer.from(authorization.trim());
	return expected.length === given.length && timingSafeEqual(expected, given);
}
