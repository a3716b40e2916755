/**
 * What the Perks Trigger does with one delivery, free of n8n: signature and timestamp first
 * (nothing else is read from an unsigned body), then the body, then type filtering, then the
 * in-flight guard (a copy of an event still being handled is answered 409, so it comes again).
 * The node only turns the outcome into an HTTP answer.
 */
import type { IDataObject } from 'n8n-workflow';

import { parsePerksEvent, type PerksEventType } from '../shared/perks/contract';
import { decodeEventBody, InvalidUtf8Error } from '../shared/perks/decode';
import { flattenEvent, type FlatPerksEvent } from '../shared/perks/flatten';
import { verifySignature } from '../shared/perks/signature';
import type { RecentKeys } from '../shared/idempotency/recentKeys';

export interface Delivery {
	rawBody: Buffer | undefined;
	signatureHeader: string | string[] | undefined;
	/** Every secret that may have signed it: the registered webhook's, the credential's. */
	secrets: string[];
	selectedEvents: PerksEventType[];
	/** Scopes event ids to one trigger node and mode (production, editor test). */
	dedupeScope: string;
	inFlight: RecentKeys;
	nowSeconds?: number;
}

export type DeliveryOutcome =
	| { action: 'reject'; status: 400 | 401 | 409; body: IDataObject }
	| { action: 'acknowledge'; status: 200; body: IDataObject }
	| { action: 'start'; status: 200; body: IDataObject; item: FlatPerksEvent; dedupeKey: string };

export function handleDelivery(delivery: Delivery): DeliveryOutcome {
	const { rawBody } = delivery;
	const signature = verifySignature({
		header: delivery.signatureHeader,
		rawBody: rawBody ?? Buffer.alloc(0),
		secrets: delivery.secrets,
		nowSeconds: delivery.nowSeconds,
	});
	if (!rawBody || !signature.valid) {
		const reason = signature.valid ? 'missing' : signature.reason;
		return { action: 'reject', status: 401, body: { error: 'invalid_signature', reason } };
	}

	let body: unknown;
	try {
		body = decodeEventBody(rawBody);
	} catch (error) {
		if (error instanceof InvalidUtf8Error) {
			const { field, message, fix } = error;
			return {
				action: 'reject',
				status: 400,
				body: { error: 'invalid_utf8', field, message, fix },
			};
		}
		return reject400('(body)', (error as Error).message);
	}
	const parsed = parsePerksEvent(body);
	if (parsed.kind === 'invalid') return reject400(parsed.path, parsed.message);
	if (parsed.kind === 'unknown_type') return acknowledge(parsed.id, 'unknown_event_type');

	const { event } = parsed;
	if (!delivery.selectedEvents.includes(event.type))
		return acknowledge(event.id, 'event_not_selected');

	const dedupeKey = `${delivery.dedupeScope}:${event.id}`;
	if (!delivery.inFlight.claim(dedupeKey)) {
		return { action: 'reject', status: 409, body: { error: 'in_progress', id: event.id } };
	}

	return {
		action: 'start',
		status: 200,
		body: { received: true, id: event.id },
		item: flattenEvent(event),
		dedupeKey,
	};
}

const INVALID_EVENT_FIX =
	'The perks platform sent an event its contract (docs/perks-api.md) refuses: correct this field on the platform; this delivery is not retried.';

function reject400(field: string, message: string): DeliveryOutcome {
	return {
		action: 'reject',
		status: 400,
		body: {
			error: 'invalid_event',
			field,
			message: `${field}: ${message}`,
			fix: INVALID_EVENT_FIX,
		},
	};
}

function acknowledge(id: string, ignored: string): DeliveryOutcome {
	return { action: 'acknowledge', status: 200, body: { received: true, id, ignored } };
}
