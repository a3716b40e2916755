/**
 * The perks platform contract (docs/perks-api.md) as zod schemas: the one place that knows
 * the shape of the API objects and the webhook events. Every schema is `passthrough`, because
 * the contract says unknown extra fields must be kept, not rejected.
 */
import { z } from 'zod';

export const PERKS_EVENT_TYPES = [
	'wallet.funded',
	'perk.redeemed',
	'wallet.low_balance',
	'catalog.perk_added',
] as const;

export type PerksEventType = (typeof PERKS_EVENT_TYPES)[number];

export function isPerksEventType(value: unknown): value is PerksEventType {
	return typeof value === 'string' && (PERKS_EVENT_TYPES as readonly string[]).includes(value);
}

const points = z.number().finite();

export const employeeSchema = z
	.object({
		id: z.string().min(1),
		email: z.string().email(),
		name: z.string(),
		locale: z.string().min(1),
		active: z.boolean(),
	})
	.passthrough();

export const walletSchema = z
	.object({
		employee_id: z.string().min(1),
		balance: points,
		currency: z.string().min(1),
		low_balance_threshold: points,
		updated_at: z.string().datetime({ offset: true }),
	})
	.passthrough();

export const perkSchema = z
	.object({
		id: z.string().min(1),
		name: z.string().min(1),
		description: z.string(),
		cost: points,
		currency: z.string().min(1),
		category: z.string(),
		url: z.string().url().optional(),
		image_url: z.string().url().optional(),
	})
	.passthrough();

export type Employee = z.infer<typeof employeeSchema>;
export type Wallet = z.infer<typeof walletSchema>;
export type Perk = z.infer<typeof perkSchema>;

export const eventDataSchemas = {
	'wallet.funded': z
		.object({
			employee: employeeSchema,
			amount: points,
			balance: points,
			currency: z.string().min(1),
			period: z.string().min(1),
		})
		.passthrough(),
	'perk.redeemed': z
		.object({
			employee: employeeSchema,
			perk: perkSchema,
			redemption_id: z.string().min(1),
			balance: points,
			currency: z.string().min(1),
		})
		.passthrough(),
	'wallet.low_balance': z
		.object({
			employee: employeeSchema,
			balance: points,
			threshold: points,
			currency: z.string().min(1),
		})
		.passthrough(),
	'catalog.perk_added': z.object({ perk: perkSchema }).passthrough(),
} satisfies Record<PerksEventType, z.ZodTypeAny>;

export type PerksEventData = { [T in PerksEventType]: z.infer<(typeof eventDataSchemas)[T]> };

/** The envelope, checked before the type is known (an unknown type is acknowledged, not rejected). */
export const envelopeSchema = z
	.object({
		id: z.string().min(1),
		type: z.string().min(1),
		created_at: z.string().datetime({ offset: true }),
		data: z.record(z.unknown()),
	})
	.passthrough();

export type PerksEvent<T extends PerksEventType = PerksEventType> = {
	[K in T]: {
		id: string;
		type: K;
		created_at: string;
		data: PerksEventData[K];
		[extra: string]: unknown;
	};
}[T];

export type ParsedEvent =
	| { kind: 'event'; event: PerksEvent }
	| { kind: 'unknown_type'; id: string; type: string }
	| { kind: 'invalid'; path: string; message: string };

/** Validates a webhook body; `path` names the first failing field, as `data.employee.email`. */
export function parsePerksEvent(body: unknown): ParsedEvent {
	const envelope = envelopeSchema.safeParse(body);
	if (!envelope.success) return invalid(envelope.error, []);
	const { type } = envelope.data;
	if (!isPerksEventType(type)) return { kind: 'unknown_type', id: envelope.data.id, type };
	const data = eventDataSchemas[type].safeParse(envelope.data.data);
	if (!data.success) return invalid(data.error, ['data']);
	return { kind: 'event', event: { ...envelope.data, type, data: data.data } as PerksEvent };
}

function invalid(error: z.ZodError, prefix: Array<string | number>): ParsedEvent {
	const issue = error.issues[0];
	const path = [...prefix, ...issue.path].join('.') || '(body)';
	return { kind: 'invalid', path, message: issue.message };
}

/** API error body: `{"error": {"code", "message"}}`. */
export const apiErrorBodySchema = z.object({
	error: z.object({ code: z.string(), message: z.string() }).passthrough(),
});

export const webhookSchema = z
	.object({ id: z.string(), url: z.string(), events: z.array(z.string()) })
	.passthrough();
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string().min(1) });

export const accountResponseSchema = z.object({
	account: z.object({ id: z.string(), name: z.string() }).passthrough(),
});
export const employeeResponseSchema = z.object({ employee: employeeSchema });
export const walletResponseSchema = z.object({ wallet: walletSchema });
export const webhookListSchema = z.object({ data: z.array(webhookSchema) });

export function pageSchema<T extends z.ZodTypeAny>(item: T) {
	return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

/** Page size bounds of the list endpoints. */
export const MAX_PAGE_SIZE = 500;
