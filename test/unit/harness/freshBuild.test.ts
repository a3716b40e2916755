import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { staleBuildReason } from '../../../harness/freshBuild';

describe('staleBuildReason: when the tiers that load dist/ build first', () => {
	let root: string;
	const file = (relative: string, secondsAgo: number) => {
		const full = path.join(root, relative);
		mkdirSync(path.dirname(full), { recursive: true });
		writeFileSync(full, '');
		const at = Date.now() / 1000 - secondsAgo;
		utimesSync(full, at, at);
	};

	beforeEach(() => {
		root = mkdtempSync(path.join(tmpdir(), 'fresh-build-'));
		file('package.json', 3600);
		file('nodes/A/A.node.ts', 600);
		file('credentials/A.credentials.ts', 600);
	});
	afterEach(() => rmSync(root, { recursive: true, force: true }));

	it('builds when dist/ is missing or holds nothing compiled', () => {
		expect(staleBuildReason(root)).toBe('dist/ is missing');
		file('dist/nodes/A/a.svg', 10);
		expect(staleBuildReason(root)).toBe('dist/ holds no compiled files');
	});

	it('does not build when every source is older than the compiled files', () => {
		file('dist/nodes/A/A.node.js', 60);
		file('dist/credentials/A.credentials.js', 50);
		// gulp keeps a copied icon's source time: older than the sources, yet no reason to build.
		file('nodes/A/a.svg', 7200);
		file('dist/nodes/A/a.svg', 7200);
		expect(staleBuildReason(root)).toBeUndefined();
	});

	it('builds when a node, a credential or the build config changed after the compile', () => {
		file('dist/nodes/A/A.node.js', 60);
		file('nodes/shared/new.ts', 5);
		expect(staleBuildReason(root)).toBe('sources changed since the last build');
		file('nodes/shared/new.ts', 600);
		file('credentials/A.credentials.ts', 5);
		expect(staleBuildReason(root)).toBe('sources changed since the last build');
		file('credentials/A.credentials.ts', 600);
		file('tsconfig.build.json', 5);
		expect(staleBuildReason(root)).toBe('sources changed since the last build');
	});

	it('compares with the oldest compiled file, so a half-finished build counts as stale', () => {
		file('dist/nodes/A/A.node.js', 5);
		file('dist/credentials/A.credentials.js', 900);
		expect(staleBuildReason(root)).toBe('sources changed since the last build');
	});
});
