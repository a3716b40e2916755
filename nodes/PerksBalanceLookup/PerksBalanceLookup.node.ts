import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { route } from '../shared/node/router';
import { perksClientFor, PERKS_CREDENTIAL } from '../shared/perks/transport';
import * as lookupBalance from './actions/lookupBalance.operation';

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
		properties: lookupBalance.description,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this, perksClientFor, { lookupBalance });
	}
}
