/** One employee's live wallet, by email or employee id, as one flat item. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { PerksClient } from '../shared/perks/client';
import { PerksApiError } from '../shared/perks/errors';
import { flattenEmployee } from '../shared/perks/flatten';
import { requireString } from '../shared/node/parameters';
import { toNodeError } from '../shared/node/toNodeError';

export async function lookupBalance(
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
