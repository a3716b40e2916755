/**
 * Webhook registration with the perks platform on activation and removal on deactivation.
 * Each registration (webhook id, events, sealed signing secret) is kept in the node's static
 * data under the URL it was registered for, so the editor's test URL ("Listen for test event")
 * and the production URL never overwrite or delete each other.
 */
import { NodeOperationError, type IDataObject, type IHookFunctions } from 'n8n-workflow';

import type { PerksEventType } from '../shared/perks/contract';
import { perksClientFor, PERKS_CREDENTIAL, type PerksCredential } from '../shared/perks/transport';
import { toNodeError } from '../shared/node/toNodeError';
import { SECRET_UNREADABLE, sealSecret, unlockSecrets, type Registration } from './webhookSecrets';

export type { Registration };

interface TriggerStaticData extends IDataObject {
	registrations?: Record<string, Registration>;
}

/** Read-only: a delivery creates no table (that would change static data on every request). */
export function registrations(staticData: IDataObject): Record<string, Registration> {
	return (staticData as TriggerStaticData).registrations ?? {};
}

function selectedEvents(context: IHookFunctions): PerksEventType[] {
	return context.getNodeParameter('events', []) as PerksEventType[];
}

function isManual(context: IHookFunctions): boolean {
	return context.getNodeParameter('registration', 'automatic') === 'manual';
}

function registrationTable(context: IHookFunctions): Record<string, Registration> {
	const data = context.getWorkflowStaticData('node') as TriggerStaticData;
	data.registrations ??= {};
	return data.registrations;
}

function webhookUrl(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n gave no webhook URL to register');
	return url;
}

function sameEvents(a: string[], b: string[]): boolean {
	return a.length === b.length && [...a].sort().join() === [...b].sort().join();
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
		const url = webhookUrl(this);
		const table = registrationTable(this);
		let known: Registration | undefined = table[url];
		try {
			if (known) {
				// Seals a plain-text secret of an older version; one the API key cannot open is registered anew.
				const { apiKey } = await this.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
				if (unlockSecrets({ [url]: known }, apiKey).unreadable.length > 0) {
					this.logger.warn(`${SECRET_UNREADABLE.message}: registering it again`, {
						code: SECRET_UNREADABLE.code,
					});
					known = undefined;
				}
			}
			const client = await perksClientFor(this);
			for (const webhook of await client.listWebhooks()) {
				if (webhook.url !== url) continue;
				if (webhook.id === known?.webhookId && sameEvents(webhook.events, selectedEvents(this)))
					return true;
				// A leftover whose secret we do not hold, or one with other events: replace it.
				await client.deleteWebhook(webhook.id);
			}
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		delete table[url];
		return false;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const url = webhookUrl(this);
		try {
			const { apiKey } = await this.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
			const client = await perksClientFor(this);
			const created = await client.createWebhook(url, selectedEvents(this));
			registrationTable(this)[url] = {
				webhookId: created.id,
				sealedSecret: sealSecret(apiKey, created.id, created.secret),
				webhookEvents: created.events,
			};
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		if (isManual(this)) return true;
		const url = webhookUrl(this);
		const table = registrationTable(this);
		const known = table[url];
		if (!known) return true;
		try {
			const client = await perksClientFor(this);
			await client.deleteWebhook(known.webhookId);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		delete table[url];
		return true;
	},
};
