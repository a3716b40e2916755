/**
 * Where the delivery ledger keeps its rows: n8n's own database (SQLite or PostgreSQL), reached
 * through the TypeORM DataSource n8n registers in its DI container.
 *
 * Written by hand because n8n offers nodes no atomic per-key store: its deduplication store
 * (`checkProcessedAndRecord`) reads, changes and rewrites one row per node without a lock, so
 * overlapping executions lose keys or fail on its unique constraint. One row per key with a
 * primary key makes a claim one atomic INSERT in any process: main, webhook or worker.
 */
import { createRequire } from 'node:module';

export type SqlDialect = 'sqlite' | 'postgres';

export interface LedgerDatabase {
	readonly dialect: SqlDialect;
	/** The table's name, quoted and qualified as the database needs it. */
	readonly table: string;
	/** Rows of a SELECT. SQL uses `?` placeholders on every dialect. */
	select<T>(sql: string, params: unknown[]): Promise<T[]>;
	/** Runs INSERT/UPDATE/DELETE/DDL; resolves with the number of rows it changed. */
	change(sql: string, params: unknown[]): Promise<number>;
}

const TABLE = 'perks_delivery_ledger';

interface QueryResult {
	records?: unknown[];
	raw?: unknown;
	affected?: number | null;
}
interface QueryRunner {
	query(sql: string, params: unknown[], structured: true): Promise<QueryResult>;
	release(): Promise<void>;
}
interface DataSource {
	isInitialized: boolean;
	options: { type: string; entityPrefix?: string; schema?: string };
	createQueryRunner(): QueryRunner;
}

let override: LedgerDatabase | undefined;

/** Tests that run workflows without an n8n server give the ledger a database here. */
export function useLedgerDatabase(database: LedgerDatabase | undefined): void {
	override = database;
}

let fromN8n: LedgerDatabase | undefined;

/** The database of the n8n process this node runs in, or an error saying why there is none. */
export function ledgerDatabase(): LedgerDatabase {
	if (override) return override;
	fromN8n ??= wrapDataSource(findN8nDataSource());
	return fromN8n;
}

function findN8nDataSource(): DataSource {
	// The package is installed apart from n8n (~/.n8n/nodes), so resolve n8n's own modules from
	// the n8n entry point that started this process: the same module instances n8n uses.
	const entry = require.main?.filename ?? process.argv[1];
	try {
		const fromN8nEntry = createRequire(entry);
		const dbPath = fromN8nEntry.resolve('@n8n/db');
		const fromDb = createRequire(dbPath);
		const { Container } = fromDb('@n8n/di') as { Container: { get(token: unknown): unknown } };
		const { DataSource } = fromDb('@n8n/typeorm') as { DataSource: unknown };
		const dataSource = Container.get(DataSource) as DataSource;
		if (!dataSource?.isInitialized) throw new Error('the database connection is not initialized');
		return dataSource;
	} catch (error) {
		throw new LedgerUnavailableError((error as Error).message);
	}
}

export class LedgerUnavailableError extends Error {
	readonly code = 'ledger_unavailable';
	readonly fix =
		'The delivery ledger needs n8n\'s database (n8n 2.x). Run these nodes inside n8n, or clear the "Idempotency Key" option to send without the exactly-once guard.';

	constructor(reason: string) {
		super(`The delivery ledger cannot reach n8n's database: ${reason}`);
		this.name = 'LedgerUnavailableError';
	}
}

function wrapDataSource(dataSource: DataSource): LedgerDatabase {
	const dialect: SqlDialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
	const name = `${dataSource.options.entityPrefix ?? ''}${TABLE}`;
	const schema = dialect === 'postgres' ? dataSource.options.schema : undefined;
	const table = schema ? `"${schema}"."${name}"` : `"${name}"`;
	const run = async (sql: string, params: unknown[]): Promise<QueryResult> => {
		const runner = dataSource.createQueryRunner();
		try {
			return await runner.query(
				dialect === 'postgres' ? numberedPlaceholders(sql) : sql,
				params,
				true,
			);
		} finally {
			await runner.release();
		}
	};
	return {
		dialect,
		table,
		select: async <T>(sql: string, params: unknown[]) =>
			((await run(sql, params)).records ?? []) as T[],
		change: async (sql, params) => (await run(sql, params)).affected ?? 0,
	};
}

/** `?` → `$1, $2, …` for PostgreSQL (the ledger's SQL has no `?` inside literals). */
function numberedPlaceholders(sql: string): string {
	let index = 0;
	return sql.replace(/\?/g, () => `$${++index}`);
}

/** PERKS_LEDGER_LEASE_SECONDS: an operator's knob (and the kill tests'): how long a vanished sender's claim blocks others. */
export function leaseFromEnvironment(): number | undefined {
	const seconds = Number(process.env.PERKS_LEDGER_LEASE_SECONDS);
	return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
