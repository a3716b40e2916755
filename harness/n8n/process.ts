/**
 * n8n's processes: one-off CLI runs (import, publish) and long-running servers in their own
 * process group, started until ready, stopped gracefully or killed like a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

import { N8N_BIN } from './environment';
import { appendLog, failure } from './logs';
import { LIVE_PIDS_KEY, registry } from './registry';
import { sleep } from './wait';

const STOP_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 120_000;

export interface ProcessSpec {
	command: string;
	args: string[];
	env: NodeJS.ProcessEnv;
	cwd?: string;
}

/** `n8n <args>`, run by this Node.js (checked to be 24 by assertRuntime), whatever PATH says. */
export function n8nCommand(args: string[], env: NodeJS.ProcessEnv): ProcessSpec {
	return { command: process.execPath, args: [N8N_BIN, ...args], env, cwd: env.N8N_USER_FOLDER };
}

/** Runs a one-off `n8n <args>` (import, publish…) into `logFile`; returns how long it took. */
export async function runN8nCli(
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
	context: string,
): Promise<number> {
	const began = Date.now();
	appendLog(logFile, `\n===== n8n ${args.join(' ')} =====\n`);
	const child = spawnLogged(n8nCommand(args, env), logFile, false);
	const code = await new Promise<number | null>((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(
				failure(`"n8n ${args.join(' ')}" took longer than ${CLI_TIMEOUT_MS} ms`, logFile, context),
			);
		}, CLI_TIMEOUT_MS);
		child.once('error', reject);
		child.once('exit', (exitCode) => {
			clearTimeout(timer);
			resolve(exitCode);
		});
	});
	if (code !== 0) throw failure(`"n8n ${args.join(' ')}" exited with ${code}`, logFile, context);
	return Date.now() - began;
}

export interface ManagedProcessOptions {
	/** Printed into the log at each start. */
	label: string;
	logFile: string;
	/** Said in errors (e.g. the user folder). */
	context: string;
	/** What to run; called at each start. */
	spec: () => ProcessSpec;
	/** Answers true once the process serves (polled every 250 ms). */
	ready: () => Promise<boolean>;
	/** The graceful stop signal; SIGTERM unless the program wants another. */
	stopSignal?: NodeJS.Signals;
}

/**
 * A long-running child in its own process group (n8n and the task runner it starts; a database),
 * output appended to its log: started until `ready`, stopped gracefully or killed.
 */
export class ManagedProcess {
	private child: ChildProcess | undefined;
	private exited: Promise<void> | undefined;

	constructor(private readonly options: ManagedProcessOptions) {}

	get running(): boolean {
		return this.child !== undefined;
	}

	get logFile(): string {
		return this.options.logFile;
	}

	/** Starts it unless it runs; resolves with the ms until `ready` answered true. */
	async start(timeoutMs: number): Promise<number> {
		if (this.child) return 0;
		const { label, logFile } = this.options;
		const began = Date.now();
		appendLog(logFile, `\n===== ${label} =====\n`);
		const child = spawnLogged(this.options.spec(), logFile, true);
		this.child = child;
		if (child.pid) registry<number>(LIVE_PIDS_KEY).add(child.pid);
		this.exited = new Promise<void>((resolve) => {
			const gone = (text: string) => {
				appendLog(logFile, `\n===== ${label}: ${text} =====\n`);
				if (child.pid) registry<number>(LIVE_PIDS_KEY).delete(child.pid);
				if (this.child === child) this.child = undefined;
				resolve();
			};
			child.once('error', (error) => gone(`could not run (${error.message})`));
			child.once('exit', (code, signal) => gone(`exited (code ${code}, signal ${signal})`));
		});

		const deadline = began + timeoutMs;
		while (true) {
			if (this.child !== child) throw this.failure(`${label}: exited before it was ready`);
			if (await this.options.ready()) return Date.now() - began;
			if (Date.now() > deadline) {
				await this.stop();
				throw this.failure(`${label}: not ready within ${timeoutMs} ms`);
			}
			await sleep(250);
		}
	}

	/** The stop signal, SIGKILL to the process group after a timeout; resolves with the ms it took. */
	async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<number> {
		const child = this.child;
		if (!child?.pid) return 0;
		const began = Date.now();
		signalGroup(child.pid, this.options.stopSignal ?? 'SIGTERM');
		let timer: NodeJS.Timeout | undefined;
		const stopped = await Promise.race([
			this.exited!.then(() => true),
			new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
		]);
		clearTimeout(timer);
		if (!stopped) {
			appendLog(
				this.options.logFile,
				`\n===== did not stop within ${timeoutMs} ms: SIGKILL =====\n`,
			);
			signalGroup(child.pid, 'SIGKILL');
			await this.exited;
		}
		// Whatever it started in its group (n8n's task runner) must not outlive it.
		signalGroup(child.pid, 'SIGKILL');
		return Date.now() - began;
	}

	/** SIGKILL to the whole process group, no graceful shutdown (a crash). */
	async kill(): Promise<void> {
		const child = this.child;
		if (!child?.pid) return;
		appendLog(this.options.logFile, `\n===== SIGKILL (crash emulated by the test) =====\n`);
		signalGroup(child.pid, 'SIGKILL');
		await this.exited;
	}

	private failure(message: string): Error {
		return failure(message, this.options.logFile, this.options.context);
	}
}

function spawnLogged(spec: ProcessSpec, logFile: string, detached: boolean): ChildProcess {
	const fd = openSync(logFile, 'a');
	try {
		return spawn(spec.command, spec.args, {
			cwd: spec.cwd,
			env: spec.env,
			stdio: ['ignore', fd, fd],
			// Its own process group, so stop() reaches the task runner n8n starts too.
			detached,
		});
	} finally {
		closeSync(fd);
	}
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/** Kills every n8n process group this test file started and did not stop (used at teardown). */
export function killLeftovers(pids: Iterable<number>): void {
	for (const pid of pids) signalGroup(pid, 'SIGKILL');
}
