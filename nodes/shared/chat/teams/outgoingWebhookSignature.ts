/**
 * Teams outgoing webhooks: `Authorization: HMAC <base64>` is the base64 HMAC-SHA256 of the raw
 * UTF-8 body keyed with the base64-DECODED security token Teams showed when the webhook was made.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function teamsOutgoingSignature(securityToken: string, rawBody: Buffer | string): string {
	return `HMAC ${createHmac('sha256', Buffer.from(securityToken, 'base64')).update(rawBody).digest('base64')}`;
}

export function verifyTeamsOutgoingRequest(options: {
	securityToken: string;
	authorization: string | undefined;
	rawBody: Buffer;
}): boolean {
	const { authorization, securityToken } = options;
	if (!authorization || !securityToken || !/^HMAC [A-Za-z0-9+/]+=*$/.test(authorization.trim()))
		return false;
	const expected = Buffer.from(teamsOutgoingSignature(securityToken, options.rawBody));
	const given = Buffer.from(authorization.trim());
	return expected.length === given.length && timingSafeEqual(expected, given);
}
