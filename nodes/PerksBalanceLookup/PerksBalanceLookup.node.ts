import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { perksClientFor, PERKS_CREDENTIAL } from '../shared/perks/transport';
import { runPerItem } from '../shared/node/runPerItem';
import { lookupBalance } from './lookupBalance';

export class PerksBalanceLookup implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Balance Lookup',
		name: 'perksBalanceLookup',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ "by " + $parameter["lookUpBy"] }}',
		description:
			'Get an employee\'s live perks wallet: balance (points), currency, low-balance threshold and whether the balance is low. Use it to answer questions such as "how many points do I have?"',
		defaults: { name: 'Perks Balance Lookup' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: PERKS_CREDENTIAL, required: true }],
		properties: [
			{
				displayName: 'Look Up By',
				name: 'lookUpBy',
				type: 'options',
				options: [
					{ name: 'Email', value: 'email', description: "The employee's work email" },
					{
						name: 'Employee ID',
						value: 'employeeId',
						description: 'The perks employee ID (emp_…)',
					},
				],
				default: 'email',
			},
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				required: true,
				description: 'Work email of the employee whose balance to get',
				displayOptions: { show: { lookUpBy: ['email'] } },
			},
			{
				displayName: 'Employee ID',
				name: 'employeeId',
				type: 'string',
				placeholder: 'emp_123',
				default: '',
				required: true,
				description: 'Perks employee ID whose balance to get',
				displayOptions: { show: { lookUpBy: ['employeeId'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Continue on Not Found',
						name: 'continueOnNotFound',
						type: 'boolean',
						default: false,
						description:
							'Whether an unknown employee gives an item with "found": false instead of an error',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const client = await perksClientFor(this);
		return [
			await runPerItem(this, async function (itemIndex) {
				return await lookupBalance.call(this, itemIndex, client);
			}),
		];
	}
}
