/**
 * n8n's SQLite database, read (and, while n8n is stopped, written) with n8n's own sqlite3 module:
 * the executions it recorded, a workflow's static data.
 */
import path from 'node:path';

import { N8N_HOME } from './environment';

export interface ExecutionRow {
	id: number;
	workflowId: string;
	mode: string;
	status: string;
	finished: boolean;
	startedAt: string | null;
	stoppedAt: string | null;
}

export class N8nDatabase {
	/** `<userFolder>/.n8n/database.sqlite`. */
	constructor(readonly file: string) {}

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
		const db = await new Promise<Db>((resolve, reject) => {
			const opened: Db = new sqlite3.Database(
				this.file,
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
}
