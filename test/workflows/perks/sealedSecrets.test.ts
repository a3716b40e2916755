import { deriveKey, open, seal } from '../../../nodes/shared/node/secrets';
import { leakedForms } from '../../../harness/inProcess/secretsAtRest';

const SECRET = 'whsec_2b7e151628aed2a6abf7158809cf4f3c';

describe('sealed secrets (AES-256-GCM, key derived per registration)', () => {
	const key = deriveKey('perks_api_key', 'perks-webhook-secret', 'wh_1');

	it('opens what it sealed; the ciphertext shows no form of the secret and differs each time', () => {
		const a = seal(key, SECRET);
		const b = seal(key, SECRET);
		expect(open(key, a)).toBe(SECRET);
		expect(a).not.toBe(b);
		expect(leakedForms([a, b], [SECRET])).toEqual([]);
	});

	it('another API key, another webhook id or another purpose cannot open it', () => {
		const sealed = seal(key, SECRET);
		expect(
			open(deriveKey('perks_api_key_2', 'perks-webhook-secret', 'wh_1'), sealed),
		).toBeUndefined();
		expect(
			open(deriveKey('perks_api_key', 'perks-webhook-secret', 'wh_2'), sealed),
		).toBeUndefined();
		expect(open(deriveKey('perks_api_key', 'teams-client-state', 'wh_1'), sealed)).toBeUndefined();
	});

	it('refuses tampered, truncated and malformed values instead of throwing', () => {
		const sealed = seal(key, SECRET);
		const body = sealed.split('.')[2];
		const flipped = `${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
		for (const bad of [
			sealed.replace(body, flipped),
			sealed.slice(0, -4),
			'v1.',
			'v1.x.y',
			'v2' + sealed.slice(2),
			SECRET,
			'',
		]) {
			expect(open(key, bad)).toBeUndefined();
		}
	});
});
