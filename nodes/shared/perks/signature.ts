/**
 * Webhook signatures: `Perks-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256
 * over `<t>.<raw body>` keyed with the whole `whsec_…` secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'perks-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function computeSignature(
	secret: string,
	timestamp: number,
	rawBody: Buffer | string,
): string {
	return createHmac('sha256', Buffer.from(secret, 'utf8'))
		.update(`${timestamp}.`)
		.update(rawBody)
		.digest('hex');
}

/** Builds a header value; several secrets give several `v1=` entries (secret rotation). */
export function signatureHeader(
	secrets: string | string[],
	rawBody: Buffer | string,
	timestamp = Math.floor(Date.now() / 1000),
): string {
	const list = Array.isArray(secrets) ? secrets : [secrets];
	return [
		`t=${timestamp}`,
		...list.map((s) => `v1=${computeSignature(s, timestamp, rawBody)}`),
	].join(',');
}

export type SignatureCheck =
	| { valid: true; timestamp: number }
	| { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function verifySignature(options: {
	header: string | string[] | undefined;
	rawBody: Buffer;
	secrets: string[];
	nowSeconds?: number;
	toleranceSeconds?: number;
}): SignatureCheck {
	const header = Array.isArray(options.header) ? options.header.join(',') : options.header;
	if (!header) return { valid: false, reason: 'missing' };

	let timestamp: number | undefined;
	const candidates: Buffer[] = [];
	for (const part of header.split(',')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const key = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
		if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
	}
	if (timestamp === undefined || candidates.length === 0)
		return { valid: false, reason: 'malformed' };

	const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
	const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
	if (Math.abs(now - timestamp) > tolerance) return { valid: false, reason: 'stale' };

	for (const secret of options.secrets) {
		if (!secret) continue;
		const expected = Buffer.from(computeSignature(secret, timestamp, options.rawBody), 'hex');
		// Compare every candidate, not just until the first match, so timing says nothing.
		let matched = false;
		for (const candidate of candidates) {
			if (timingSafeEqual(expected, candidate)) matched = true;
		}
		if (matched) return { valid: true, timestamp };
	}
	return { valid: false, reason: 'mismatch' };
}
