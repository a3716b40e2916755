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
					placeholder: 'alias@email.com or U0123ABCD',
					default: '',
				},
			],
		},
	],
};

export function readManualMappings(context: IExecuteFunctions, itemIndex: number): Map<string, string> {
	const value = context.getNodeParameter('manualMappings', itemIndex, {}) as { mapping?: ManualMapping[] };
	return mappingTable(value.mapping ?? []);
}
