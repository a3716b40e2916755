import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { chatNodeParts, routeChat } from '../shared/node/chatNode';
import * as postToChannel from './actions/postToChannel.operation';
import { searchChannels, searchTeams } from './methods/listSearch';

export class PerksPostToChannel implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Post to Channel',
		name: 'perksPostToChannel',
		icon: { light: 'file:perks-chat.svg', dark: 'file:perks-chat.dark.svg' },
		group: ['output'],
		version: 1,
		// $parameter hands out a resource locator's value, already a string.
		subtitle: '={{ "to " + $parameter["channel"] }}',
		description:
			'Announce perks news and celebrate redemptions in a Slack or Microsoft Teams channel',
		defaults: { name: 'Perks Post to Channel' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		...chatNodeParts({ properties: postToChannel.description }),
	};

	methods = { listSearch: { searchChannels, searchTeams } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeChat(this, { postToChannel });
	}
}
