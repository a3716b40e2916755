/**
 * n8n in queue mode on 127.0.0.1, as users scale it: one main (`n8n start`), one webhook
 * process (`n8n webhook`) and workers (`n8n worker`) sharing a throwaway PostgreSQL and Redis
 * (Debian's packages, scripts/e2e/install-queue-services.sh), each process with its own user
 * folder holding our package as a community package. Processes, environment, CLI imports and
 * logs are N8nInstance's (./index.ts); this file adds the services and the queue-mode wiring.
 *
 * WEBHOOK_URL is the webhook process, so triggers register that URL with the perks platform, as
 * behind a load balancer that sends `/webhook/` to webhook processes.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { installInto, preparedPackage } from './communityPackage';
import {
	assertRuntime,
	freePorts,
	isHttpOk,
	ManagedProcess,
	matchingLines,
	N8N_HOME,
	n8nCommand,
	n8nEnv,
	newLogFile,
	prepareUserFolder,
	removeFolder,
	runN8nCli,
	safeName,
	tailOf,
	waitFor,
	type ExecutionRow,
	type N8nInstanceOptions,
	type ProcessSpec,
} from '.';

const run = promisify(execFile);

/** Four n8n processes boot at once on CI's two cores. */
const START_TIMEOUT_MS = 180_000;
const SERVICE_START_TIMEOUT_MS = 30_000;
const DATABASE = 'n8n';
const INSTALL_FIX =
	'Run scripts/e2e/install-queue-services.sh as root ("npm run test:e2e" does; its output says why it failed).';

export interface QueueClusterOptions
	extends Pick<
		N8nInstanceOptions,
		'name' | 'credentials' | 'workflows' | 'publish' | 'env' | 'keepFolder'
	> {
	/** How many `n8n worker` processes; default 2. */
	workers?: number;
}

export interface QueueClusterTimings {
	/** PostgreSQL (initdb, start, database) and Redis, in ms. */
	servicesMs?: number;
	/** User folder, package, CLI imports and publishing, in ms. */
	prepareMs?: number;
	/** Each start of all n8n processes until every one answered its readiness endpoint, in ms. */
	startsMs: number[];
	/** Each stop of all n8n processes, in ms. */
	stopsMs: number[];
	/** dispose(): n8n, the services and the folders, in ms. */
	disposeMs?: number;
}

interface Ports {
	postgres: number;
	redis: number;
	main: number;
	webhook: number;
	brokers: number[];
	health: number[];
}

/** Missing PostgreSQL/Redis binaries: a stable code and what to do. */
export class QueueServicesMissingError extends Error {
	readonly code = 'E2E_QUEUE_SERVICES_MISSING';
	readonly fix = INSTALL_FIX;
	constructor(what: string) {
		super(`${what}. ${INSTALL_FIX}`);
	}
}

export class N8nQueueCluster {
	readonly timings: QueueClusterTimings = { startsMs: [], stopsMs: [] };
	private readonly postgres: ManagedProcess;
	private readonly redis: ManagedProcess;
	private readonly main: ManagedProcess;
	private readonly webhook: ManagedProcess;
	private readonly workers: ManagedProcess[];
	private readonly mainLog: string;

