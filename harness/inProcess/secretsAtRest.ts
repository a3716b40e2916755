/** Helpers for "no secret at rest" tests: a process restart for the nodes' caches, and a secret's encodings. */
import path from 'node:path';

import { PACKAGE_ROOT } from '../packageRoot';

type SecretsModule = typeof import('../../nodes/shared/node/secrets');

/** What an n8n restart does to the nodes' in-memory secrets, in the module instance n8n loaded (dist). */
export function forgetCachedSecrets(): void {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const secrets = require(
		path.join(PACKAGE_ROOT, 'dist/nodes/shared/node/secrets.js'),
	) as SecretsModule;
	secrets.forgetSecrets();
}

/** A secret as text, without its prefix, and as hex or base64 of either. */
export function secretForms(secret: string): string[] {
	const parts = [secret, secret.replace(/^whsec_/, '')];
	return parts.flatMap((part) => {
		const bytes = Buffer.from(part, 'utf8');
		return [part, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')];
	});
}

/** Every form of every secret that occurs in `data` serialized (none, when all is well). */
export function leakedForms(data: unknown, secrets: string[]): string[] {
	const text = JSON.stringify(data);
	return secrets.flatMap(secretForms).filter((form) => form.length >= 8 && text.includes(form));
}

/** The Logger class n8n-core gives nodes as `this.logger` (its own copy of @n8n/backend-common). */
export function nodeLoggerClass(): {
	prototype: Record<'error' | 'warn', (...args: unknown[]) => void>;
} {
	const resolved = require.resolve('@n8n/backend-common', { paths: [require.resolve('n8n-core')] });
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return (require(resolved) as { Logger: ReturnType<typeof nodeLoggerClass> }).Logger;
}
