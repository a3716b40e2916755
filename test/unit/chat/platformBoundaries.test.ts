/**
 * A platform is a folder: only nodes/shared/chat/<platform>/ names a platform in an import path
 * (the registry, chat/platforms.ts, aside), and messages/ (content, wording, fitting) imports
 * nothing from chat/, so the two never form a cycle; no module of nodes/ imports itself through
 * others. Read with TypeScript's own import scanner.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const NODES = join(ROOT, 'nodes');
const CHAT = join(NODES, 'shared/chat');
const PLATFORM_FOLDERS = readdirSync(CHAT, { withFileTypes: true })
	.filter((entry) => entry.isDirectory())
	.map((entry) => join(CHAT, entry.name) + sep);
const PLATFORM_NAME = new RegExp(
	PLATFORM_FOLDERS.map((folder) => folder.split(sep).at(-2)).join('|'),
	'i',
);

/** Files allowed to name a platform in an import: the registry. */
const ALLOWED = ['nodes/shared/chat/platforms.ts'];

function sourceFiles(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

/** Every module a file imports or re-exports, including `import type` and `require`. */
function importsOf(file: string): string[] {
	const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
	return importedFiles.map((imported) => imported.fileName);
}

/** The nodes/ file a relative import names (`./x` is `./x.ts` or `./x/index.ts`). */
function resolveImport(file: string, specifier: string): string | undefined {
	if (!specifier.startsWith('.')) return undefined;
	const base = resolve(dirname(file), specifier);
	return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

/** Every import cycle of `graph`, each as the path that closes it (depth-first, one per back edge). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
	const cycles: string[][] = [];
	const done = new Set<string>();
	const stack: string[] = [];
	const visit = (node: string) => {
		const at = stack.indexOf(node);
		if (at >= 0) return void cycles.push([...stack.slice(at), node]);
		if (done.has(node)) return;
		stack.push(node);
		for (const next of graph.get(node) ?? []) visit(next);
		stack.pop();
		done.add(node);
	};
	for (const node of graph.keys()) visit(node);
	return cycles;
}

const repoPath = (file: string) => relative(ROOT, file).split(sep).join('/');
const files = sourceFiles(NODES);

describe('platform boundaries in nodes/', () => {
	it('the scanner sees the registry import each platform folder', () => {
		const registry = importsOf(join(CHAT, 'platforms.ts'));
		expect(PLATFORM_FOLDERS.length).toBeGreaterThanOrEqual(2);
		for (const folder of PLATFORM_FOLDERS) {
			const name = folder.split(sep).at(-2)!;
			expect(registry.some((specifier) => specifier.startsWith(`./${name}/`))).toBe(true);
		}
		// Multi-line and type-only imports count too.
		expect(importsOf(join(NODES, 'shared/node/chatNode.ts'))).toEqual(
			expect.arrayContaining(['../chat/platformFor', '../chat/platforms']),
		);
	});

	it('messages/ imports nothing from chat/', () => {
		const messages = files.filter((file) => file.startsWith(join(NODES, 'shared/messages') + sep));
		expect(messages.length).toBeGreaterThan(5);
		const offending = messages.flatMap((file) =>
			importsOf(file)
				.filter((specifier) => specifier.startsWith('.'))
				.filter((specifier) => resolve(dirname(file), specifier).startsWith(CHAT))
				.map((specifier) => `${repoPath(file)} imports ${specifier}`),
		);
		expect(offending).toEqual([]);
	});

	it('outside the platform folders, no import path names a platform', () => {
		const offending = files
			.filter((file) => !PLATFORM_FOLDERS.some((folder) => file.startsWith(folder)))
			.filter((file) => !ALLOWED.includes(repoPath(file)))
			.flatMap((file) =>
				importsOf(file)
					.filter((specifier) => PLATFORM_NAME.test(specifier))
					.map((specifier) => `${repoPath(file)} imports ${specifier}`),
			);
		expect(offending).toEqual([]);
	});

	it('no import cycles (type-only imports count)', () => {
		// The detector finds a cycle when there is one.
		const looped = new Map([
			['a', ['b']],
			['b', ['c']],
			['c', ['a']],
		]);
		expect(cyclesOf(looped)).toEqual([['a', 'b', 'c', 'a']]);

		const graph = new Map(
			files.map((file) => [
				repoPath(file),
				importsOf(file).flatMap((specifier) => {
					const target = resolveImport(file, specifier);
					return target ? [repoPath(target)] : [];
				}),
			]),
		);
		expect(graph.get('nodes/shared/mapping/recipients.ts')).toContain(
			'nodes/shared/mapping/userDirectory.ts',
		);
		expect(cyclesOf(graph).map((cycle) => cycle.join(' > '))).toEqual([]);
	});
});
