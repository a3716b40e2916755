/**
 * The durable half of "exactly once": before a message goes out, its key (node, idempotency key,
 * recipient) is claimed with one atomic INSERT in n8n's database, so overlapping executions in
 * any number of n8n processes, and redeliveries after a restart, cannot both send it.
 *
 * A row is `sending` (someone holds the claim), `sent`, or `failed` (free to claim again). A
 * failure that may have reached the platform anyway (a timeout, a reset, a 5xx) is marked
 * `ambiguous`, and so is a claim whose holder vanished (killed process): the next claimer must
 * look for the tagged message before posting again. Only `sent` ever skips a send, so a ledger
 * that fails to record a failure can delay a message, never drop it. See docs/idempotency.md.
 */
import { createHash, randomUUID } from 'node:crypto';

import { leaseFromEnvironment, type LedgerDatabase } from './ledgerDatabase';

/** The platform redelivers for 24 hours; keep keys a little longer. */
export const LEDGER_TTL_MS = 25 * 60 * 60 * 1000;
/**
 * How long a claim protects a send in flight before another copy may take it over (and then
 * looks for the message first). Longer than a send may take: the rate limiter's wait budget
 * plus the HTTP timeout.
 */
export const DEFAULT_LEASE_MS = 120_000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
const MAX_CAS_ROUNDS = 8;

export type Claim =
	| { kind: 'claimed'; token: string; attempt: number; lookFirst: boolean; firstClaimedAt: number }
	| { kind: 'sent'; messageId: string | null }
	| { kind: 'in_progress'; attempt: number };

interface Row {
	state: 'sending' | 'sent' | 'failed';
	owner: string;
	attempts: number;
	ambiguous: number;
	created_at: number;
	updated_at: number;
	expires_at: number;
	message_id: string | null;
}

export interface LedgerOptions {
	leaseMs?: number;
	ttlMs?: number;
	now?: () => number;
}

