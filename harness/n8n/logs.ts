/**
 * One log file per n8n (or cluster), everything its processes print appended, kept in LOG_DIR
 * after the user folder is gone; errors carry its tail.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { REPO_ROOT } from './communityPackage';
import { LOG_FILES_KEY, registry } from './registry';

/** Logs are kept here (CI can upload the folder) after the temporary user folder is gone. */
export const LOG_DIR = process.env.N8N_E2E_LOG_DIR ?? path.join(REPO_ROOT, '.cache', 'e2e-logs');

/** A new, registered log file in LOG_DIR (test/e2e/environment.ts prints its tail on failure). */
export async function newLogFile(name: string): Promise<string> {
	await mkdir(LOG_DIR, { recursive: true });
	await pruneLogs(LOG_DIR, 40);
	const stamp = new Date().toISOString().replace(/[:.]/g, '-');
	const logFile = path.join(LOG_DIR, `${name}-${stamp}-${randomBytes(3).toString('hex')}.log`);
	await writeFile(logFile, '');
	registry<string>(LOG_FILES_KEY).add(logFile);
	return logFile;
}

export function appendLog(logFile: string, text: string): void {
	const fd = openSync(logFile, 'a');
	try {
		writeSync(fd, text);
	} finally {
		closeSync(fd);
	}
}

/** An error that carries where to look and the log's last lines. */
export function failure(message: string, logFile: string, context: string): Error {
	return new Error(
		`${message}. ${context}; log: ${logFile}\n----- last lines of ${path.basename(logFile)} -----\n${tailOf(logFile, 60)}`,
	);
}

/** Every line (colours stripped) of these logs that matches. */
export function matchingLines(logFiles: string[], pattern: RegExp): string[] {
	return logFiles.flatMap((file) =>
		readLog(file)
			.split('\n')
			.filter((line) => pattern.test(line)),
	);
}

/** Keeps the newest `keep` logs (a local LOG_DIR would otherwise grow by ~300 KB a run). */
async function pruneLogs(dir: string, keep: number): Promise<void> {
	const logs = (await readdir(dir)).filter((name) => name.endsWith('.log'));
	const dated = await Promise.all(
		logs.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })),
	);
	dated.sort((a, b) => b.mtime - a.mtime);
	await Promise.all(dated.slice(keep).map(({ name }) => rm(path.join(dir, name), { force: true })));
}

function readLog(file: string): string {
	try {
		// eslint-disable-next-line no-control-regex
		return readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
	} catch {
		return '';
	}
}

export function tailOf(file: string, lines: number): string {
	return readLog(file).trimEnd().split('\n').slice(-lines).join('\n');
}
