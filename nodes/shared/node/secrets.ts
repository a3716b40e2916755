/**
 * Secrets that a workflow's static data must not hold in plain text (n8n's API and workflow
 * export return static data to anyone who can read the workflow). They are derived from, or
 * sealed with a key derived from, key material in the node's encrypted credential, per
 * registration id; only ids and ciphertext are stored.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const SEALED_PREFIX = 'v1.';

/** A 32-byte key for one purpose and one registration, from credential key material. */
export function deriveKey(keyMaterial: string, purpose: string, registrationId: string): Buffer {
	return createHmac('sha256', Buffer.from(keyMaterial, 'utf8'))
		.update(`n8n-nodes-perks/${purpose}/v1\0${registrationId}`)
		.digest();
}

/** AES-256-GCM: `v1.<iv>.<ciphertext and tag>`, base64url. */
export function seal(key: Buffer, plaintext: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key, iv);
	const body = Buffer.concat([
		cipher.update(plaintext, 'utf8'),
		cipher.final(),
		cipher.getAuthTag(),
	]);
	return `${SEALED_PREFIX}${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The plaintext, or undefined when this key did not seal it (the key material changed) or it is damaged. */
export function open(key: Buffer, sealed: string): string | undefined {
	if (!sealed.startsWith(SEALED_PREFIX)) return undefined;
	const [ivText, bodyText] = sealed.slice(SEALED_PREFIX.length).split('.');
	const iv = Buffer.from(ivText ?? '', 'base64url');
	const body = Buffer.from(bodyText ?? '', 'base64url');
	if (iv.length !== 12 || body.length < 16) return undefined;
	try {
		const decipher = createDecipheriv('aes-256-gcm', key, iv);
		decipher.setAuthTag(body.subarray(body.length - 16));
		return Buffer.concat([
			decipher.update(body.subarray(0, body.length - 16)),
			decipher.final(),
		]).toString('utf8');
	} catch {
		return undefined;
	}
}

/**
 * Opened or derived secrets, per process, so a request does not read the credential (n8n
 * decrypts it and starts an expression isolate per read). Bounded: cleared when full.
 */
export class SecretCache<V = string> {
	private readonly entries = new Map<string, V>();

	constructor(private readonly max = 10_000) {}

	get(key: string): V | undefined {
		return this.entries.get(key);
	}

	has(key: string): boolean {
		return this.entries.has(key);
	}

	set(key: string, value: V): void {
		if (this.entries.size >= this.max && !this.entries.has(key)) this.entries.clear();
		this.entries.set(key, value);
	}

	delete(key: string): void {
		this.entries.delete(key);
	}

	clear(): void {
		this.entries.clear();
	}
}

const caches: Array<SecretCache<unknown>> = [];

/** A cache that forgetSecrets() empties. */
export function secretCache<V = string>(): SecretCache<V> {
	const cache = new SecretCache<V>();
	caches.push(cache as SecretCache<unknown>);
	return cache;
}

/** What a process restart does to every cache (tests). */
export function forgetSecrets(): void {
	for (const cache of caches) cache.clear();
}