	private constructor(
		readonly name: string,
		/** `<folder>/<process>`: each n8n process's N8N_USER_FOLDER; `<folder>/services`: PostgreSQL's and Redis's. */
		readonly folder: string,
		private readonly ports: Ports,
		logs: { postgres: string; redis: string; main: string; webhook: string; workers: string[] },
		private readonly extraEnv: Record<string, string | undefined>,
		private readonly keepFolder: boolean,
	) {
		this.mainLog = logs.main;
		const servicesFolder = path.join(folder, 'services');
		const context = `cluster folder: ${folder}`;
		this.postgres = new ManagedProcess({
			label: `postgres (port ${ports.postgres})`,
			logFile: logs.postgres,
			context,
			spec: () => postgresCommand(servicesFolder, ports.postgres),
			ready: () =>
				this.query('SELECT 1', [], 'postgres').then(
					() => true,
					() => false,
				),
			// Fast shutdown: SIGTERM would wait for every client to disconnect.
			stopSignal: 'SIGINT',
		});
		this.redis = new ManagedProcess({
			label: `redis-server (port ${ports.redis})`,
			logFile: logs.redis,
			context,
			spec: () => ({
				command: findRedis(),
				// In memory only (nothing to keep between runs); its folder exists before services/ does.
				args: [
					'--port',
					`${ports.redis}`,
					'--bind',
					'127.0.0.1',
					'--save',
					'',
					'--appendonly',
					'no',
					'--dir',
					folder,
				],
				env: process.env,
			}),
			ready: () => redisPing(ports.redis),
		});
		const n8n = (label: string, logFile: string, spec: () => ProcessSpec, readyUrl: string) =>
			new ManagedProcess({ label, logFile, context, spec, ready: () => isHttpOk(readyUrl) });
		this.main = n8n(
			`n8n start (port ${ports.main}, broker ${ports.brokers[0]})`,
			logs.main,
			() => n8nCommand(['start'], this.env('main', ports.main, ports.brokers[0])),
			`${this.baseUrl}/healthz/readiness`,
		);
		this.webhook = n8n(
			`n8n webhook (port ${ports.webhook}, broker ${ports.brokers[1]})`,
			logs.webhook,
			() => n8nCommand(['webhook'], this.env('webhook', ports.webhook, ports.brokers[1])),
			`${this.webhookBaseUrl}/healthz/readiness`,
		);
		this.workers = logs.workers.map((logFile, i) => {
			const [health, broker] = [ports.health[i], ports.brokers[i + 2]];
			return n8n(
				`n8n worker ${i + 1} (health ${health}, broker ${broker})`,
				logFile,
				() =>
					n8nCommand(
						['worker', '--concurrency=10'],
						this.env(`worker${i + 1}`, ports.main, broker, {
							QUEUE_HEALTH_CHECK_ACTIVE: 'true',
							QUEUE_HEALTH_CHECK_PORT: String(health),
						}),
					),
				`http://127.0.0.1:${health}/healthz/readiness`,
			);
		});
	}

