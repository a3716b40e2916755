/**
 * n8n runs trigger() on publish and on every start (main process only) and closes it on
 * unpublish: a source with a subscription keeps it alive there. In the editor's test runs n8n
 * calls it instead of passing the webhook's items on, so there it emits those items.
 */
import type {
	INodeExecutionData,
	ITriggerFunctions,
	ITriggerResponse,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { registrationKey } from '../../shared/chat/QuestionSource';
import { chosenSource } from '../actions/receive.operation';

/** The webhook's items of an editor test request, for that test run's trigger() to emit. */
const testItems = new Map<string, INodeExecutionData[][]>();

/** Every webhook() calls this: in the editor's test mode its items go to trigger(). */
export function handOverTestItems(context: IWebhookFunctions, result: IWebhookResponseData): void {
	if (context.getMode() === 'manual' && result.workflowData) {
		testItems.set(registrationKey(context), result.workflowData);
	}
}

export async function trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
	const key = registrationKey(this);
	if (this.getMode() === 'manual') {
		return {
			manualTriggerFunction: async () => {
				const items = testItems.get(key) ?? [[]];
				testItems.delete(key);
				this.emit(items);
			},
		};
	}
	return (await chosenSource(this).source.subscription?.keepAlive(this)) ?? {};
}
