/** deliverOnce on the real ledger and SQLite: waiting copies, found earlier attempts, wrapped errors. */
import type { PostedMessage } from '../../../nodes/shared/chat/ChatPlatform';
import { DeliveryLedger, deliveryId } from '../../../nodes/shared/idempotency/deliveryLedger';
import {
	DeliveryError,
	DeliveryInProgressError,
	PLATFORM_ATTEMPTS,
	deliverOnce,
	type Delivery,
} from '../../../nodes/shared/idempotency/deliverOnce';
import {
	sqliteLedgerDatabase,
	type TestLedgerDatabase,
} from '../../../harness/inProcess/sqliteLedger';

const LEASE_MS = 60_000;
let db: TestLedgerDatabase;
let clock: number;
let ledger: DeliveryLedger;
let seq = 0;

beforeEach(() => {
	db = sqliteLedgerDatabase({ maxJitterMs: 3 });
	clock = Date.now();
	ledger = new DeliveryLedger(db, { leaseMs: LEASE_MS, now: () => clock });
});
afterEach(() => db.close());

/** A recipient's conversation: what `send` posted (with its tag), what `findSent` reads back. */
function conversation(sendImpl?: (tag: string) => Promise<PostedMessage>) {
	const posted: Array<{ tag: string; messageId: string }> = [];
	const calls = { send: 0, findSent: 0 };
	const key = `evt_${++seq}`;
	const delivery: Delivery = {
		parts: ['wf', 'node', key, 'U1'],
		key,
		recipient: 'ada@example.com',
		send: async (tag) => {
			calls.send++;
			if (sendImpl) return await sendImpl(tag);
			const message = { channelId: 'D1', messageId: `ts-${posted.length + 1}` };
			posted.push({ tag, messageId: message.messageId });
			return message;
		},
		findSent: async (tag) => {
			calls.findSent++;
			const hit = posted.find((p) => p.tag === tag);
			return hit ? { channelId: 'D1', messageId: hit.messageId } : undefined;
		},
	};
	return { delivery, posted, calls, id: deliveryId(delivery.parts) };
}

const explained = (ambiguous: boolean) =>
	Object.assign(new Error('Slack chat.postMessage failed with HTTP 503'), {
		code: 'service_unavailable',
		fix: 'Slack is having trouble; the event comes again.',
		httpStatus: 503,
		ambiguous,
	});

