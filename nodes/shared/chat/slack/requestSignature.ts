/**
 * Slack's request signing (slash commands, Events API): `X-Slack-Signature: v0=<hex>` is
 * HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` keyed with the app's signing secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
const TOLERANCE_SECONDS = 300;

export type SlackSignatureCheck =
	| { valid: true }
	| { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function slackSignature(
	signingSecret: string,
	timestamp: number | string,
	rawBody: Buffer | string,
): string {
	return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function verifySlackRequest(options: {
	signingSecret: string;
	signature: string | undefined;
	timestamp: string | undefined;
	rawBody: Buffer;
	nowSeconds?: number;
}): SlackSignatureCheck {
	const { signature, timestamp } = options;
	if (!signature || !timestamp || !options.signingSecret)
		return { valid: false, reason: 'missing' };
	if (!/^\d+$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature))
		return { valid: false, reason: 'malformed' };
	const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
	if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS)
		return { valid: false, reason: 'stale' };
	const expected = Buffer.from(slackSignature(options.signingSecret, timestamp, options.rawBody));
	return timingSafeEqual(expected, Buffer.from(signature))
		? { valid: true }
		: { valid: false, reason: 'mismatch' };
}
