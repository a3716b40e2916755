/** The employee email and "Manual Mappings" parameters shared by Map User by Email and Send DM. */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { mappingTable, type ManualMapping } from './recipients';

export const employeeEmailProperty: INodeProperties = {
	displayName: 'Email',
	name: 'email',
	type: 'string',
	placeholder: 'name@email.com',
	default: '={{ $json.employeeEmail }}',
	required: true,
	description: "The employee's perks email; compared trimmed and case-insensitively",
};

export const manualMappingsProperty: INodeProperties = {
	displayName: 'Manual Mappings',
	name: 'manualMappings',
	type: 'fixedCollection',
	placeholder: 'Add Mapping',
	typeOptions: { multipleValues: true },
	default: {},
	description:
		'For employees whose chat email differs from their perks email (aliases): these win over the email lookup',
	options: [
		{
			displayName: 'Mapping',
			name: 'mapping',
			values: [
				{
					displayName: 'Perks Email',
					name: 'perksEmail',
					type: 'string',
					placeholder: 'name@email.com',
					default: '',
				},
				{
					displayName: 'Chat Email or User ID',
					name: 'chatUser',
					type: 'string',
					placeholder: 'alias@email.com or a chat user ID',
					default: '',
				},
			],
		},
	],
};

/** One node run's mappings (the run's context is the key), when no item can change them. */
const perRun = new WeakMap<IExecuteFunctions, Map<string, string>>();

/**
 * An expression building thousands of mappings takes seconds to evaluate, so it is read once
 * per node run unless it refers to the current item. Cached here rather than read once by each
 * operation, so item-dependent mappings keep working and no caller changes.
 */
export function readManualMappings(
	context: IExecuteFunctions,
	itemIndex: number,
): Map<string, string> {
	const cached = perRun.get(context);
	if (cached) return cached;
	const value = context.getNodeParameter('manualMappings', itemIndex, {}) as {
		mapping?: ManualMapping[];
	};
	const table = mappingTable(value.mapping ?? []);
	if (!dependsOnItem(context.getNode().parameters.manualMappings)) perRun.set(context, table);
	return table;
}

/** What makes an expression's value differ between items ($json, $item(), $input.item, $('X').item…). */
const ITEM_REFERENCE = /\$(?:json|binary|item|index|parameter|position|node)|\.item(?:Matching)?\b/;

function dependsOnItem(raw: unknown): boolean {
	if (typeof raw === 'string') return raw.startsWith('=') && ITEM_REFERENCE.test(raw);
	if (Array.isArray(raw)) return raw.some(dependsOnItem);
	if (typeof raw === 'object' && raw !== null) return Object.values(raw).some(dependsOnItem);
	return false;
}
