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
 * The pieces it is built from (environment, ports, user folder, processes, logs, database, REST,
 * waiting) are files of their own here; the queue-mode cluster (queueCluster.ts) uses them too.
 *
 * Workflow publication is asynchronous in n8n 2.x (an outbox consumer activates triggers
 * after the server is ready), so a test waits for the effect it needs (for example, a
 * webhook registered with an emulator) with `waitFor`.
 */
import path from 'node:path';

import { N8nDatabase, type ExecutionRow } from './database';
import { assertRuntime, n8nEnv } from './environment';
import { matchingLines, newLogFile, tailOf } from './logs';
import { freePorts } from './ports';
import { ManagedProcess, n8nCommand, runN8nCli } from './process';
import { postWebhook, type WebhookResponse } from './rest';
import {
	newUserFolder,
	prepareUserFolder,
	removeFolder,
	safeName,
	type UserFolderContent,
} from './userFolder';
import { isHttpOk } from './wait';

const FIRST_START_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 90_000;

export interface N8nInstanceOptions extends UserFolderContent {
	/** Names the log file and the temporary folder. */
	name?: string;
	/** Extra or overriding environment for n8n (undefined removes a variable). */
	env?: Record<string, string | undefined>;
	/** Keep the user folder after dispose() (also with N8N_E2E_KEEP=1). */
	keepFolder?: boolean;
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

export class N8nInstance {
	readonly timings: Timings = { cli: [], startsMs: [], stopsMs: [] };
	readonly database: N8nDatabase;
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
		this.database = new N8nDatabase(path.join(userFolder, '.n8n', 'database.sqlite'));
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

	// ---- webhooks (rest.ts) ----

	/** POSTs to `/webhook/<webhookId>/<path>` (production webhooks of published workflows). */
	postWebhook(
		webhookId: string,
		body: string | Buffer | object,
		options: { headers?: Record<string, string>; path?: string; timeoutMs?: number } = {},
	): Promise<WebhookResponse> {
		return postWebhook(this.webhookUrl(webhookId, options.path), body, options);
	}

	// ---- n8n's database (database.ts) ----

	/** Executions n8n recorded, oldest first. */
	executions(workflowId?: string): Promise<ExecutionRow[]> {
		return this.database.executions(workflowId);
	}

	/** The workflow's static data as n8n stored it (what survives a restart). */
	workflowStaticData(workflowId: string): Promise<Record<string, unknown> | null> {
		return this.database.workflowStaticData(workflowId);
	}

	/** Writes static data as an older version left it; only while n8n is stopped. */
	setWorkflowStaticData(workflowId: string, data: Record<string, unknown>): Promise<void> {
		return this.database.setWorkflowStaticData(workflowId, data);
	}

	/** A query on n8n's database; read-only unless `write`. */
	query<T>(sql: string, params: unknown[] = [], write = false): Promise<T[]> {
		return this.database.query<T>(sql, params, write);
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
