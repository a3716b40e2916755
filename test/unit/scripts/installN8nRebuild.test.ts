/**
 * scripts/e2e/install-n8n.sh's `npm rebuild`, started the way `npm start` starts it: npm hands its
 * children the repo's .npmrc (ignore-scripts=true) as npm_config_* variables, and a nested rebuild
 * that inherits it prints success and builds nothing (n8n's sqlite3 and isolated-vm stayed
 * unbuilt). A tiny local package whose install script writes a file stands in for them: no network.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../../../harness/packageRoot';

const run = promisify(execFile);
const INSTALL_N8N = path.join(PACKAGE_ROOT, 'scripts', 'e2e', 'install-n8n.sh');
const PACKAGE = 'native-stand-in';

let root: string;
let project: string;
const builtMarker = () => path.join(project, 'node_modules', PACKAGE, 'built.txt');

/** The environment without the npm_config_* of whatever started jest, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const clean = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
	);
	const PATH = [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter);
	return { ...clean, PATH, ...extra };
}

/** install-n8n.sh's own rebuild function, in `project`. */
async function rebuildWithScript(extraEnv: Record<string, string> = {}): Promise<void> {
	await run(
		'bash',
		[
			'-c',
			'source "$1" && rebuild_native_modules "$2" "$3"',
			'rebuild',
			INSTALL_N8N,
			project,
			PACKAGE,
		],
		{ env: env(extraEnv) },
	);
}

beforeEach(async () => {
	root = await mkdtemp(path.join(tmpdir(), 'perks-rebuild-'));
	project = path.join(root, 'runtime');
	const pkg = path.join(project, 'node_modules', PACKAGE);
	await mkdir(pkg, { recursive: true });
	await writeFile(
		path.join(project, 'package.json'),
		JSON.stringify({ name: 'runtime', private: true, dependencies: { [PACKAGE]: '1.0.0' } }),
	);
	await writeFile(
		path.join(pkg, 'package.json'),
		JSON.stringify({
			name: PACKAGE,
			version: '1.0.0',
			scripts: { install: `node -e "require('fs').writeFileSync('built.txt', 'built')"` },
		}),
	);
});

afterEach(async () => {
	await rm(root, { recursive: true, force: true });
});

describe('install-n8n.sh rebuilds native modules whatever npm settings it inherits', () => {
	it('a plain nested `npm rebuild` under npm_config_ignore_scripts=true builds nothing (the hazard)', async () => {
		const { stdout } = await run('npm', ['rebuild', PACKAGE], {
			cwd: project,
			env: env({ npm_config_ignore_scripts: 'true' }),
		});
		expect(stdout).toContain('rebuilt dependencies successfully');
		expect(existsSync(builtMarker())).toBe(false);
	});

	it('runs the install scripts with npm_config_ignore_scripts=true in its environment', async () => {
		await rebuildWithScript({ npm_config_ignore_scripts: 'true' });
		expect(existsSync(builtMarker())).toBe(true);
	});

	it('runs them when started from `npm run` in a project whose .npmrc says ignore-scripts=true', async () => {
		const caller = path.join(root, 'caller');
		await mkdir(caller);
		await writeFile(path.join(caller, '.npmrc'), 'ignore-scripts=true\n');
		await writeFile(
			path.join(caller, 'package.json'),
			JSON.stringify({
				name: 'caller',
				private: true,
				scripts: { start: 'bash -c \'source "$0" && rebuild_native_modules "$1" "$2"\'' },
			}),
		);
		await run('npm', ['start', '--', INSTALL_N8N, project, PACKAGE], { cwd: caller, env: env() });
		expect(existsSync(builtMarker())).toBe(true);
	});

	it('rebuilds in its folder, not globally, when npm_config_global=true is inherited', async () => {
		await rebuildWithScript({ npm_config_global: 'true' });
		expect(existsSync(builtMarker())).toBe(true);
	});
});
