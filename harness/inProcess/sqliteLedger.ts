/**
 * The delivery ledger's database for in-process runs: a real SQLite (Node.js's node:sqlite), as
 * n8n uses by default, with the same SQL the nodes send to n8n's database. Every statement is
 * atomic, as in a real database, but callers yield before and after each one, so concurrent
 * executions interleave between "read" and "write" the way separate connections do: a ledger
 * that relied on read-then-write would lose here. It can also fail chosen statements (SQLITE_BUSY).
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

import type { LedgerDatabase } from '../../nodes/shared/idempotency/ledgerDatabase';
import { PACKAGE_ROOT } from '../packageRoot';

export interface TestLedgerDatabase extends LedgerDatabase {
	/** The next `count` statements matching `pattern` throw SQLITE_BUSY without running. */
	failNext(pattern: RegExp, count?: number): void;
	rows(): Array<Record<string, unknown>>;
	statements: number;
	reset(): void;
	close(): void;
}

export function sqliteLedgerDatabase(
	options: { file?: string; maxJitterMs?: number } = {},
): TestLedgerDatabase {
	const db = new DatabaseSync(options.file ?? ':memory:');
	const maxJitter = options.maxJitterMs ?? 3;
	const failures: Array<{ pattern: RegExp; remaining: number }> = [];
	const table = '"perks_delivery_ledger"';
	const jitter = async () =>
		await new Promise((resolve) => setTimeout(resolve, Math.random() * maxJitter));
	const execute = async <T>(
		sql: string,
		params: unknown[],
		run: (sql: string, params: SQLInputValue[]) => T,
	) => {
		await jitter();
		const failure = failures.find((f) => f.remaining > 0 && f.pattern.test(sql));
		if (failure) {
			failure.remaining--;
			throw new Error('SQLITE_BUSY: database is locked');
		}
		api.statements++;
		const result = run(sql, params as SQLInputValue[]);
		await jitter();
		return result;
	};
	const api: TestLedgerDatabase = {
		dialect: 'sqlite',
		table,
		statements: 0,
		select: async <T>(sql: string, params: unknown[]) =>
			await execute(sql, params, (s, p) => db.prepare(s).all(...p) as T[]),
		change: async (sql, params) =>
			await execute(sql, params, (s, p) => Number(db.prepare(s).run(...p).changes)),
		failNext: (pattern, count = 1) => failures.push({ pattern, remaining: count }),
		rows: () => {
			try {
				return db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
			} catch {
				return [];
			}
		},
		reset: () => {
			failures.length = 0;
			// Rows only: the ledger created the table once and remembers it did.
			try {
				db.exec(`DELETE FROM ${table}`);
			} catch {
				// Not created yet.
			}
		},
		close: () => db.close(),
	};
	return api;
}

type LedgerModule = { useLedgerDatabase(db: LedgerDatabase | undefined): void };

/** Points the BUILT package's ledger (the module the loaded nodes use) at `db`. */
export function useTestLedger(db: LedgerDatabase | undefined): void {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(
		`${PACKAGE_ROOT}/dist/nodes/shared/idempotency/ledgerDatabase.js`,
	) as LedgerModule;
	mod.useLedgerDatabase(db);
}