	/** Starts PostgreSQL and Redis, prepares the user folders and database, starts every n8n process. */
	static async launch(options: QueueClusterOptions = {}): Promise<N8nQueueCluster> {
		assertRuntime();
		findPostgresBin();
		findRedis();
		const name = safeName(options.name ?? 'queue');
		const workers = options.workers ?? 2;
		const [postgres, redis, main, webhook, ...rest] = await freePorts(4 + 2 + 2 * workers);
		const ports: Ports = {
			postgres,
			redis,
			main,
			webhook,
			brokers: rest.slice(0, workers + 2),
			health: rest.slice(workers + 2),
		};
		const folder = await mkdtemp(path.join(tmpdir(), `n8n-perks-e2e-${name}-`));
		const logs = {
			postgres: await newLogFile(`${name}-postgres`),
			redis: await newLogFile(`${name}-redis`),
			main: await newLogFile(`${name}-main`),
			webhook: await newLogFile(`${name}-webhook`),
			workers: await Promise.all(
				Array.from({ length: workers }, (_, i) => newLogFile(`${name}-worker${i + 1}`)),
			),
		};
		const cluster = new N8nQueueCluster(
			name,
			folder,
			ports,
			logs,
			options.env ?? {},
			options.keepFolder ?? process.env.N8N_E2E_KEEP === '1',
		);
		try {
			let began = Date.now();
			await cluster.startServices();
			cluster.timings.servicesMs = Date.now() - began;
			began = Date.now();
			await cluster.prepareUserFolders(options);
			cluster.timings.prepareMs = Date.now() - began;
			await cluster.start();
		} catch (error) {
			await cluster.dispose();
			throw error;
		}
		return cluster;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.ports.main}`;
	}

	get webhookBaseUrl(): string {
		return `http://127.0.0.1:${this.ports.webhook}`;
	}

	/** A production webhook URL on the webhook process (the registered one) or on main. */
	webhookUrl(
		webhookId: string,
		webhookPath = 'webhook',
		via: 'main' | 'webhook' = 'webhook',
	): string {
		return `${via === 'main' ? this.baseUrl : this.webhookBaseUrl}/webhook/${webhookId}/${webhookPath}`;
	}

	private get n8nProcesses(): ManagedProcess[] {
		return [this.main, this.webhook, ...this.workers];
	}

	/** Starts every n8n process that is not running (all of them, or one killed by `killWorker`). */
	async start(): Promise<void> {
		const began = Date.now();
		await settleAll(this.n8nProcesses.map((p) => p.start(START_TIMEOUT_MS)));
		this.timings.startsMs.push(Date.now() - began);
	}

	/** Stops every n8n process gracefully (workers finish their running executions first). */
	async stop(): Promise<void> {
		if (!this.n8nProcesses.some((p) => p.running)) return;
		const began = Date.now();
		await settleAll(this.n8nProcesses.map((p) => p.stop()));
		this.timings.stopsMs.push(Date.now() - began);
	}

	/** All n8n processes stopped and started again; PostgreSQL and Redis keep their data. */
	async restart(): Promise<void> {
		await this.stop();
		await this.start();
	}

	/**
	 * The restart order docs/idempotency.md recommends: the processes that receive webhooks stop
	 * first (their runs finish on the workers), the workers stop once no execution is queued or
	 * running (so none takes a job while it shuts down), then everything starts again.
	 */
	async restartReceiversFirst(drainTimeoutMs = 60_000): Promise<void> {
		const began = Date.now();
		await settleAll([this.main, this.webhook].map((p) => p.stop()));
		await waitFor(async () => (await this.unfinishedJobs()) === 0, {
			what: "the workers to finish every job in n8n's queue",
			timeoutMs: drainTimeoutMs,
		});
		await settleAll(this.workers.map((p) => p.stop()));
		this.timings.stopsMs.push(Date.now() - began);
		await this.start();
	}

	/** Jobs in n8n's Bull queue that a worker has not finished: waiting, delayed or active. */
	async unfinishedJobs(): Promise<number> {
		const counts = await Promise.all(
			['LLEN bull:jobs:wait', 'ZCARD bull:jobs:delayed', 'LLEN bull:jobs:active'].map((command) =>
				redisReply(this.ports.redis, command),
			),
		);
		return counts.reduce((sum, reply) => sum + Number(reply?.slice(1) ?? Number.NaN), 0);
	}

	/** SIGKILL to worker `i` (0-based) and what it started: a crash. `start()` brings it back. */
	async killWorker(i: number): Promise<void> {
		const worker = this.workers[i];
		if (!worker) throw new Error(`No worker ${i}; this cluster has ${this.workers.length}`);
		await worker.kill();
	}

	/** SIGKILL to every n8n process (a crash of the whole deployment); the services stay up. */
	async kill(): Promise<void> {
		await Promise.all(this.n8nProcesses.map((p) => p.kill()));
	}

	/** Stops n8n, PostgreSQL and Redis, removes the folders (logs stay in LOG_DIR). */
	async dispose(): Promise<void> {
		const began = Date.now();
		await this.stop().catch(() => this.kill());
		await Promise.allSettled([this.postgres.stop(), this.redis.stop()]);
		await removeFolder(this.folder, this.keepFolder, this.mainLog);
		this.timings.disposeMs = Date.now() - began;
	}

	// ---- n8n's database ----

	/** Executions n8n recorded, oldest first (the shape of N8nInstance.executions). */
	async executions(workflowId?: string): Promise<ExecutionRow[]> {
		type Row = Omit<ExecutionRow, 'startedAt' | 'stoppedAt'> & {
			startedAt: Date | null;
			stoppedAt: Date | null;
		};
		const rows = await this.query<Row>(
			`SELECT id, "workflowId", mode, status, finished, "startedAt", "stoppedAt" FROM execution_entity
			 ${workflowId ? 'WHERE "workflowId" = $1' : ''} ORDER BY id`,
			workflowId ? [workflowId] : [],
		);
		return rows.map((row) => ({
			...row,
			id: Number(row.id),
			startedAt: row.startedAt?.toISOString() ?? null,
			stoppedAt: row.stoppedAt?.toISOString() ?? null,
		}));
	}

	/** A query on n8n's PostgreSQL database, with n8n's own `pg` module. */
	async query<T>(sql: string, params: unknown[] = [], database = DATABASE): Promise<T[]> {
		type Client = {
			connect(): Promise<void>;
			query(sql: string, params: unknown[]): Promise<{ rows: T[] }>;
			end(): Promise<void>;
		};
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const pg = require(path.join(N8N_HOME, 'node_modules', 'pg')) as {
			Client: new (config: object) => Client;
		};
		const client = new pg.Client({
			host: '127.0.0.1',
			port: this.ports.postgres,
			user: 'postgres',
			database,
			connectionTimeoutMillis: 2_000,
		});
		await client.connect();
		try {
			return (await client.query(sql, params)).rows;
		} finally {
			await client.end();
		}
	}

	// ---- logs ----

	/** main, webhook, workers, then PostgreSQL and Redis. */
	get logFiles(): string[] {
		return [...this.n8nProcesses, this.postgres, this.redis].map((p) => p.logFile);
	}

	/** Every line (colours stripped) of any process's log that matches. */
	logLines(pattern: RegExp): string[] {
		return matchingLines(this.logFiles, pattern);
	}

	/** The last lines of each n8n process's log (for `waitFor`). */
	logTail(lines = 80): string {
		const each = Math.ceil(lines / this.n8nProcesses.length);
		return this.n8nProcesses
			.map((p) => `--- ${path.basename(p.logFile)} ---\n${tailOf(p.logFile, each)}`)
			.join('\n');
	}

	// ---- set-up ----

	/**
	 * A user folder per process, as each container of a real deployment has (one shared folder
	 * would share n8n's crash journal: every start would log "Last session crashed" and wait
	 * 10 s), each with our package; the CLI imports into the shared database from main's.
	 */
	private async prepareUserFolders(options: QueueClusterOptions): Promise<void> {
		const roles = ['main', 'webhook', ...this.workers.map((_, i) => `worker${i + 1}`)];
		await Promise.all(
			roles.map((role) => mkdir(path.join(this.folder, role, 'tmp'), { recursive: true })),
		);
		const cliEnv = this.env('main', this.ports.main, this.ports.brokers[0]);
		const context = `cluster folder: ${this.folder}`;
		await prepareUserFolder(path.join(this.folder, 'main'), options, (args) =>
			runN8nCli(args, cliEnv, this.mainLog, context).then(() => {}),
		);
		const pkg = await preparedPackage();
		await Promise.all(roles.slice(1).map((role) => installInto(path.join(this.folder, role), pkg)));
	}

	private async startServices(): Promise<void> {
		await Promise.all([this.initPostgres(), this.redis.start(SERVICE_START_TIMEOUT_MS)]);
		await this.query(`CREATE DATABASE ${DATABASE}`, [], 'postgres');
	}

	private async initPostgres(): Promise<void> {
		const servicesFolder = path.join(this.folder, 'services');
		await mkdir(path.join(servicesFolder, 'socket'), { recursive: true });
		if (isRoot()) {
			// The postgres user must reach its folders through ours (mkdtemp makes it 0700).
			await chmod(this.folder, 0o755);
			await run('chown', ['-R', 'postgres:postgres', servicesFolder]);
		}
		const initdb = asPostgres(path.join(findPostgresBin(), 'initdb'), [
			'-D',
			path.join(servicesFolder, 'data'),
			'-A',
			'trust',
			'-U',
			'postgres',
			'-E',
			'UTF8',
			'--no-locale',
			'--no-sync',
		]);
		try {
			await run(initdb.command, initdb.args, { env: initdb.env });
		} catch (error) {
			const { stderr } = error as { stderr?: string };
			throw new Error(`initdb failed in ${servicesFolder}: ${stderr ?? String(error)}`);
		}
		await this.postgres.start(SERVICE_START_TIMEOUT_MS);
	}

	/** Queue mode on top of N8nInstance's environment (which sets the one N8N_ENCRYPTION_KEY). */
	private env(
		role: string,
		port: number,
		brokerPort: number,
		extra: Record<string, string> = {},
	): NodeJS.ProcessEnv {
		return n8nEnv({
			userFolder: path.join(this.folder, role),
			port,
			brokerPort,
			webhookBaseUrl: this.webhookBaseUrl,
			extra: {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: '127.0.0.1',
				DB_POSTGRESDB_PORT: String(this.ports.postgres),
				DB_POSTGRESDB_DATABASE: DATABASE,
				DB_POSTGRESDB_USER: 'postgres',
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(this.ports.redis),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				// n8n 2.41.1 awaits Bull's job.finished() after enqueuing; a job a worker finished
				// first is already removed at the default 0, so the wait never ends and the webhook
				// is never answered. Keeping finished jobs lets finished() see them (docs/idempotency.md).
				N8N_EXECUTIONS_QUEUE_KEEP_LAST_COMPLETED: '1000',
				N8N_EXECUTIONS_QUEUE_KEEP_LAST_FAILED: '1000',
				...extra,
				...this.extraEnv,
			},
		});
	}
}

