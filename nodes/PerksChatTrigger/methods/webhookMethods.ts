/** n8n's webhook lifecycle, for sources with a subscription; the others have nothing to register (the admin pastes the URL). */
import type { IHookFunctions } from 'n8n-workflow';

import { chosenSource } from '../actions/receive.operation';

const subscriptionOf = (context: IHookFunctions) => chosenSource(context).source.subscription;

export const webhookMethods = {
	default: {
		async checkExists(this: IHookFunctions): Promise<boolean> {
			return (await subscriptionOf(this)?.checkExists(this)) ?? true;
		},
		async create(this: IHookFunctions): Promise<boolean> {
			return (await subscriptionOf(this)?.create(this)) ?? true;
		},
		async delete(this: IHookFunctions): Promise<boolean> {
			return (await subscriptionOf(this)?.delete(this)) ?? true;
		},
	},
};
