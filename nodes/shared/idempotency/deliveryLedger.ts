/**
 * The durable half of "never send twice": before a message goes out, its key (event id +
 * recipient) is claimed in n8n's deduplication store, the one the Remove Duplicates node uses,
 * which n8n keeps in its database, so a redelivery after a restart is still recognised. A send
 * that fails gives the key back, so a later redelivery can still deliver it: nothing is lost.
 * See docs/idempotency.md for how this pairs with the trigger's in-process guard.
 */
import type { ICheckProcessedOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

const LEDGER_OPTIONS: ICheckProcessedOptions = { mode: 'entries', maxEntries: 100_000 };

export type DeliveryResult<T> = { delivered: true; result: T } | { delivered: false };

export async function deliverOnce<T>(
	context: IExecuteFunctions,
	key: string | undefined,
	send: () => Promise<T>,
): Promise<DeliveryResult<T>> {
	if (!key) return { delivered: true, result: await send() };
	const { processed } = await context.helpers.checkProcessedAndRecord([key], 'node', LEDGER_OPTIONS);
	if (processed.length > 0) return { delivered: false };
	try {
		return { delivered: true, result: await send() };
	} catch (error) {
		await context.helpers.removeProcessed([key], 'node', LEDGER_OPTIONS);
		throw error;
	}
}

const idempotencyKeyOption: INodeProperties = {
	displayName: 'Idempotency Key',
	name: 'idempotencyKey',
	type: 'string',
	default: '={{ $json.eventId }}',
	description:
		"A message whose key this node already delivered to the same recipient is skipped, also after a restart. Defaults to the Perks Trigger's event ID; empty turns this off.",
};

/** The "Options" collection of the sending nodes. */
export const deliveryOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [idempotencyKeyOption],
};

/** The option's value, or, when the option was never added, the item's event id (on by default). */
export function readIdempotencyKey(context: IExecuteFunctions, itemIndex: number): string {
	const options = context.getNodeParameter('options', itemIndex, {}) as { idempotencyKey?: unknown };
	const value = 'idempotencyKey' in options ? options.idempotencyKey : context.getInputData()[itemIndex].json.eventId;
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}