/** Waits for every promise, then throws the first failure (so none is left starting unseen). */
async function settleAll(promises: Array<Promise<unknown>>): Promise<void> {
	const failed = (await Promise.allSettled(promises)).find((r) => r.status === 'rejected');
	if (failed) throw (failed as PromiseRejectedResult).reason;
}

function isRoot(): boolean {
	return process.getuid?.() === 0;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
function asPostgres(command: string, args: string[]): ProcessSpec {
	const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
	return isRoot()
		? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args], env }
		: { command, args, env };
}

function postgresCommand(folder: string, port: number): ProcessSpec {
	return asPostgres(path.join(findPostgresBin(), 'postgres'), [
		'-D',
		path.join(folder, 'data'),
		'-p',
		String(port),
		'-k',
		path.join(folder, 'socket'),
		'-c',
		'listen_addresses=127.0.0.1',
		// A throwaway database: durability costs time and buys nothing here.
		'-c',
		'fsync=off',
		'-c',
		'synchronous_commit=off',
		'-c',
		'full_page_writes=off',
	]);
}

/** The newest `/usr/lib/postgresql/<major>/bin` (Debian's layout). */
function findPostgresBin(): string {
	const root = '/usr/lib/postgresql';
	const majors = existsSync(root)
		? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
		: [];
	const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
	if (!newest) throw new QueueServicesMissingError(`No PostgreSQL server in ${root}/<major>/bin`);
	return path.join(root, newest, 'bin');
}

function findRedis(): string {
	const found = (process.env.PATH ?? '')
		.split(path.delimiter)
		.map((dir) => path.join(dir, 'redis-server'))
		.find((file) => existsSync(file));
	if (!found) throw new QueueServicesMissingError('No redis-server on PATH');
	return found;
}

/** True when Redis answers PING. */
async function redisPing(port: number): Promise<boolean> {
	return (await redisReply(port, 'PING'))?.startsWith('+PONG') ?? false;
}

/** The first line of Redis's reply to one inline command (`:3`, `+PONG`); undefined if none. */
function redisReply(port: number, command: string): Promise<string | undefined> {
	return new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		const done = (reply?: string) => {
			socket.destroy();
			resolve(reply);
		};
		socket.setTimeout(2_000, () => done());
		socket.once('error', () => done());
		socket.once('connect', () => socket.write(`${command}\r\n`));
		socket.once('data', (data) => done(data.toString().split('\r\n')[0]));
	});
}
