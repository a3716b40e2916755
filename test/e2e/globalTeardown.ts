import path from 'node:path';

import {
	disposePackage,
	EXTERNAL_PACKAGE_ENV,
	PACKAGE_DIR_ENV,
} from '../../harness/n8n/communityPackage';

export default async function globalTeardown(): Promise<void> {
	const dir = process.env[PACKAGE_DIR_ENV];
	if (!dir || process.env[EXTERNAL_PACKAGE_ENV] === '1' || process.env.N8N_E2E_KEEP === '1') return;
	// dir is <root>/node_modules/<name>
	await disposePackage({ name: '', version: '', dir, root: path.dirname(path.dirname(dir)) });
}
