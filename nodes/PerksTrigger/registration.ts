/**
 * Webhook registration with the perks platform on activation and removal on deactivation.
 * The webhook id, its events and its signing secret live in the node's static data.
 */
import { NodeOperationError, type IHookFunctions } from 'n8n-workflow';

import type { PerksEventType } from '../shared/perks/contract';
import { perksClientFor, PERKS_CREDENTIAL, type PerksCredential } from '../shared/perks/transport';
import { toNodeError } from '../shared/node/toNodeError';

export interface RegistrationData {
	webhookId?: string;
	webhookSecret?: string;
	webhookEvents?: string[];
}

export function selectedEvents(context: IHookFunctions): PerksEventType[] {
	return context.getNodeParameter('events', []) as PerksEventType[];
}

function isManual(context: IHookFunctions): boolean {
	return context.getNodeParameter('registration', 'automatic') === 'manual';
}

function staticData(context: IHookFunctions): RegistrationData {
	return context.getWorkflowStaticData('node') as RegistrationData;
}

function sameEvents(a: string[] = [], b: string[] = []): boolean {
	return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function clear(data: RegistrationData): void {
	delete data.webhookId;
	delete data.webhookSecret;
	delete data.webhookEvents;
}

export const registrationMethods = {
	async checkExists(this: IHookFunctions): Promise<boolean> {
		if (selectedEvents(this).length === 0) {
			throw new NodeOperationError(this.getNode(), 'Choose at least one event to listen to', {
				description: 'Set "Events" on the Perks Trigger.',
			});
		}
		if (isManual(this)) {
			const credential = await this.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
			if (!credential.webhookSecret) {
				throw new NodeOperationError(this.getNode(), 'Manual registration needs a webhook secret', {
					description:
						'Paste the webhook\'s "whsec_…" secret into the "Webhook Secret" field of the Perks API credential, or switch "Registration" to Automatic.',
				});
			}
			return true; // registered by hand: nothing for n8n to create
		}
		const data = staticData(this);
		const url = this.getNodeWebhookUrl('default');
		try {
			const client = await perksClientFor(this);
			const registered = await client.listWebhooks();
			for (const webhook of registered) {
				if (webhook.url !== url) continue;
				const ours = webhook.id === data.webhookId && !!data.webhookSecret;
				if (ours && sameEvents(webhook.events, selectedEvents(this))) return true;
				// A leftover with an unknown secret, or with other events: replace it.
				await client.deleteWebhook(webhook.id);
			}
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		clear(data);
		return false;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const url = this.getNodeWebhookUrl('default');
		if (!url) throw new NodeOperationError(this.getNode(), 'n8n gave no webhook URL to register');
		try {
			const client = await perksClientFor(this);
			const created = await client.createWebhook(url, selectedEvents(this));
			Object.assign(staticData(this), {
				webhookId: created.id,
				webhookSecret: created.secret,
				webhookEvents: created.events,
			});
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const data = staticData(this);
		if (isManual(this) || !data.webhookId) return true;
		try {
			const client = await perksClientFor(this);
			await client.deleteWebhook(data.webhookId);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		clear(data);
		return true;
	},
};
