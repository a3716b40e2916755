import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { chatNodeParts, routeChat } from '../shared/node/chatNode';
import { operationProperty } from '../shared/node/router';
import { optionSubtitle } from '../shared/node/subtitle';
import { PERKS_CREDENTIAL } from '../shared/perks/transport';
import * as mapEmail from './actions/mapEmail.operation';
import * as syncUsers from './actions/syncUsers.operation';

const OPERATIONS = [
	{
		name: 'Map One Email',
		value: 'mapEmail',
		action: 'Map one email to a chat user',
		description: 'Find the chat user of one employee email',
	},
	{
		name: 'Sync Users',
		value: 'syncUsers',
		action: 'Sync the whole employee directory',
		description: 'Match every perks employee and report the unmatched ones',
	},
];

export class PerksMapUserByEmail implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Map User by Email',
		name: 'perksMapUserByEmail',
		icon: { light: 'file:perks-chat.svg', dark: 'file:perks-chat.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: optionSubtitle('operation', OPERATIONS),
		description:
			'Match perks employees to Slack or Microsoft Teams users by email, one at a time or the whole directory',
		defaults: { name: 'Perks Map User by Email' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		...chatNodeParts({
			// "Sync Users" reads the employee directory with the perks credential.
			credentials: [
				{
					name: PERKS_CREDENTIAL,
					required: true,
					displayOptions: { show: { operation: ['syncUsers'] } },
				},
			],
			properties: [
				operationProperty(OPERATIONS, 'mapEmail'),
				...mapEmail.description,
				...syncUsers.description,
			],
		}),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeChat(this, { mapEmail, syncUsers });
	}
}
