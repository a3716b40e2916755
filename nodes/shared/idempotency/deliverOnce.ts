/**
 * One message, at most once per key and recipient, and never silently lost: claim in the ledger,
 * look for a tagged earlier attempt when the last one may have reached the platform, send with
 * the tag, then record the outcome. The platform's redeliveries (or n8n's retries) do the rest.
 */
import { sleep as n8nSleep } from 'n8n-workflow';

import type { PostedMessage } from '../chat/ChatPlatform';
import { isExplainedError } from '../explainedError';
import { DeliveryLedger, deliveryId } from './deliveryLedger';
import { ledgerDatabase } from './ledgerDatabase';

/** 1 delivery + the 8 redeliveries the perks platform makes (docs/perks-api.md). */
export const PLATFORM_ATTEMPTS = 9;
/** How long a copy waits for another attempt at the same message before answering "in progress". */
// Short: a waiting copy holds an n8n worker slot, and in a burst of copies long waits pile up.
const IN_PROGRESS_WAIT_MS = 1_500;
const IN_PROGRESS_POLL_MS = 250;

export interface Delivery {
	/** Scope and key: workflow id, node id, idempotency key, resolved recipient id. */
	parts: string[];
	/** Human-readable, for errors and reports: the idempotency key and the recipient. */
	key: string;
	recipient: string;
	/** Sends the message carrying `tag`, so a later attempt can find it. */
	send(tag: string): Promise<PostedMessage>;
	/** The message an earlier attempt posted with `tag` since `sinceMs`, if any. */
	findSent(tag: string, sinceMs: number): Promise<PostedMessage | undefined>;
}

export type DeliveryOutcome =
	| { sent: true; message: PostedMessage; attempt: number }
	| { sent: false; skipped: 'already_sent'; messageId: string | null; foundEarlierAttempt?: true };

export interface DeliveryContext {
	key: string;
	recipient: string;
	attempt: number;
	/** The platform will not redeliver after this attempt: the failure needs a person. */
	final: boolean;
}

/** A failed send, with the fix of its cause and which event and person it was for. */
export class DeliveryError extends Error {
	readonly code: string;
	readonly fix: string;
	readonly httpStatus?: number;

	constructor(
		readonly cause: unknown,
		readonly delivery: DeliveryContext,
	) {
		const base = cause instanceof Error ? cause.message : String(cause);
		const tail = delivery.final ? '; the platform will not redeliver it' : '';
		super(
			`${base} (delivery ${delivery.key} → ${delivery.recipient}, attempt ${delivery.attempt}${tail})`,
		);
		this.name = 'DeliveryError';
		this.code = isExplainedError(cause) ? cause.code : 'send_failed';
		this.fix = isExplainedError(cause)
			? cause.fix
			: 'See the message for the cause; the platform redelivers the event.';
		this.httpStatus = isExplainedError(cause) ? cause.httpStatus : undefined;
	}
}

export class DeliveryInProgressError extends Error {
	readonly code = 'delivery_in_progress';
	readonly fix =
		"Another execution is sending this message right now. Nothing to do: the event is answered non-2xx, and the platform's redelivery finds it sent.";

	constructor(key: string, recipient: string) {
		super(`Another execution is sending ${key} → ${recipient} right now`);
		this.name = 'DeliveryInProgressError';
	}
}

export interface DeliverOptions {
	ledger?: DeliveryLedger;
	sleep?: (ms: number) => Promise<void>;
	inProgressWaitMs?: number;
}

export async function deliverOnce(
	delivery: Delivery,
	options: DeliverOptions = {},
): Promise<DeliveryOutcome> {
	const ledger = options.ledger ?? new DeliveryLedger(ledgerDatabase());
	const sleep = options.sleep ?? n8nSleep;
	const id = deliveryId(delivery.parts);
	const label = `${delivery.key} → ${delivery.recipient}`;

	let claim = await ledger.claim(id, label);
	const waitUntil = Date.now() + (options.inProgressWaitMs ?? IN_PROGRESS_WAIT_MS);
	while (claim.kind === 'in_progress' && Date.now() < waitUntil) {
		await sleep(IN_PROGRESS_POLL_MS);
		claim = await ledger.claim(id, label);
	}
	if (claim.kind === 'sent')
		return { sent: false, skipped: 'already_sent', messageId: claim.messageId };
	if (claim.kind === 'in_progress')
		throw new DeliveryInProgressError(delivery.key, delivery.recipient);

	const tag = id.slice(0, 32);
	const stopRenewing = keepRenewed(ledger, id, claim.token);
	try {
		if (claim.lookFirst) {
			const earlier = await delivery.findSent(tag, claim.firstClaimedAt);
			if (earlier) {
				await ledger.markSent(id, claim.token, earlier.messageId);
				return {
					sent: false,
					skipped: 'already_sent',
					messageId: earlier.messageId,
					foundEarlierAttempt: true,
				};
			}
		}
		const message = await delivery.send(tag);
		await ledger.markSent(id, claim.token, message.messageId).catch(() => {
			// The message is out; an unrecorded success is found by its tag when the lease runs out.
		});
		return { sent: true, message, attempt: claim.attempt };
	} catch (error) {
		await ledger.markFailed(id, claim.token, mayHaveReachedPlatform(error)).catch(() => {
			// Still `sending`: after the lease, the next attempt looks for the tag before posting.
		});
		throw new DeliveryError(error, {
			key: delivery.key,
			recipient: delivery.recipient,
			attempt: claim.attempt,
			final: claim.attempt >= PLATFORM_ATTEMPTS,
		});
	} finally {
		stopRenewing();
	}
}

/** Errors say when the platform may have acted anyway (timeouts, resets, 5xx); unknown ones may have. */
function mayHaveReachedPlatform(error: unknown): boolean {
	const flag = (error as { ambiguous?: unknown })?.ambiguous;
	return typeof flag === 'boolean' ? flag : true;
}

/**
 * Renews the claim until stopped; a failed renewal only leaves the lease as it was. n8n's sleep
 * cannot be cancelled, so the loop checks a flag (it ends within one period after the send).
 */
function keepRenewed(ledger: DeliveryLedger, id: string, token: string): () => void {
	let stopped = false;
	void (async () => {
		for (;;) {
			await n8nSleep(ledger.renewEveryMs);
			if (stopped) return;
			await ledger.renew(id, token).catch(() => undefined);
		}
	})();
	return () => {
		stopped = true;
	};
}
