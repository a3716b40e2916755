/**
 * Builds dist/ when it is missing or older than its sources, so tiers that load the built package
 * (in-process n8n, a packed community package) never test yesterday's code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_ROOT } from './packageRoot';

const SOURCE_DIRS = ['nodes', 'credentials'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js'];

function* filesUnder(dir: string): Generator<string> {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) yield* filesUnder(full);
		else yield full;
	}
}

/** The newest source change. */
function newestSourceMs(root: string): number {
	let newest = 0;
	const files = [
		...SOURCE_FILES.map((f) => path.join(root, f)).filter((f) => existsSync(f)),
		...SOURCE_DIRS.map((d) => path.join(root, d))
			.filter((d) => existsSync(d))
			.flatMap((d) => [...filesUnder(d)]),
	];
	for (const file of files) newest = Math.max(newest, statSync(file).mtimeMs);
	return newest;
}

/**
 * When the last build compiled: its oldest compiled file. Copied icons keep their sources'
 * times (gulp), so only tsc's output counts.
 */
function builtMs(dist: string): number | undefined {
	let oldest: number | undefined;
	for (const file of filesUnder(dist)) {
		if (!file.endsWith('.js')) continue;
		const ms = statSync(file).mtimeMs;
		oldest = oldest === undefined ? ms : Math.min(oldest, ms);
	}
	return oldest;
}

/** Why dist/ needs a build, or undefined when it is current. */
export function staleBuildReason(root = PACKAGE_ROOT): string | undefined {
	const dist = path.join(root, 'dist');
	if (!existsSync(dist)) return 'dist/ is missing';
	const built = builtMs(dist);
	if (built === undefined) return 'dist/ holds no compiled files';
	if (newestSourceMs(root) > built) return 'sources changed since the last build';
	return undefined;
}

export function ensureFreshBuild(): void {
	const reason = staleBuildReason();
	if (!reason) return;
	process.stderr.write(`\n[build] ${reason}: npm run build\n`);
	// stdout to stderr: jest --json may own stdout.
	execFileSync('npm', ['run', 'build'], {
		cwd: PACKAGE_ROOT,
		stdio: ['ignore', 2, 2],
		env: {
			...process.env,
			PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
		},
	});
}
