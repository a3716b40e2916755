/** The sending nodes' "Options" collection and how its idempotency key is read. */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

const idempotencyKeyOption: INodeProperties = {
	displayName: 'Idempotency Key',
	name: 'idempotencyKey',
	type: 'string',
	default: '={{ $json.eventId }}',
	description:
		"A message whose key this node already delivered to the same recipient is skipped, also after a restart and across n8n processes. Defaults to the Perks Trigger's event ID; empty turns this off.",
};

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
	const options = context.getNodeParameter('options', itemIndex, {}) as {
		idempotencyKey?: unknown;
	};
	const value =
		'idempotencyKey' in options
			? options.idempotencyKey
			: context.getInputData()[itemIndex].json.eventId;
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/** The ledger's scope for this node: the same key in two nodes or workflows is two deliveries. */
export function deliveryScope(context: IExecuteFunctions): string[] {
	return [context.getWorkflow().id ?? '', context.getNode().id];
}