describe('deliverOnce', () => {
	it('sends once, and a redelivery is skipped as already sent', async () => {
		const c = conversation();
		const first = await deliverOnce(c.delivery, { ledger });
		const second = await deliverOnce(c.delivery, { ledger });
		expect(first).toMatchObject({ sent: true, attempt: 1, message: { messageId: 'ts-1' } });
		expect(second).toEqual({ sent: false, skipped: 'already_sent', messageId: 'ts-1' });
		expect(c.posted).toHaveLength(1);
	});

	it('a copy that finds the message in progress waits, then throws delivery_in_progress without sending', async () => {
		const c = conversation();
		await ledger.claim(c.id, 'held elsewhere');
		const started = Date.now();
		const error = await deliverOnce(c.delivery, { ledger, inProgressWaitMs: 400 }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(DeliveryInProgressError);
		expect(error).toMatchObject({ code: 'delivery_in_progress', fix: expect.any(String) });
		expect(Date.now() - started).toBeGreaterThanOrEqual(400);
		expect(c.calls).toEqual({ send: 0, findSent: 0 });
	});

	it('a sender that waits longer than the lease (a rate-limit queue) keeps its claim: a copy does not take it over', async () => {
		// Real time here: the renewal runs on a timer.
		const shortLease = new DeliveryLedger(db, { leaseMs: 300 });
		const c = conversation(async (tag) => {
			await new Promise((resolve) => setTimeout(resolve, 1_000));
			c.posted.push({ tag, messageId: 'ts-slow' });
			return { channelId: 'D1', messageId: 'ts-slow' };
		});
		const slow = deliverOnce(c.delivery, { ledger: shortLease });
		await new Promise((resolve) => setTimeout(resolve, 600));
		const copy = await deliverOnce(c.delivery, { ledger: shortLease, inProgressWaitMs: 0 }).catch(
			(e: unknown) => e,
		);
		expect(copy).toBeInstanceOf(DeliveryInProgressError);
		expect(await slow).toMatchObject({ sent: true });
		expect(c.posted).toHaveLength(1);
		expect(c.calls.findSent).toBe(0);
	});

	it('a waiting copy answers already_sent when the holder finishes meanwhile', async () => {
		const c = conversation();
		const held = await ledger.claim(c.id, 'held elsewhere');
		if (held.kind !== 'claimed') throw new Error('not claimed');
		setTimeout(() => void ledger.markSent(c.id, held.token, 'ts-other'), 300);
		const outcome = await deliverOnce(c.delivery, { ledger, inProgressWaitMs: 3000 });
		expect(outcome).toEqual({ sent: false, skipped: 'already_sent', messageId: 'ts-other' });
		expect(c.calls.send).toBe(0);
	});

	it('after an ambiguous failure, a message the platform did post is found and marked sent, not sent again', async () => {
		let lost = true;
		const c = conversation();
		const post = c.delivery.send;
		c.delivery.send = async (tag) => {
			const message = await post(tag);
			if (lost) {
				lost = false;
				throw Object.assign(new Error('socket hang up'), { ambiguous: true }); // posted, answer lost
			}
			return message;
		};
		await expect(deliverOnce(c.delivery, { ledger })).rejects.toBeInstanceOf(DeliveryError);
		const retry = await deliverOnce(c.delivery, { ledger });
		expect(retry).toEqual({
			sent: false,
			skipped: 'already_sent',
			messageId: 'ts-1',
			foundEarlierAttempt: true,
		});
		expect(c.posted).toHaveLength(1);
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({
			skipped: 'already_sent',
			messageId: 'ts-1',
		});
	});

	it('a failure known not to have reached the platform sends again without looking', async () => {
		let failures = 1;
		const c = conversation();
		const post = c.delivery.send;
		c.delivery.send = async (tag) => {
			if (failures-- > 0) throw explained(false);
			return await post(tag);
		};
		await expect(deliverOnce(c.delivery, { ledger })).rejects.toBeInstanceOf(DeliveryError);
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({ sent: true, attempt: 2 });
		expect(c.calls.findSent).toBe(0);
	});

	it('an unexplained error counts as possibly delivered: the next attempt looks first', async () => {
		let failures = 1;
		const c = conversation();
		const post = c.delivery.send;
		c.delivery.send = async (tag) => {
			if (failures-- > 0) throw new Error('something odd');
			return await post(tag);
		};
		const error = (await deliverOnce(c.delivery, { ledger }).catch(
			(e: unknown) => e,
		)) as DeliveryError;
		expect(error.code).toBe('send_failed');
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({ sent: true, attempt: 2 });
		expect(c.calls.findSent).toBe(1);
	});

	it(`wraps failures with key, recipient and attempt; final from attempt ${PLATFORM_ATTEMPTS}`, async () => {
		const c = conversation(async () => {
			throw explained(false);
		});
		const errors: DeliveryError[] = [];
		for (let attempt = 1; attempt <= PLATFORM_ATTEMPTS + 1; attempt++) {
			errors.push(
				(await deliverOnce(c.delivery, { ledger }).catch((e: unknown) => e)) as DeliveryError,
			);
		}
		expect(errors.every((e) => e instanceof DeliveryError)).toBe(true);
		expect(errors.map((e) => e.delivery.attempt)).toEqual(
			Array.from({ length: PLATFORM_ATTEMPTS + 1 }, (_, i) => i + 1),
		);
		expect(errors.map((e) => e.delivery.final)).toEqual([
			...Array(PLATFORM_ATTEMPTS - 1).fill(false),
			true,
			true,
		]);
		expect(errors[0]).toMatchObject({
			code: 'service_unavailable',
			fix: 'Slack is having trouble; the event comes again.',
			httpStatus: 503,
			delivery: { key: c.delivery.key, recipient: 'ada@example.com', attempt: 1, final: false },
		});
		expect(errors[0].message).toContain(`${c.delivery.key} → ada@example.com, attempt 1`);
		expect(errors[PLATFORM_ATTEMPTS - 1].message).toMatch(/will not redeliver/);
		expect(errors[0].message).not.toMatch(/will not redeliver/);
	});

	it('SQLITE_BUSY while recording a failure: never "already sent"; after the lease it looks, then sends', async () => {
		let failures = 1;
		const c = conversation();
		const post = c.delivery.send;
		c.delivery.send = async (tag) => {
			if (failures-- > 0) throw explained(false);
			return await post(tag);
		};
		db.failNext(/SET state = 'failed'/);
		// The send's own error is reported, not the ledger's.
		await expect(deliverOnce(c.delivery, { ledger })).rejects.toMatchObject({
			code: 'service_unavailable',
		});
		await expect(deliverOnce(c.delivery, { ledger, inProgressWaitMs: 0 })).rejects.toBeInstanceOf(
			DeliveryInProgressError,
		);
		clock += LEASE_MS + 1;
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({ sent: true, attempt: 2 });
		expect(c.calls.findSent).toBe(1);
		expect(c.posted).toHaveLength(1);
	});

	it('SQLITE_BUSY while recording a success: the message is out; the next attempt finds it instead of posting', async () => {
		const c = conversation();
		db.failNext(/SET state = 'sent'/);
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({ sent: true });
		clock += LEASE_MS + 1;
		expect(await deliverOnce(c.delivery, { ledger })).toMatchObject({
			skipped: 'already_sent',
			foundEarlierAttempt: true,
		});
		expect(c.posted).toHaveLength(1);
	});

	it('concurrent copies of one delivery post once', async () => {
		const c = conversation(async (tag) => {
			await new Promise((resolve) => setTimeout(resolve, 50));
			c.posted.push({ tag, messageId: 'ts-1' });
			return { channelId: 'D1', messageId: 'ts-1' };
		});
		const outcomes = await Promise.all(
			Array.from({ length: 20 }, () => deliverOnce(c.delivery, { ledger })),
		);
		expect(outcomes.filter((o) => o.sent)).toHaveLength(1);
		expect(outcomes.filter((o) => !o.sent && o.skipped === 'already_sent')).toHaveLength(19);
		expect(c.posted).toHaveLength(1);
	});
});
