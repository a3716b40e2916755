/**
 * Where chat questions come from, as a platform folder declares them (PlatformEntry.questionSources):
 * which credential verifies a request, how a request becomes a neutral ChatQuestion, and how the
 * answer goes back. Perks Chat Trigger and Perks Chat Reply know only this file.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	ITriggerFunctions,
	ITriggerResponse,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import type { RecentKeys } from '../idempotency/recentKeys';
import type { Locale } from '../messages/i18n';
import type { ChatPlatform } from './ChatPlatform';
import { parseQuestion, type ChatIntent } from './intent';

/** The Perks Chat Trigger's output item: the same fields whatever the platform. */
export interface ChatQuestion extends IDataObject {
	platform: string;
	source: string;
	/** The asker's user id on the platform (the id its ChatPlatform.getUser takes). */
	askerId: string;
	askerName: string | null;
	text: string;
	intent: ChatIntent;
	/** The question's language, or null when its words do not tell (the asker's perks locale is used). */
	language: Locale | null;
	/** Where a private answer goes, for sources that answer through a URL; else null. */
	responseUrl: string | null;
	channelId: string | null;
}

export interface QuestionFields {
	askerId: string;
	askerName: string | null;
	text: string;
	responseUrl?: string | null;
	channelId: string | null;
}

export function chatQuestion(
	platform: string,
	source: string,
	fields: QuestionFields,
): ChatQuestion {
	const { intent, language } = parseQuestion(fields.text);
	return {
		platform,
		source,
		askerId: fields.askerId,
		askerName: fields.askerName,
		text: fields.text,
		intent,
		language: language ?? null,
		responseUrl: fields.responseUrl ?? null,
		channelId: fields.channelId,
	};
}

/** One signed HTTP request to the trigger, free of n8n. */
export interface SignedRequest {
	rawBody: Buffer;
	headers: Record<string, string | string[] | undefined>;
	/** What the source's credential verifies with (`SignedReceiver.secretOf`). */
	secret: string;
	/** Scopes request ids to one trigger node and mode. */
	scope: string;
	seen: RecentKeys;
	nowSeconds?: number;
}

export type ChatOutcome =
	| {
			action: 'respond';
			status: number;
			body: IDataObject | string;
			/** The secret refused the request: one read a moment ago may be stale, so read it again. */
			secretRefused?: true;
	  }
	/** `ack` is answered at once; without it n8n answers with the last node's item (Chat Reply's). */
	| { action: 'start'; question: ChatQuestion; ack?: IDataObject | string };

export const ignored = (reason: string): ChatOutcome => ({
	action: 'respond',
	status: 200,
	body: { ignored: reason },
});

export const badRequest = (message: string): ChatOutcome => ({
	action: 'respond',
	status: 400,
	body: { error: 'invalid_request', message },
});

/** A source whose every request is signed with a secret its credential holds: verified, then parsed. */
export interface SignedReceiver {
	kind: 'signed';
	/** The secret in the credential (trimmed); an empty one must refuse every request. */
	secretOf(credential: ICredentialDataDecryptedObject): string;
	/** The signature first (nothing is read from an unsigned body), then the question or an answer. */
	handle(request: SignedRequest): ChatOutcome;
}

/** A source that answers its requests itself (a subscription's notifications, a handshake of its own). */
export interface WebhookReceiver {
	kind: 'webhook';
	webhook(context: IWebhookFunctions): Promise<IWebhookResponseData>;
}

/** A subscription the trigger makes on publish, keeps alive while published and removes on unpublish. */
export interface Subscription {
	checkExists(context: IHookFunctions): Promise<boolean>;
	create(context: IHookFunctions): Promise<boolean>;
	delete(context: IHookFunctions): Promise<boolean>;
	/** n8n's trigger() outside the editor's test runs: renewals until the returned close. */
	keepAlive(context: ITriggerFunctions): Promise<ITriggerResponse>;
}

/** The question fields Perks Chat Reply reads, checked. */
export interface QuestionItem {
	platform: string;
	source: string;
	askerId: string;
	intent: ChatIntent;
	language: string | null;
	responseUrl: string | null;
	/** A "Show my balance" click: whom the button was for (null when the button is not genuine). */
	button?: { for: string | null };
}

/** An answer to a "Show my balance" click by the message's recipient: it replaces the message, button kept. */
export interface InPlaceAnswer {
	/** The button's label, in the answer's language. */
	buttonLabel: string;
}

/**
 * Delivers the answer's text (in place of the clicked message when `inPlace` is given and the
 * route can); returns the item Perks Chat Reply outputs instead of its summary, if any.
 */
export type AnswerSender = (
	text: string,
	inPlace?: InPlaceAnswer,
) => Promise<IDataObject | undefined>;

/** How an answer goes back; without one it is a direct message to the asker. */
export interface AnswerRoute {
	/** Why the item cannot be answered this way (a field it needs is missing), or undefined. */
	check?(item: IDataObject): string | undefined;
	/** Runs before anything is read (a refused destination costs no perks call); `item` is the trigger's item as given. */
	prepare(
		context: IExecuteFunctions,
		platform: ChatPlatform,
		question: QuestionItem,
		item: IDataObject,
	): Promise<AnswerSender>;
}

export interface QuestionSource {
	/** The trigger's "Source" option value, and the question item's `source`. */
	value: string;
	/** The option's label and description. */
	name: string;
	description: string;
	/** The credential type the trigger uses for this source. */
	credential: string;
	/** The credential's offline "Test", when it has one. */
	credentialTest?: { name: string; test: ICredentialTestFunction };
	/** A notice shown under "Source"; sources sharing a notice name share one notice. */
	notice?: { name: string; text: string };
	receive: SignedReceiver | WebhookReceiver;
	subscription?: Subscription;
	answer?: AnswerRoute;
}

/** One published trigger node: the key for its per-node state. */
export const registrationKey = (context: IHookFunctions | IWebhookFunctions | ITriggerFunctions) =>
	`${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
