import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeCredentialDescription,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { platformCredentials, platformProperties, runChatOperation } from '../shared/chat/platformFor';
import { manualMappingsProperty } from '../shared/mapping/properties';
import { perksClientFor, PERKS_CREDENTIAL } from '../shared/perks/transport';
import { answerQuestion } from './answer';

const CREDENTIALS: INodeCredentialDescription[] = [{ name: PERKS_CREDENTIAL, required: true }, ...platformCredentials];

// Not a tool: it answers a Perks Chat Trigger's signed question; an AI agent uses Balance Lookup's tool.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class PerksChatReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Chat Reply',
		name: 'perksChatReply',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: 'Answer the asker',
		description:
			"Answers a Perks Chat Trigger's question with the asker's own live balance, or help, in their language: privately in Slack, in the thread for a Teams outgoing webhook",
		defaults: { name: 'Perks Chat Reply' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: CREDENTIALS,
		properties: [
			...platformProperties,
			{
				...manualMappingsProperty,
				description:
					'For people whose chat email differs from their perks email: the asker whose chat email or user ID is listed gets the balance of the perks email next to it',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const perks = await perksClientFor(this);
		return await runChatOperation(this, async function (itemIndex, platform) {
			return await answerQuestion.call(this, itemIndex, platform, perks);
		});
	}
}
