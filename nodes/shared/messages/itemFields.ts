/**
 * Reads the flat fields a default message needs from an input item (the Perks Trigger's output,
 * or any item with the same field names) and fails with the field's name instead of letting
 * "undefined" or "NaN" reach a chat.
 */
import { MessageBuildError } from './errors';

export function fieldFix(field: string, eventType: string): string {
	return (
		`The default "${eventType}" message needs the field "${field}" on the input item. ` +
		"This node expects the Perks Trigger's output (or items with the same field names, " +
		`e.g. {{ $json.${field} }}): add "${field}" with an Edit Fields (Set) node before this one, ` +
		'or switch to a custom message.'
	);
}

export class ItemFields {
	constructor(
		private readonly item: Record<string, unknown>,
		private readonly eventType: string,
	) {}

	/** Trimmed text; undefined when absent or blank. */
	text(field: string): string | undefined {
		const value = this.item[field];
		if (value === undefined || value === null) return undefined;
		if (typeof value === 'number' || typeof value === 'boolean') return String(value);
		if (typeof value !== 'string') throw this.invalid(field, 'text', value);
		const trimmed = value.trim();
		return trimmed === '' ? undefined : trimmed;
	}

	requireText(field: string): string {
		return this.text(field) ?? this.missing(field);
	}

	/** A finite number, also from numeric text ("100"), since other nodes often send strings. */
	number(field: string): number | undefined {
		const value = this.item[field];
		if (
			value === undefined ||
			value === null ||
			(typeof value === 'string' && value.trim() === '')
		) {
			return undefined;
		}
		const parsed =
			typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
		if (!Number.isFinite(parsed)) throw this.invalid(field, 'number', value);
		return parsed;
	}

	requireNumber(field: string): number {
		return this.number(field) ?? this.missing(field);
	}

	private missing(field: string): never {
		throw new MessageBuildError(
			'missing_field',
			field,
			`The input item has no "${field}" field, which the default "${this.eventType}" message needs`,
			fieldFix(field, this.eventType),
		);
	}

	private invalid(field: string, expected: 'text' | 'number', value: unknown): MessageBuildError {
		const shown =
			typeof value === 'string'
				? `"${value.slice(0, 40)}"`
				: Array.isArray(value)
					? 'a list'
					: typeof value;
		return new MessageBuildError(
			'missing_field',
			field,
			`The field "${field}" must be a ${expected} for the default "${this.eventType}" message, but it is ${shown}`,
			fieldFix(field, this.eventType),
		);
	}
}
