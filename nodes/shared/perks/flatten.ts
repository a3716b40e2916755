/**
 * The trigger's output item: the event's fields flattened to template-friendly names
 * (`{{ $json.employeeEmail }}`, `{{ $json.perkName }}`), plus the original event untouched.
 */
import type { IDataObject } from 'n8n-workflow';

import { isWebUrl } from '../messages/markdown';
import type { Employee, Perk, PerksEvent } from './contract';

export interface FlatPerksEvent extends IDataObject {
	eventId: string;
	eventType: string;
	eventCreatedAt: string;
	event: IDataObject;
}

export function flattenEvent(event: PerksEvent): FlatPerksEvent {
	const flat: FlatPerksEvent = {
		eventId: event.id,
		eventType: event.type,
		eventCreatedAt: event.created_at,
		event: event as unknown as IDataObject,
	};
	const data = event.data as Partial<{
		employee: Employee;
		perk: Perk;
		amount: number;
		balance: number;
		currency: string;
		period: string;
		threshold: number;
		redemption_id: string;
	}>;
	if (data.employee) Object.assign(flat, flattenEmployee(data.employee));
	if (data.perk) Object.assign(flat, flattenPerk(data.perk));
	assignDefined(flat, {
		amount: data.amount,
		balance: data.balance,
		currency: data.currency ?? data.perk?.currency,
		period: data.period,
		threshold: data.threshold,
		redemptionId: data.redemption_id,
	});
	return flat;
}

export function flattenEmployee(employee: Employee): IDataObject {
	return {
		employeeId: employee.id,
		employeeEmail: employee.email,
		employeeName: employee.name,
		employeeLocale: employee.locale,
		employeeActive: employee.active,
	};
}

/** Optional fields that are null, empty or not absolute web URLs are left out, as if absent. */
function flattenPerk(perk: Perk): IDataObject {
	const flat: IDataObject = {
		perkId: perk.id,
		perkName: perk.name,
		perkCost: perk.cost,
		perkCategory: perk.category,
	};
	assignDefined(flat, {
		perkDescription:
			typeof perk.description === 'string' && perk.description.trim()
				? perk.description
				: undefined,
		perkUrl: webUrl(perk.url),
		perkImageUrl: webUrl(perk.image_url),
	});
	return flat;
}

function webUrl(value: unknown): string | undefined {
	return typeof value === 'string' && isWebUrl(value.trim()) ? value.trim() : undefined;
}

function assignDefined(target: IDataObject, values: IDataObject): void {
	for (const [key, value] of Object.entries(values)) if (value !== undefined) target[key] = value;
}
