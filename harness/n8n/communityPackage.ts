/**
 * Our package, installed the way n8n 2.41 installs a community package
 * (`CommunityPackagesService.downloadPackage`): `npm pack`, unpack into
 * `<N8N_USER_FOLDER>/.n8n/nodes/node_modules/<name>`, drop `devDependencies`,
 * `peerDependencies` and `optionalDependencies` from that copy's package.json, `npm install`
 * inside it without install scripts, and list it in `<N8N_USER_FOLDER>/.n8n/nodes/package.json`.
 *
 * Packing and installing (npm, network) happen once per test run, in jest's globalSetup; every
 * n8n instance then gets a copy of that installed folder.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../packageRoot';

const run = promisify(execFile);

export const REPO_ROOT = PACKAGE_ROOT;

/**
 * The installed package folder every instance copies: set by globalSetup, or beforehand to test
 * a folder prepared elsewhere (`<dir>` must be an installed package, as `packAndInstall` makes).
 */
export const PACKAGE_DIR_ENV = 'N8N_E2E_PACKAGE_DIR';
/** Set by globalSetup when PACKAGE_DIR_ENV came from outside, so teardown leaves it alone. */
export const EXTERNAL_PACKAGE_ENV = 'N8N_E2E_PACKAGE_DIR_EXTERNAL';

export interface PreparedPackage {
	name: string;
	version: string;
	/** `<root>/node_modules/<name>`: the unpacked, installed package. */
	dir: string;
	/** Temporary folder holding everything; removed by `disposePackage`. */
	root: string;
}

interface PackageJson {
	name: string;
	version: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
	[key: string]: unknown;
}

/** PATH with this process's node first, so `npm` (a `#!/usr/bin/env node` script) uses it too. */
export function childPath(): string {
	return [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter);
}

async function npm(args: string[], cwd: string): Promise<string> {
	try {
		const { stdout } = await run('npm', args, {
			cwd,
			env: { ...process.env, PATH: childPath(), NODE_ENV: 'production' },
			maxBuffer: 64 * 1024 * 1024,
		});
		return stdout;
	} catch (error) {
		const { stdout, stderr } = error as { stdout?: string; stderr?: string };
		throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stderr ?? ''}\n${stdout ?? ''}`);
	}
}

async function readPackageJson(dir: string): Promise<PackageJson> {
	return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Packs the built repo and installs the tarball like n8n does, into a new temporary folder. */
export async function packAndInstall(repoRoot = REPO_ROOT): Promise<PreparedPackage> {
	const manifest = await readPackageJson(repoRoot);
	const missing = [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])].filter(
		(file) => !existsSync(path.join(repoRoot, file)),
	);
	if (missing.length > 0) {
		throw new Error(
			`The package is not built (missing ${missing.join(', ')}). Run "npm run build" first ` +
				'("npm run test:e2e" does).',
		);
	}

	const root = await mkdtemp(path.join(tmpdir(), 'n8n-perks-e2e-pkg-'));
	try {
		// --ignore-scripts: a prepack/prepare script must not rebuild behind the test's back.
		const packed = JSON.parse(
			await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', root], repoRoot),
		) as Array<{ filename: string }>;
		const tarball = path.join(root, path.basename(packed[0].filename));

		const dir = path.join(root, 'node_modules', manifest.name);
		await mkdir(dir, { recursive: true });
		await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
		await rm(tarball);

		const unpacked = await readPackageJson(dir);
		delete unpacked.devDependencies;
		delete unpacked.peerDependencies;
		delete unpacked.optionalDependencies;
		await writeFile(path.join(dir, 'package.json'), JSON.stringify(unpacked, null, 2), 'utf8');

		// n8n's own flags, plus --omit=dev and --global=false (`npm -g start` hands its children
		// npm_config_global=true).
		await npm(
			[
				'install',
				'--global=false',
				'--audit=false',
				'--fund=false',
				'--bin-links=false',
				'--install-strategy=shallow',
				'--ignore-scripts=true',
				'--package-lock=false',
				'--omit=dev',
				'--loglevel=error',
			],
			dir,
		);
		return { name: manifest.name, version: manifest.version, dir, root };
	} catch (error) {
		await rm(root, { recursive: true, force: true });
		throw error;
	}
}

let prepared: Promise<PreparedPackage> | undefined;

/** The installed package of this test run: globalSetup's, or packed now (once per process). */
export function preparedPackage(): Promise<PreparedPackage> {
	prepared ??= (async () => {
		const fromSetup = process.env[PACKAGE_DIR_ENV];
		if (fromSetup && existsSync(path.join(fromSetup, 'package.json'))) {
			const { name, version } = await readPackageJson(fromSetup);
			return { name, version, dir: fromSetup, root: path.dirname(path.dirname(fromSetup)) };
		}
		const made = await packAndInstall();
		// Made outside globalSetup: nobody else will remove it.
		process.once('exit', () => void rm(made.root, { recursive: true, force: true }));
		return made;
	})();
	return prepared;
}

/** Puts the package into `<userFolder>/.n8n/nodes` as n8n's community-package installer would. */
export async function installInto(userFolder: string, pkg: PreparedPackage): Promise<void> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	await cp(pkg.dir, path.join(nodesDir, 'node_modules', pkg.name), { recursive: true });
	const listing = {
		name: 'installed-nodes',
		private: true,
		dependencies: { [pkg.name]: pkg.version },
	};
	await writeFile(path.join(nodesDir, 'package.json'), JSON.stringify(listing, null, 2), 'utf8');
}

export async function disposePackage(pkg: PreparedPackage): Promise<void> {
	await rm(pkg.root, { recursive: true, force: true });
}
