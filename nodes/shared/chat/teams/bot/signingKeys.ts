/**
 * The Bot Connector's signing keys, as its OpenID metadata publishes them (metadata → jwks_uri →
 * JWK set with an `endorsements` list per key). One cache per metadata URL in the process: keys
 * are refetched when they are a day old, and at once for a key id we do not know (a rotation),
 * but at most once a minute, so tokens with made-up key ids cannot make us fetch in a loop.
 */
import type { JWK } from 'jose';

export const BOT_OPENID_METADATA_URL =
	'https://login.botframework.com/v1/.well-known/openidconfiguration';

export type FetchJson = (url: string) => Promise<unknown>;

export interface BotSigningKey extends JWK {
	kid: string;
	/** Channels this key may sign for (e.g. "msteams"); absent when the key names none. */
	endorsements?: string[];
}

const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const REFRESH_COOLDOWN_MS = 60 * 1000;

export class BotSigningKeys {
	private keys = new Map<string, BotSigningKey>();
	private fetchedAt = -Infinity;
	private pending: Promise<void> | undefined;

	constructor(
		private readonly metadataUrl: string,
		private readonly now: () => number = Date.now,
	) {}

	/** The key with this id, fetching the set again when it is old or does not have it. */
	async key(kid: string, fetchJson: FetchJson): Promise<BotSigningKey | undefined> {
		// A fetch under way may bring this key: wait for it rather than refuse.
		if (this.pending) await this.pending.catch(() => undefined);
		const age = this.now() - this.fetchedAt;
		if (age > MAX_AGE_MS || (!this.keys.has(kid) && age > REFRESH_COOLDOWN_MS)) {
			await this.refresh(fetchJson);
		}
		return this.keys.get(kid);
	}

	private async refresh(fetchJson: FetchJson): Promise<void> {
		// Concurrent requests share one fetch.
		this.pending ??= this.load(fetchJson).finally(() => (this.pending = undefined));
		await this.pending;
	}

	private async load(fetchJson: FetchJson): Promise<void> {
		// A failed fetch still starts the cooldown: an unreachable endpoint is not asked on every request.
		this.fetchedAt = this.now();
		const metadata = (await fetchJson(this.metadataUrl)) as { jwks_uri?: unknown } | null;
		const jwksUri = metadata?.jwks_uri;
		if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri))
			throw new Error('The Bot Framework OpenID metadata has no jwks_uri');
		const set = (await fetchJson(jwksUri)) as { keys?: unknown } | null;
		const keys = Array.isArray(set?.keys) ? (set.keys as unknown[]) : [];
		const usable = keys.filter(isSigningKey);
		if (usable.length === 0) throw new Error('The Bot Framework key set has no RSA signing keys');
		this.keys = new Map(usable.map((key) => [key.kid, key]));
	}
}

function isSigningKey(key: unknown): key is BotSigningKey {
	if (!key || typeof key !== 'object') return false;
	const jwk = key as BotSigningKey;
	return (
		typeof jwk.kid === 'string' &&
		jwk.kty === 'RSA' &&
		(jwk.use === undefined || jwk.use === 'sig') &&
		(jwk.endorsements === undefined || Array.isArray(jwk.endorsements))
	);
}

const caches = new Map<string, BotSigningKeys>();

/** The process-wide cache for a metadata URL (one per Bot Framework cloud; tests use their own). */
export function signingKeysFor(metadataUrl: string): BotSigningKeys {
	let cache = caches.get(metadataUrl);
	if (!cache) {
		cache = new BotSigningKeys(metadataUrl);
		caches.set(metadataUrl, cache);
	}
	return cache;
}
