/**
 * The perks platform contract (docs/perks-api.md) as zod schemas: the one place that knows
 * the shape of the API objects and the webhook events. Every schema is `passthrough`, because
 * the contract says unknown extra fields must be kept, not rejected.
 */
import { z } from 'zod';

import { isInexactNumberText } from './exactNumbers';

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

/** About 1.8e308: beyond it no message can show an amount, nor compare it with another. */
const TOO_LARGE = 'Number too large: beyond ±1.8e308 no message can show it';

/**
 * Points in a webhook event: a JSON number, or the exact text of one no double holds (decode.ts
 * keeps those as strings, never rounded). Only what no message can show is refused.
 */
const eventPoints = z
	.custom<number | string>(() => true)
	.superRefine((value, context) => {
		const exactText = typeof value === 'string' && isInexactNumberText(value);
		if (typeof value !== 'number' && !exactText) {
			const received = value === null ? 'null' : typeof value;
			context.addIssue({
				code: z.ZodIssueCode.invalid_type,
				expected: 'number',
				received: received as z.ZodParsedType,
			});
		} else if (!Number.isFinite(Number(value))) {
			context.addIssue({ code: z.ZodIssueCode.custom, message: TOO_LARGE });
		}
	});

/** RFC 5321's limit; also bounds what error messages could echo. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * Trimmed; Unicode local parts and IDN domains (Unicode or punycode) are fine. The value stays
 * as sent: matching normalizes it (mapping/recipients.ts).
 */
function emailProblem(value: string): string | undefined {
	const email = value.trim();
	if (email.length > MAX_EMAIL_LENGTH) {
		return `Invalid email: ${email.length} characters, at most ${MAX_EMAIL_LENGTH} are allowed`;
	}
	const at = email.lastIndexOf('@');
	const local = email.slice(0, at);
	const domain = email.slice(at + 1);
	const valid =
		at > 0 &&
		/^[^\s@<>()[\]\\,;:"\p{Cc}]+$/u.test(local) &&
		/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(asciiDomain(domain));
	return valid ? undefined : 'Invalid email';
}

/** An IDN domain in punycode, lower case ('' if it is no domain): how emails compare. */
export function asciiDomain(domain: string): string {
	if (/[\s/?#:@[\]\\%]/u.test(domain)) return '';
	try {
		return new URL(`http://${domain}`).hostname;
	} catch {
		return '';
	}
}

const email = z.string().superRefine((value, context) => {
	const problem = emailProblem(value);
	if (problem) context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const RFC3339 =
	/^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)$/;

/** RFC 3339 and its common ISO 8601 cousins: `+02`, `+0200`, fractions, a space for `T`, a leap second. */
function isDateTime(value: string): boolean {
	const match = RFC3339.exec(value.trim());
	if (!match) return false;
	const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match
		.slice(1)
		.map((part) => Number(part ?? 0));
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return (
		month >= 1 &&
		month <= 12 &&
		day >= 1 &&
		day <= daysInMonth &&
		hour <= 23 &&
		minute <= 59 &&
		second <= 60 &&
		offsetHours <= 23 &&
		offsetMinutes <= 59
	);
}

const dateTime = z
	.string()
	.refine(isDateTime, 'Invalid datetime: expected RFC 3339, as 2026-11-01T08:00:00Z');

/** An optional field the platform may send as null, empty or a relative URL: kept, never refused. */
const optional = z.unknown().optional();

export const employeeSchema = z
	.object({
		id: z.string().min(1),
		email,
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
		updated_at: dateTime,
	})
	.passthrough();

export const perkSchema = z
	.object({
		id: z.string().min(1),
		name: z.string().min(1),
		description: optional,
		cost: points,
		currency: z.string().min(1),
		category: z.string(),
		url: optional,
		image_url: optional,
	})
	.passthrough();

/** A perk as an event carries it: its cost may be exact text (eventPoints). */
const eventPerkSchema = perkSchema.extend({ cost: eventPoints });

export type Employee = z.infer<typeof employeeSchema>;
export type Wallet = z.infer<typeof walletSchema>;
export type Perk = z.infer<typeof perkSchema>;

export const eventDataSchemas = {
	'wallet.funded': z
		.object({
			employee: employeeSchema,
			amount: eventPoints,
			balance: eventPoints,
			currency: z.string().min(1),
			period: z.string().min(1),
		})
		.passthrough(),
	'perk.redeemed': z
		.object({
			employee: employeeSchema,
			perk: eventPerkSchema,
			redemption_id: z.string().min(1),
			balance: eventPoints,
			currency: z.string().min(1),
		})
		.passthrough(),
	'wallet.low_balance': z
		.object({
			employee: employeeSchema,
			balance: eventPoints,
			threshold: eventPoints,
			currency: z.string().min(1),
		})
		.passthrough(),
	'catalog.perk_added': z.object({ perk: eventPerkSchema }).passthrough(),
} satisfies Record<PerksEventType, z.ZodTypeAny>;

export type PerksEventData = { [T in PerksEventType]: z.infer<(typeof eventDataSchemas)[T]> };

/** The envelope, checked before the type is known (an unknown type is acknowledged, not rejected). */
export const envelopeSchema = z
	.object({
		id: z.string().min(1),
		type: z.string().min(1),
		created_at: dateTime,
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
