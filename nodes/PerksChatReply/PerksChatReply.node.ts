import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { operationProperty } from '../shared/node/router';
import { optionSubtitle } from '../shared/node/subtitle';
import { chatNodeParts, routeChatWithPerks } from '../shared/node/chatNode';
import { manualMappingsProperty } from '../shared/mapping/properties';
import { PERKS_CREDENTIAL } from '../shared/perks/transport';
import * as answer from './actions/answer.operation';
import * as findAsker from './actions/findAsker.operation';

const OPERATIONS = [
	{
		name: 'Answer the Question',
		value: 'answer',
		action: 'Answer the question',
		description: "The asker's own live balance, or help, in their language",
	},
	{
		name: 'Find the Asker',
		value: 'findAsker',
		action: 'Find the perks email of the asker',
		description:
			"Adds askerEmail (the asker's perks email, or null) and askerMapped to the question, e.g. for an AI Agent's Balance Lookup tool",
	},
];

// Not a tool: it answers a Perks Chat Trigger's signed question; an AI agent uses Balance Lookup's tool.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class PerksChatReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Chat Reply',
		name: 'perksChatReply',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: optionSubtitle('operation', OPERATIONS),
		description:
			"Answers a Perks Chat Trigger's question with the asker's own live balance, or help, in their language (privately, or in the thread the question was asked in), or finds the asker's perks email",
		defaults: { name: 'Perks Chat Reply' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		...chatNodeParts({
			credentialsFirst: [{ name: PERKS_CREDENTIAL, required: true }],
			properties: [
				operationProperty(OPERATIONS, 'answer'),
				{
					...manualMappingsProperty,
					description:
						'For people whose chat email differs from their perks email: the asker whose chat email or user ID is listed gets the balance of the perks email next to it',
				},
			],
		}),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeChatWithPerks(this, { answer, findAsker });
	}
}