/** The stable id of one delivery: a hash, so any key length fits the primary key. */
export function deliveryId(parts: string[]): string {
	return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

const ready = new WeakMap<LedgerDatabase, Promise<void>>();
const lastPurge = new WeakMap<LedgerDatabase, number>();

export class DeliveryLedger {
	private readonly leaseMs: number;
	private readonly ttlMs: number;
	private readonly now: () => number;

	constructor(
		private readonly db: LedgerDatabase,
		options: LedgerOptions = {},
	) {
		this.leaseMs = options.leaseMs ?? leaseFromEnvironment() ?? DEFAULT_LEASE_MS;
		this.ttlMs = options.ttlMs ?? LEDGER_TTL_MS;
		this.now = options.now ?? Date.now;
	}

	/** Claims `id` for one send attempt, or says it was sent, or that another attempt holds it. */
	async claim(id: string, label: string): Promise<Claim> {
		await this.ensureTable();
		const t = this.db.table;
		for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
			const now = this.now();
			const token = randomUUID();
			const inserted = await this.db.change(
				`INSERT INTO ${t} (id, label, state, owner, attempts, ambiguous, created_at, updated_at, expires_at, message_id)
				 VALUES (?, ?, 'sending', ?, 1, 0, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`,
				[id, label.slice(0, 500), token, now, now, now + this.ttlMs],
			);
			if (inserted === 1) {
				void this.purgeExpired(now);
				return { kind: 'claimed', token, attempt: 1, lookFirst: false, firstClaimedAt: now };
			}
			const [row] = await this.db.select<Row>(
				`SELECT state, owner, attempts, ambiguous, created_at, updated_at, expires_at, message_id FROM ${t} WHERE id = ?`,
				[id],
			);
			if (!row) continue; // purged between the two statements: insert again
			if (Number(row.expires_at) <= now) {
				await this.db.change(`DELETE FROM ${t} WHERE id = ? AND owner = ?`, [id, row.owner]);
				continue;
			}
			if (row.state === 'sent') return { kind: 'sent', messageId: row.message_id };
			const stale = row.state === 'sending' && Number(row.updated_at) <= now - this.leaseMs;
			if (row.state === 'sending' && !stale)
				return { kind: 'in_progress', attempt: Number(row.attempts) };
			// Compare-and-swap on the owner we read: of several takers only one wins.
			const taken = await this.db.change(
				`UPDATE ${t} SET state = 'sending', owner = ?, attempts = attempts + 1, updated_at = ?
				 WHERE id = ? AND owner = ? AND state = ?`,
				[token, now, id, row.owner, row.state],
			);
			if (taken === 1) {
				return {
					kind: 'claimed',
					token,
					attempt: Number(row.attempts) + 1,
					lookFirst: stale || Number(row.ambiguous) === 1,
					firstClaimedAt: Number(row.created_at),
				};
			}
		}
		return { kind: 'in_progress', attempt: 0 };
	}

	async markSent(id: string, token: string, messageId: string | null): Promise<void> {
		await this.db.change(
			`UPDATE ${this.db.table} SET state = 'sent', message_id = ?, updated_at = ? WHERE id = ? AND owner = ?`,
			[messageId, this.now(), id, token],
		);
	}

	/**
	 * Pushes a live sender's lease on while it still owns the claim, so waiting (a rate-limit queue,
	 * a slow platform) never makes its claim look abandoned to another process.
	 */
	async renew(id: string, token: string): Promise<void> {
		await this.db.change(
			`UPDATE ${this.db.table} SET updated_at = ? WHERE id = ? AND owner = ? AND state = 'sending'`,
			[this.now(), id, token],
		);
	}

	/** How often a sender renews: well inside the lease. */
	get renewEveryMs(): number {
		return Math.max(50, Math.floor(this.leaseMs / 3));
	}

	/** Frees the claim for a later attempt; `ambiguous` sticks until a send succeeds. */
	async markFailed(id: string, token: string, ambiguous: boolean): Promise<void> {
		await this.db.change(
			`UPDATE ${this.db.table} SET state = 'failed', ambiguous = CASE WHEN ? = 1 THEN 1 ELSE ambiguous END, updated_at = ?
			 WHERE id = ? AND owner = ?`,
			[ambiguous ? 1 : 0, this.now(), id, token],
		);
	}

	private async ensureTable(): Promise<void> {
		let promise = ready.get(this.db);
		if (!promise) {
			promise = createTable(this.db).catch((error: unknown) => {
				ready.delete(this.db);
				throw error;
			});
			ready.set(this.db, promise);
		}
		await promise;
	}

	/** Expired rows go in one indexed DELETE, at most every ten minutes per process. */
	private async purgeExpired(now: number): Promise<void> {
		if (now - (lastPurge.get(this.db) ?? 0) < PURGE_EVERY_MS) return;
		lastPurge.set(this.db, now);
		try {
			await this.db.change(`DELETE FROM ${this.db.table} WHERE expires_at < ?`, [now]);
		} catch {
			// Purging is housekeeping: a busy database tries again next time.
		}
	}
}

async function createTable(db: LedgerDatabase): Promise<void> {
	const index = db.table.replace(/"([^"]+)"$/, (_, name: string) => `"${name}_expires"`);
	const statements = [
		`CREATE TABLE IF NOT EXISTS ${db.table} (
			id VARCHAR(64) PRIMARY KEY,
			label VARCHAR(500) NOT NULL,
			state VARCHAR(16) NOT NULL,
			owner VARCHAR(64) NOT NULL,
			attempts INTEGER NOT NULL,
			ambiguous SMALLINT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			message_id VARCHAR(255)
		)`,
		`CREATE INDEX IF NOT EXISTS ${db.dialect === 'postgres' ? index.replace(/^.*\./, '') : index} ON ${db.table} (expires_at)`,
	];
	for (const sql of statements) {
		try {
			await db.change(sql, []);
		} catch (error) {
			// Two processes creating the table at once: PostgreSQL lets one fail on its catalog.
			if (!/already exists|duplicate key/i.test(String((error as Error).message))) throw error;
		}
	}
}
