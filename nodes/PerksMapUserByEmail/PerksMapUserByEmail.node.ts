import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeCredentialDescription,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { optionSubtitle } from '../shared/node/subtitle';
import {
	chatPlatformFor,
	platformCredentials,
	platformProperties,
	runChatOperation,
} from '../shared/chat/platformFor';
import { PERKS_CREDENTIAL } from '../shared/perks/transport';
import { runOnce } from '../shared/node/runPerItem';
import * as mapEmail from './actions/mapEmail.operation';
import * as syncUsers from './actions/syncUsers.operation';

/** The chat credential, plus the perks one that "Sync Users" reads the employee directory with. */
const CREDENTIALS: INodeCredentialDescription[] = [
	...platformCredentials,
	{
		name: PERKS_CREDENTIAL,
		required: true,
		displayOptions: { show: { operation: ['syncUsers'] } },
	},
];

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
	// The subtitle is built from OPERATIONS (one name per choice); the rule only recognizes a literal.
	// eslint-disable-next-line n8n-nodes-base/node-class-description-missing-subtitle
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
		credentials: CREDENTIALS,
		properties: [
			...platformProperties,
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: OPERATIONS,
				default: 'mapEmail',
			},
			...mapEmail.description,
			...syncUsers.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getNodeParameter('operation', 0) === 'syncUsers') {
			const platform = await chatPlatformFor(this);
			return [
				await runOnce(this, async function () {
					return await syncUsers.execute.call(this, platform);
				}),
			];
		}
		return await runChatOperation(this, mapEmail.execute);
	}
}
