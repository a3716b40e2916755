/** One employee's live wallet, by email or employee id, as one flat item. */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireString } from '../../shared/node/parameters';
import { toNodeError } from '../../shared/node/toNodeError';
import type { PerksClient } from '../../shared/perks/client';
import { PerksApiError } from '../../shared/perks/errors';
import { flattenEmployee } from '../../shared/perks/flatten';

export const description: INodeProperties[] = [
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
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	client: PerksClient,
): Promise<IDataObject> {
	const lookUpBy = this.getNodeParameter('lookUpBy', itemIndex) as 'email' | 'employeeId';
	const continueOnNotFound = this.getNodeParameter('options.continueOnNotFound', itemIndex, false);
	const key =
		lookUpBy === 'email'
			? requireString(this, 'email', itemIndex, 'Email')
			: requireString(this, 'employeeId', itemIndex, 'Employee ID');

	try {
		const employee = lookUpBy === 'email' ? await client.lookupEmployee(key) : undefined;
		const wallet = await client.getWallet(employee?.id ?? key);
		return {
			found: true,
			...(employee ? flattenEmployee(employee) : { employeeId: wallet.employee_id }),
			balance: wallet.balance,
			currency: wallet.currency,
			lowBalanceThreshold: wallet.low_balance_threshold,
			isLow: wallet.balance < wallet.low_balance_threshold,
			updatedAt: wallet.updated_at,
		};
	} catch (error) {
		if (
			continueOnNotFound &&
			error instanceof PerksApiError &&
			error.code === 'employee_not_found'
		) {
			return { found: false, [lookUpBy]: key, reason: error.fix };
		}
		throw toNodeError(this.getNode(), error, itemIndex);
	}
}
