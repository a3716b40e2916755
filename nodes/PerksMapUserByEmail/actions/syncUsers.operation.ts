import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { ChatDirectory, matchAll, summarize } from '../../shared/mapping/directorySync';
import type { Employee } from '../../shared/perks/contract';
import { manualMappingsProperty, readManualMappings } from '../../shared/mapping/properties';
import type { ChatSession } from '../../shared/node/chatNode';
import { perksClientFor } from '../../shared/perks/transport';

const show = { operation: ['syncUsers'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Reads every perks employee and every chat account in bulk and outputs one item per employee (matched, or unmatched with the reason), then a summary item',
		name: 'syncNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{ ...manualMappingsProperty, displayOptions: { show } },
	{
		displayName: 'Output',
		name: 'syncOutput',
		type: 'options',
		options: [
			{ name: 'All Employees and Summary', value: 'all' },
			{ name: 'Unmatched Employees and Summary', value: 'unmatched' },
			{ name: 'Summary Only', value: 'summary' },
		],
		default: 'all',
		displayOptions: { show },
	},
];

/** Runs once per execution, whatever the number of input items. */
export async function executeOnce(
	this: IExecuteFunctions,
	{ platform }: ChatSession,
): Promise<IDataObject[]> {
	const directory = new ChatDirectory();
	for await (const page of platform.listUsers()) directory.add(page);

	const mappings = readManualMappings(this, 0);
	const perks = await perksClientFor(this);
	const employees: Employee[] = [];
	for await (const page of perks.listEmployees()) employees.push(...page);
	const rows = matchAll(employees, directory, mappings);

	const output = this.getNodeParameter('syncOutput', 0, 'all') as 'all' | 'unmatched' | 'summary';
	const listed =
		output === 'all' ? rows : output === 'unmatched' ? rows.filter((row) => !row.matched) : [];
	return [
		...listed.map((row) => ({ ...row, platform: platform.name })),
		{ ...summarize(rows), platform: platform.name },
	];
}
