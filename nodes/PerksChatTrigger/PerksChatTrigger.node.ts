import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { PLATFORMS } from '../shared/chat/platforms';
import { optionSubtitle } from '../shared/node/subtitle';
import * as receive from './actions/receive.operation';
import { credentialTest } from './methods/credentialTest';
import { handOverTestItems, trigger } from './methods/trigger';
import { webhookMethods } from './methods/webhookMethods';

/** "A, B or C": the platforms with question sources, from the registry. */
const askedOn = () => {
	const names = PLATFORMS.filter((p) => p.questionSources?.length).map((p) => p.displayName);
	return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
};

export class PerksChatTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Chat Trigger',
		name: 'perksChatTrigger',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as 1; n8n evaluates an expression per request only for version 1 (see PerksTrigger).
		version: [1, 2],
		defaultVersion: 2,
		subtitle: optionSubtitle('source', receive.sourceOptions()),
		description: `Starts the workflow when someone asks the perks bot a question in ${askedOn()}`,
		defaults: { name: 'Perks Chat Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: receive.sourceCredentials(),
		// Sources with a deadline acknowledge at once themselves; the others' answer is the HTTP
		// response, so n8n sends the last node's item (Perks Chat Reply's).
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'lastNode',
				responseData: 'firstEntryJson',
				path: 'webhook',
			},
		],
		properties: receive.description(),
	};

	webhookMethods = webhookMethods;

	methods = { credentialTest: credentialTest() };

	/** Keeps a source's subscription alive while published; emits test items in the editor. */
	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await trigger.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const result = await receive.execute.call(this);
		handOverTestItems(this, result);
		return result;
	}
}
