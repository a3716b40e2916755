/**
 * Once per e2e run: checks the runtime (Node.js 24, n8n installed), builds dist/ when its sources
 * are newer, and packs + installs our package like n8n installs a community package; every n8n
 * instance copies that folder.
 */
import { ensureFreshBuild } from '../../harness/freshBuild';
import { assertRuntime } from '../../harness/n8n';
import {
	EXTERNAL_PACKAGE_ENV,
	packAndInstall,
	PACKAGE_DIR_ENV,
} from '../../harness/n8n/communityPackage';

export default async function globalSetup(): Promise<void> {
	assertRuntime();
	const given = process.env[PACKAGE_DIR_ENV];
	if (given) {
		// An installed package folder prepared elsewhere (e.g. a patched copy): use it as is.
		process.env[EXTERNAL_PACKAGE_ENV] = '1';
		process.stdout.write(`\n[e2e] using the installed package in ${given}\n`);
		return;
	}
	const began = Date.now();
	ensureFreshBuild();
	const pkg = await packAndInstall();
	// Workers are started after globalSetup and inherit this.
	process.env[PACKAGE_DIR_ENV] = pkg.dir;
	process.stdout.write(
		`\n[e2e] packed and installed ${pkg.name}@${pkg.version} like n8n does, in ${Date.now() - began} ms (${pkg.dir})\n`,
	);
}
