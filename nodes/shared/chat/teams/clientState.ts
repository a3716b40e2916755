/**
 * The clientState of Perks Chat Trigger's Graph subscriptions. We choose it, so it is derived,
 * never stored: an HMAC keyed with the Teams credential's OAuth2 client secret over the
 * workflow and node ids. Static data keeps only a one-way check of it per notification URL,
 * which tells whether a subscription was made with the current client secret.
 */
import { createHash } from 'node:crypto';

import type {
	IDataObject,
	IHookFunctions,
	ITriggerFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { deriveKey, secretCache } from '../../node/secrets';
import { registrationKey } from '../QuestionSource';
import { clientStateMatches, type GraphNotification } from './chatNotifications';
import { TEAMS_CREDENTIAL_TYPE } from './n8nGraph';

type Context = IHookFunctions | IWebhookFunctions | ITriggerFunctions;

export interface ChatStaticData extends IDataObject {
	/** Older versions kept the clientState here in plain text: dropped once subscriptions use the derived one. */
	clientState?: string;
	/** Per notification URL: a one-way check of the clientState its subscription was made with. */
	clientStateChecks?: Record<string, string>;
	/** The URL the subscription was made for: trigger() cannot ask n8n for it. */
	notificationUrl?: string;
}

export class ClientStateError extends Error {
	readonly code = 'client_secret_missing';
	readonly fix =
		'Open the Perks Microsoft Teams OAuth2 API credential and fill in "Client Secret" (the app registration\'s secret): Perks Chat Trigger derives its subscription secret from it.';
	constructor() {
		super('The Teams credential has no client secret to derive the subscription clientState from');
		this.name = 'ClientStateError';
	}
}

/** After a mismatch, the credential is read again at most this often (forged requests cost no reads). */
const REREAD_MS = 60_000;

const derived = secretCache<{ clientState: string; readAt: number }>();

export const staticData = (context: Context) =>
	context.getWorkflowStaticData('node') as ChatStaticData;

const registrationId = registrationKey;
const cacheKey = (context: Context) =>
	`${context.getNode().credentials?.[TEAMS_CREDENTIAL_TYPE]?.id ?? ''}:${registrationId(context)}`;

export function clientStateCheck(clientState: string): string {
	return createHash('sha256').update(`check\0${clientState}`).digest('base64url').slice(0, 22);
}

/** The clientState from the credential (a read), remembered for the hot path. */
export async function deriveClientState(context: Context): Promise<string> {
	const { clientSecret } = await context.getCredentials<{ clientSecret?: string }>(
		TEAMS_CREDENTIAL_TYPE,
	);
	if (typeof clientSecret !== 'string' || clientSecret.length === 0) throw new ClientStateError();
	const clientState = deriveKey(
		clientSecret,
		'teams-client-state',
		registrationId(context),
	).toString('base64url');
	derived.set(cacheKey(context), { clientState, readAt: Date.now() });
	return clientState;
}

/** Whether this URL's subscription was made with `clientState` (and no plain-text one is left). */
export function madeWith(data: ChatStaticData, url: string, clientState: string): boolean {
	return !data.clientState && data.clientStateChecks?.[url] === clientStateCheck(clientState);
}

/** Records that this URL's subscription now uses `clientState`; drops an older version's plain text. */
export function recordMadeWith(data: ChatStaticData, url: string, clientState: string): void {
	data.clientStateChecks = { ...data.clientStateChecks, [url]: clientStateCheck(clientState) };
	delete data.clientState;
}

/**
 * Whether every notification carries a clientState of ours: the derived one (from this process's
 * cache; the credential is read when the cache is empty, or after a mismatch at most once a
 * minute, since the client secret may have changed), or an older version's plain-text one.
 * `derived` is the current clientState, for any subscription made from here on.
 */
export async function verifyClientState(
	context: IWebhookFunctions,
	url: string,
	notifications: GraphNotification[],
): Promise<{ valid: boolean; derived: string }> {
	const data = staticData(context);
	let entry = derived.get(cacheKey(context));
	if (
		!entry ||
		(!clientStateMatches(entry.clientState, notifications) && Date.now() - entry.readAt > REREAD_MS)
	) {
		entry = { clientState: await deriveClientState(context), readAt: Date.now() };
	}
	const current = entry.clientState;
	if (clientStateMatches(current, notifications)) {
		// The subscription uses the derived clientState: the record says so, any plain text goes.
		if (!madeWith(data, url, current)) recordMadeWith(data, url, current);
		return { valid: true, derived: current };
	}
	return { valid: clientStateMatches(data.clientState, notifications), derived: current };
}
