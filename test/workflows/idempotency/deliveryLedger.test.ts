/**
 * The delivery ledger against a real SQLite whose callers interleave between statements (jitter),
 * as separate n8n executions and processes do on one database.
 */
import {
	DeliveryLedger,
	LEDGER_TTL_MS,
	deliveryId,
	type Claim,
} from '../../../nodes/shared/idempotency/deliveryLedger';
import {
	sqliteLedgerDatabase,
	type TestLedgerDatabase,
} from '../../../harness/inProcess/sqliteLedger';

const LEASE_MS = 60_000;
let db: TestLedgerDatabase;
let clock: number;

function ledger(): DeliveryLedger {
	return new DeliveryLedger(db, { leaseMs: LEASE_MS, now: () => clock });
}

function claimed(claim: Claim): Extract<Claim, { kind: 'claimed' }> {
	if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(claim)}`);
	return claim;
}

const id = (n: number | string) => deliveryId(['wf', 'node', `evt_${n}`, 'U1']);

beforeEach(() => {
	db = sqliteLedgerDatabase({ maxJitterMs: 4 });
	clock = Date.UTC(2026, 10, 1, 8);
});
afterEach(() => db.close());

describe('DeliveryLedger: claims under concurrency', () => {
	it('300 concurrent claims of distinct ids: all claimed, one row each', async () => {
		const ids = Array.from({ length: 300 }, (_, n) => id(n));
		const claims = await Promise.all(ids.map((key) => ledger().claim(key, key)));
		expect(claims.every((c) => c.kind === 'claimed' && c.attempt === 1 && !c.lookFirst)).toBe(true);
		const rows = db.rows();
		expect(rows).toHaveLength(300);
		expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
		expect(rows.every((r) => r.state === 'sending')).toBe(true);
	});

	it('50 concurrent claims of one id: exactly one claimed, the rest in progress', async () => {
		const claims = await Promise.all(
			Array.from({ length: 50 }, () => ledger().claim(id('one'), 'evt_one → U1')),
		);
		expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
		expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(49);
		expect(db.rows()).toHaveLength(1);
	});
});

describe('DeliveryLedger: outcomes', () => {
	it('after markSent every later claim says sent, with the message id', async () => {
		const first = claimed(await ledger().claim(id(1), 'l'));
		await ledger().markSent(id(1), first.token, '1730448000.000100');
		clock += LEASE_MS * 10;
		const later = await Promise.all(Array.from({ length: 10 }, () => ledger().claim(id(1), 'l')));
		expect(later).toEqual(Array(10).fill({ kind: 'sent', messageId: '1730448000.000100' }));
	});

	it('a failure that never reached the platform frees the claim: attempt 2, no look first', async () => {
		const first = claimed(await ledger().claim(id(2), 'l'));
		await ledger().markFailed(id(2), first.token, false);
		clock += 1000;
		const second = claimed(await ledger().claim(id(2), 'l'));
		expect(second).toMatchObject({
			attempt: 2,
			lookFirst: false,
			firstClaimedAt: first.firstClaimedAt,
		});
	});

	it('an ambiguous failure makes the next attempts look first, also after a later clean failure', async () => {
		const first = claimed(await ledger().claim(id(3), 'l'));
		await ledger().markFailed(id(3), first.token, true);
		const second = claimed(await ledger().claim(id(3), 'l'));
		expect(second).toMatchObject({ attempt: 2, lookFirst: true });
		await ledger().markFailed(id(3), second.token, false);
		const third = claimed(await ledger().claim(id(3), 'l'));
		expect(third).toMatchObject({ attempt: 3, lookFirst: true });
	});

	it('of many concurrent claims of a failed id, exactly one takes it', async () => {
		const first = claimed(await ledger().claim(id(4), 'l'));
		await ledger().markFailed(id(4), first.token, false);
		const claims = await Promise.all(Array.from({ length: 30 }, () => ledger().claim(id(4), 'l')));
		expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
		expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(29);
	});

	it('a holder that lost its claim cannot record over the new holder', async () => {
		const first = claimed(await ledger().claim(id(5), 'l'));
		clock += LEASE_MS + 1;
		const second = claimed(await ledger().claim(id(5), 'l'));
		await ledger().markFailed(id(5), first.token, false);
		expect(db.rows()[0]).toMatchObject({ state: 'sending', owner: second.token });
	});
});

describe('DeliveryLedger: a vanished holder', () => {
	it('a sending claim inside its lease is in progress; past it, exactly one of many takers gets it, looking first', async () => {
		const first = claimed(await ledger().claim(id(6), 'l'));
		clock += LEASE_MS - 1;
		expect(await ledger().claim(id(6), 'l')).toEqual({ kind: 'in_progress', attempt: 1 });
		clock += 2;
		const claims = await Promise.all(Array.from({ length: 40 }, () => ledger().claim(id(6), 'l')));
		const winners = claims.filter((c) => c.kind === 'claimed');
		expect(winners).toHaveLength(1);
		expect(winners[0]).toMatchObject({
			attempt: 2,
			lookFirst: true,
			firstClaimedAt: first.firstClaimedAt,
		});
		expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(39);
	});
});

describe('DeliveryLedger: failures of the ledger itself', () => {
	it('SQLITE_BUSY while recording a failure never turns the claim into sent', async () => {
		const first = claimed(await ledger().claim(id(7), 'l'));
		db.failNext(/SET state = 'failed'/);
		await expect(ledger().markFailed(id(7), first.token, false)).rejects.toThrow(/SQLITE_BUSY/);
		// Still held: copies wait, none is told "sent".
		expect(await ledger().claim(id(7), 'l')).toEqual({ kind: 'in_progress', attempt: 1 });
		clock += LEASE_MS + 1;
		const retry = await ledger().claim(id(7), 'l');
		expect(retry).toMatchObject({ kind: 'claimed', attempt: 2, lookFirst: true });
	});

	it('SQLITE_BUSY on the first insert fails the claim instead of granting it', async () => {
		await ledger().claim(id('warm'), 'l'); // the table exists
		db.failNext(/^INSERT/);
		await expect(ledger().claim(id(8), 'l')).rejects.toThrow(/SQLITE_BUSY/);
		expect(claimed(await ledger().claim(id(8), 'l')).attempt).toBe(1);
	});
});

describe('DeliveryLedger: expiry and cost', () => {
	it('purges expired rows and lets their ids be claimed afresh', async () => {
		const old = claimed(await ledger().claim(id(9), 'l'));
		await ledger().markSent(id(9), old.token, 'ts-old');
		clock += LEDGER_TTL_MS + 11 * 60 * 1000;
		// A new id's claim runs the purge (in the background).
		claimed(await ledger().claim(id(10), 'l'));
		await waitFor(() => !db.rows().some((r) => r.id === id(9)));
		const again = claimed(await ledger().claim(id(9), 'l'));
		expect(again).toMatchObject({ attempt: 1, lookFirst: false });
	});

	it('an expired row not yet purged is not "sent" any more', async () => {
		const old = claimed(await ledger().claim(id(11), 'l'));
		await ledger().markSent(id(11), old.token, 'ts-old');
		await new Promise((resolve) => setTimeout(resolve, 20)); // the first claim's purge is done
		clock += LEDGER_TTL_MS + 1; // expired, but within ten minutes of the last purge
		expect(claimed(await ledger().claim(id(11), 'l')).attempt).toBe(1);
	});

	it('a claim of a new id costs the same statements with 10 rows as with 5,000', async () => {
		const costOfNewClaim = async (key: string) => {
			const before = db.statements;
			claimed(await ledger().claim(key, 'l'));
			return db.statements - before;
		};
		await Promise.all(Array.from({ length: 10 }, (_, n) => ledger().claim(id(`small-${n}`), 'l')));
		await new Promise((resolve) => setTimeout(resolve, 20));
		const small = await costOfNewClaim(id('probe-small'));
		await Promise.all(Array.from({ length: 4990 }, (_, n) => ledger().claim(id(`big-${n}`), 'l')));
		expect(db.rows().length).toBeGreaterThanOrEqual(5000);
		const big = await costOfNewClaim(id('probe-big'));
		expect(small).toBe(1);
		expect(big).toBe(small);
	});
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const until = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > until) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}
