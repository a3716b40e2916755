import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { chatNodeParts, routeChat } from '../shared/node/chatNode';
import * as sendDm from './actions/sendDm.operation';
import { searchUsers } from './methods/listSearch';

export class PerksSendDm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Send DM',
		name: 'perksSendDm',
		icon: { light: 'file:perks-chat.svg', dark: 'file:perks-chat.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ "to " + ($parameter["recipientBy"] === "email" ? "email" : "user ID") }}',
		description: 'Send an employee a direct message about their perks in Slack or Microsoft Teams',
		defaults: { name: 'Perks Send DM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		...chatNodeParts({ properties: sendDm.description }),
	};

	methods = { listSearch: { searchUsers } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeChat(this, { sendDm });
	}
}
