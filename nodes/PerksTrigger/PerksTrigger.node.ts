import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { PERKS_EVENT_TYPES, type PerksEventType } from '../shared/perks/contract';
import { SIGNATURE_HEADER } from '../shared/perks/signature';
import { PERKS_CREDENTIAL, type PerksCredential } from '../shared/perks/transport';
import { eventsInFlight } from '../shared/idempotency/recentKeys';
import { rawBodyOf } from '../shared/node/rawBody';
import { multiOptionSubtitle } from '../shared/node/subtitle';
import {
	admit,
	DEFAULT_MAX_EVENTS_IN_FLIGHT,
	effectiveLimit,
	MAX_EVENTS_IN_FLIGHT_ENV,
	whenAnswered,
} from './admission';
import { handleDelivery } from './receive';
import { registrationMethods, registrations } from './registration';
import {
	cachedSecrets,
	firstReport,
	SECRET_UNREADABLE,
	unlockSecrets,
	type Registration,
} from './webhookSecrets';

const EVENT_OPTIONS: Array<{ name: string; value: PerksEventType; description: string }> = [
	{ name: 'Wallet Funded', value: 'wallet.funded', description: 'Points were added to a wallet' },
	{ name: 'Perk Redeemed', value: 'perk.redeemed', description: 'An employee redeemed a perk' },
	{
		name: 'Low Balance Warning',
		value: 'wallet.low_balance',
		description: 'A wallet fell below its low-balance threshold',
	},
	{
		name: 'New Perk Added',
		value: 'catalog.perk_added',
		description: 'A perk was added to the catalog',
	},
];

/** Every registration's secret with the API key; one it cannot open is logged once per process. */
function openSecrets(
	context: IWebhookFunctions,
	table: Record<string, Registration>,
	apiKey: string,
): string[] {
	const { secrets, unreadable } = unlockSecrets(table, apiKey);
	for (const url of unreadable) {
		if (firstReport(`${url} ${table[url].sealedSecret ?? ''}`))
			context.logger.error(SECRET_UNREADABLE.message, {
				code: SECRET_UNREADABLE.code,
				fix: SECRET_UNREADABLE.fix,
			});
	}
	return secrets;
}

export class PerksTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Perks Trigger',
		name: 'perksTrigger',
		icon: { light: 'file:perks.svg', dark: 'file:perks.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as 1. n8n evaluates an expression on every request to a version-1 trigger
		// (the old Webhook node's binaryData option), which costs an expression isolate per event.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: multiOptionSubtitle('events', EVENT_OPTIONS),
		description: 'Starts the workflow when the perks platform sends an event',
		defaults: { name: 'Perks Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: PERKS_CREDENTIAL, required: true }],
		// n8n answers when the workflow has run: 200 on success, 500 on failure, so the platform
		// redelivers what failed; 503 at once when it could not answer in time (docs/idempotency.md).
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'lastNode',
				responseData: 'noData',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: EVENT_OPTIONS,
				default: [...PERKS_EVENT_TYPES],
				required: true,
				description: 'The perks events that start this workflow',
			},
			{
				displayName: 'Registration',
				name: 'registration',
				type: 'options',
				options: [
					{
						name: 'Automatic',
						value: 'automatic',
						description: "Register this workflow's URL with the perks API when it is published",
					},
					{
						name: 'Manual',
						value: 'manual',
						description:
							'You registered the URL yourself; the credential\'s "Webhook Secret" verifies deliveries',
					},
				],
				default: 'automatic',
				description:
					'Whether n8n registers the webhook with the perks platform, or you did it yourself',
			},
			{
				displayName:
					"Manual: register the production URL above in the perks admin console for the chosen events, and paste the webhook's secret into the credential.",
				name: 'manualNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { registration: ['manual'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Max Events in Flight',
						name: 'maxEventsInFlight',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_MAX_EVENTS_IN_FLIGHT,
						description: `Events this trigger runs at once; more are answered 503 at once, and so are events that could not be answered within the platform's 10 s (busy send queues, slow answers). The platform redelivers them; an event refused before may use up to a quarter more runs in flight on its next delivery, and one refused twice is run then even if its answer comes late. 0 admits every event. ${MAX_EVENTS_IN_FLIGHT_ENV} in n8n's environment caps it.`,
					},
				],
			},
		],
	};

	webhookMethods = { default: registrationMethods };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const rawBody = await rawBodyOf(this);
		const mode = this.getMode();
		// One trigger node in one mode (production, editor test): its own events and its own runs.
		const scope = `${mode}:${this.getWorkflow().id ?? ''}:${this.getNode().id}`;
		const deliver = (secrets: Array<string | undefined>) =>
			handleDelivery({
				rawBody,
				signatureHeader: this.getHeaderData()[SIGNATURE_HEADER],
				secrets: secrets.filter(
					(secret): secret is string => typeof secret === 'string' && secret.length > 0,
				),
				selectedEvents: this.getNodeParameter('events', []) as PerksEventType[],
				dedupeScope: scope,
				inFlight: eventsInFlight,
			});
		// Any of this node's registrations (production, editor test) or a hand-registered webhook.
		// Their secrets come from this process's cache: the credential is read only when one is not
		// opened yet or none matches, since n8n decrypts it and starts an expression isolate per read.
		const table = registrations(this.getWorkflowStaticData('node'));
		const cached = cachedSecrets(Object.values(table));
		let outcome = deliver(cached.secrets);
		const mismatch = outcome.action === 'reject' && outcome.body.reason === 'mismatch';
		if (mismatch) {
			const credential = await this.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
			const secrets = openSecrets(this, table, credential.apiKey);
			outcome = deliver([...secrets, credential.webhookSecret]);
		} else if (!cached.complete) {
			// Decided already (a started delivery holds its in-flight claim): only fill the cache and
			// seal plain text left by older versions; a failure here must not fail the delivery.
			try {
				const { apiKey } = await this.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
				openSecrets(this, table, apiKey);
			} catch (error) {
				this.logger.warn('Perks Trigger could not read its credential to open webhook secrets', {
					message: (error as Error).message,
				});
			}
		}

		const response = this.getResponseObject();
		if (outcome.action !== 'start') {
			response.status(outcome.status).json(outcome.body);
			return { noWebhookResponse: true };
		}
		const options = this.getNodeParameter('options', {}) as { maxEventsInFlight?: number };
		const admission = admit({
			scope,
			eventId: String(outcome.item.eventId),
			limit: effectiveLimit(options.maxEventsInFlight),
			test: mode === 'manual',
		});
		if (!admission.admitted) {
			eventsInFlight.release(outcome.dedupeKey);
			response.setHeader('retry-after', String(admission.retryAfterSeconds));
			response.status(admission.status).json(admission.body);
			return { noWebhookResponse: true };
		}
		// Held until the run's answer is written, or the hold's bound; then a copy may run (and is skipped).
		whenAnswered(
			response,
			(answered) => {
				eventsInFlight.release(outcome.dedupeKey);
				admission.release(answered);
			},
			admission.holdMs,
		);
		return { workflowData: [[{ json: outcome.item }]] };
	}
}
