/**
 * The signing secret of each registered webhook, kept out of static data in plain text.
 * The platform chooses it, so it cannot be derived like Teams' clientState: it is sealed
 * (AES-256-GCM) with a key derived from the credential's API key and the webhook id, so only
 * n8n with the decrypted credential opens it, and a ciphertext cannot be moved to another webhook.
 */
import type { IDataObject } from 'n8n-workflow';

import { deriveKey, open, seal, secretCache } from '../shared/node/secrets';

export interface Registration extends IDataObject {
	webhookId: string;
	webhookEvents: string[];
	/** The platform's signing secret, sealed. */
	sealedSecret?: string;
	/** Older versions kept the secret here in plain text: sealed and dropped on first use. */
	webhookSecret?: string;
}

const PURPOSE = 'perks-webhook-secret';

export const SECRET_UNREADABLE = {
	code: 'webhook_secret_unreadable',
	message:
		"Perks Trigger cannot decrypt its webhook's signing secret: the Perks API credential's API Key changed since the webhook was registered, so deliveries are refused (401)",
	fix: "Unpublish and publish the workflow again (for the editor's test URL: listen for a test event again): n8n then registers the webhook anew with the current API Key.",
};

/** sealed value → secret; null when the API key at hand could not open it. */
const opened = secretCache<string | null>();
/** webhook id → the key last derived for it, so plain text left by older versions is sealed without a credential read. */
const keys = secretCache<Buffer>();

export function sealSecret(apiKey: string, webhookId: string, secret: string): string {
	const key = deriveKey(apiKey, PURPOSE, webhookId);
	keys.set(webhookId, key);
	return sealWith(key, secret);
}

function sealWith(key: Buffer, secret: string): string {
	const sealed = seal(key, secret);
	opened.set(sealed, secret);
	return sealed;
}

const legacySecret = (r: Registration) =>
	typeof r.webhookSecret === 'string' && r.webhookSecret.length > 0 ? r.webhookSecret : undefined;

/**
 * Secrets known without reading the credential; `complete` is false when it must be read.
 * Plain text of older versions is sealed in place when this process holds the key. (n8n 2.41
 * saves static data changed in webhook() only when the request starts no run, so a workflow's
 * plain text may come back from the database several times before it is gone.)
 */
export function cachedSecrets(registrations: Registration[]): {
	secrets: string[];
	complete: boolean;
} {
	const secrets: string[] = [];
	let complete = true;
	for (const registration of registrations) {
		const legacy = legacySecret(registration);
		if (legacy) {
			secrets.push(legacy);
			const key = keys.get(registration.webhookId);
			if (key) {
				registration.sealedSecret = sealWith(key, legacy);
				delete registration.webhookSecret;
			} else complete = false;
		} else if (typeof registration.sealedSecret === 'string') {
			const secret = opened.get(registration.sealedSecret);
			if (secret === undefined) complete = false;
			else if (secret !== null) secrets.push(secret);
		}
	}
	return { secrets, complete };
}

/**
 * With the credential's API key: every registration's secret, plain-text ones of older versions
 * sealed in place (the plain text dropped), and the URLs whose secret this key cannot open.
 */
export function unlockSecrets(
	table: Record<string, Registration>,
	apiKey: string,
): { secrets: string[]; unreadable: string[]; resealed: boolean } {
	const secrets: string[] = [];
	const unreadable: string[] = [];
	let resealed = false;
	for (const [url, registration] of Object.entries(table)) {
		const legacy = legacySecret(registration);
		const sealed = registration.sealedSecret;
		let secret = legacy;
		let sealedWithThisKey = false;
		if (!secret && typeof sealed === 'string') {
			const key = deriveKey(apiKey, PURPOSE, registration.webhookId);
			secret = open(key, sealed);
			sealedWithThisKey = secret !== undefined;
			if (sealedWithThisKey) keys.set(registration.webhookId, key);
			// After an API key change this process may still know it: then it is sealed anew below.
			secret ??= opened.get(sealed) ?? undefined;
			opened.set(sealed, secret ?? null);
		}
		if (!secret) {
			unreadable.push(url);
			continue;
		}
		secrets.push(secret);
		if (!sealedWithThisKey) {
			registration.sealedSecret = sealSecret(apiKey, registration.webhookId, secret);
			delete registration.webhookSecret;
			resealed = true;
		}
	}
	return { secrets, unreadable, resealed };
}

/** True the first time this process sees `key`: an unreadable secret is logged once, not per request. */
const reported = secretCache<true>();
export function firstReport(key: string): boolean {
	if (reported.has(key)) return false;
	reported.set(key, true);
	return true;
}
