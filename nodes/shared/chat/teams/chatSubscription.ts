/**
 * The "Teams Chat" source: 1:1 questions to the service account through Graph change
 * notifications. n8n's webhook methods create the subscription on publish and delete it on
 * unpublish. In n8n 2.41 they do not run again when n8n restarts (the webhook stays registered
 * in its database), so the renewal timer lives in trigger(), which n8n starts on publish and on
 * every start, in the main process, and stops on unpublish.
 */
import type {
	IDataObject,
	IHookFunctions,
	ITriggerFunctions,
	ITriggerResponse,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { RecentKeys } from '../../idempotency/recentKeys';
import { rawBodyOf } from '../../node/rawBody';
import { isExplainedError, toNodeError } from '../../node/toNodeError';
import {
	chatQuestion,
	registrationKey,
	type ChatQuestion,
	type Subscription,
} from '../QuestionSource';
import { parseMessageResource, TeamsChatGraph, subscriptionMinutes } from './chatGraph';
import { htmlToText, parseNotifications, type GraphNotification } from './chatNotifications';
import {
	deriveClientState,
	madeWith,
	recordMadeWith,
	staticData,
	verifyClientState,
	type ChatStaticData,
} from './clientState';
import { graphBaseUrlOf, type GraphCredential } from './graphCredential';
import { n8nGraphTransport, TEAMS_CREDENTIAL_TYPE } from './n8nGraph';
import { keepRenewing, scheduleFor, stopRenewing } from './subscriptionRenewal';

export const TEAMS_CHAT_SOURCE = 'teamsChat' as const;

/** Questions older than this are not answered: past it a redelivery could no longer be told from a new one. */
const STALE_MS = 60 * 60 * 1000;
/** Message ids seen lately, across every Teams Chat trigger in this process (Graph's redeliveries). */
const seenMessages = new RecentKeys(100_000, STALE_MS);
/** The service account's user id per credential: our own replies must never start a run. */
const serviceAccounts = new Map<string, string>();
/** A chat's type never changes; bounded so it cannot grow without end. */
const chatTypes = new Map<string, string>();
const MAX_CHAT_TYPES = 10_000;

/** Until the first renewal after a (re)start: soon, so a subscription that lapsed while n8n was down comes back. */
const FIRST_RENEWAL_MS = 30_000;

type Context = IHookFunctions | IWebhookFunctions | ITriggerFunctions;

const renewalKey = registrationKey;

async function graphFor(context: Context): Promise<TeamsChatGraph> {
	const credential = await context.getCredentials<GraphCredential>(TEAMS_CREDENTIAL_TYPE);
	return new TeamsChatGraph(
		n8nGraphTransport(context, TEAMS_CREDENTIAL_TYPE),
		graphBaseUrlOf(credential),
	);
}

function webhookUrl(context: IHookFunctions | IWebhookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new Error('n8n gave Perks Chat Trigger no webhook URL');
	return url;
}

/** Code and fix only: a Graph failure's message never carries a token. */
function describe(error: unknown): IDataObject {
	if (isExplainedError(error)) return { code: error.code, message: error.message, fix: error.fix };
	return { message: error instanceof Error ? error.message : String(error) };
}

/** n8n's trigger() on publish and on every start (main process only), closed on unpublish. */
async function keepAlive(context: ITriggerFunctions): Promise<ITriggerResponse> {
	const key = renewalKey(context);
	const schedule = scheduleFor(subscriptionMinutes());
	keepRenewing(
		key,
		schedule,
		Math.min(FIRST_RENEWAL_MS, schedule.everyMs),
		async () => await renew(context),
	);
	return { closeFunction: async () => stopRenewing(key) };
}

/** Renews the subscription, or creates it again if it lapsed (n8n down longer than its lifetime). */
async function renew(context: ITriggerFunctions): Promise<boolean> {
	const data = staticData(context);
	const url = data.notificationUrl;
	// Not created yet: publishing runs the webhook methods alongside trigger().
	if (!url || (!data.clientState && !data.clientStateChecks?.[url])) return false;
	try {
		const clientState = await deriveClientState(context);
		if ((await keepSubscribed(await graphFor(context), data, url, clientState)) === 'recreated') {
			context.logger.warn(
				"Perks Chat Trigger made its Teams subscription anew: it was made with another clientState (the Teams credential's client secret changed, or an older version made it)",
				{ code: 'subscription_recreated' },
			);
		}
		return true;
	} catch (error) {
		context.logger.warn(
			'Perks Chat Trigger could not renew its Teams subscription; retrying soon',
			describe(error),
		);
		return false;
	}
}

/**
 * Exactly one subscription for `url` made with `clientState` afterwards: renewed when the record
 * says it was made with it, else made anew (one made with another clientState never verifies).
 */
async function keepSubscribed(
	graph: TeamsChatGraph,
	data: ChatStaticData,
	url: string,
	clientState: string,
): Promise<'renewed' | 'recreated'> {
	if (madeWith(data, url, clientState)) {
		await graph.ensure(url, clientState);
		return 'renewed';
	}
	for (const sub of await graph.find(url)) await graph.remove(sub.id);
	await graph.create(url, clientState);
	recordMadeWith(data, url, clientState);
	return 'recreated';
}

export const teamsChatSubscription: Subscription = {
	async checkExists(context: IHookFunctions): Promise<boolean> {
		try {
			const graph = await graphFor(context);
			const url = webhookUrl(context);
			const live = await graph.find(url);
			const data = staticData(context);
			const clientState = await deriveClientState(context);
			if (!madeWith(data, url, clientState)) {
				// Made with another clientState (client secret changed, older version): never verifiable.
				for (const sub of live) await graph.remove(sub.id);
				return false;
			}
			if (live.length === 0) return false;
			await graph.ensure(url, clientState);
			if (context.getMode() !== 'manual') data.notificationUrl = url;
			return true;
		} catch (error) {
			throw toNodeError(context.getNode(), error);
		}
	},

	async create(context: IHookFunctions): Promise<boolean> {
		const data = staticData(context);
		try {
			const clientState = await deriveClientState(context);
			const graph = await graphFor(context);
			const url = webhookUrl(context);
			await graph.create(url, clientState);
			recordMadeWith(data, url, clientState);
			if (context.getMode() !== 'manual') data.notificationUrl = url;
			return true;
		} catch (error) {
			throw toNodeError(context.getNode(), error);
		}
	},

	async delete(context: IHookFunctions): Promise<boolean> {
		try {
			const graph = await graphFor(context);
			for (const sub of await graph.find(webhookUrl(context))) await graph.remove(sub.id);
			return true;
		} catch (error) {
			context.logger.warn(
				'Perks Chat Trigger could not delete its Teams subscription (it lapses by itself within 3 days)',
				describe(error),
			);
			return false;
		}
	},

	keepAlive,
};

/** A POST from Graph: the validation handshake, change notifications or lifecycle events. */
export async function teamsChatWebhook(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const response = context.getResponseObject();
	const { validationToken } = context.getQueryData() as { validationToken?: unknown };
	if (typeof validationToken === 'string') {
		// An echo of the caller's text: plain text, never sniffed as HTML.
		response.setHeader('content-type', 'text/plain; charset=utf-8');
		response.setHeader('x-content-type-options', 'nosniff');
		response.status(200).send(validationToken);
		return { noWebhookResponse: true };
	}
	const notifications = parseNotifications(await rawBodyOf(context));
	if (!notifications) {
		response.status(400).json({
			error: 'invalid_request',
			message: 'Expected Graph change notifications: {"value": [...]}',
		});
		return { noWebhookResponse: true };
	}
	let check: Awaited<ReturnType<typeof verifyClientState>>;
	try {
		check = await verifyClientState(context, webhookUrl(context), notifications);
	} catch (error) {
		context.logger.warn('Perks Chat Trigger cannot verify Teams notifications', describe(error));
		check = { valid: false, derived: '' };
	}
	if (!check.valid) {
		response.status(401).json({ error: 'invalid_client_state' });
		return { noWebhookResponse: true };
	}
	// Graph wants an answer within 3 s: acknowledge before any Graph call.
	response.status(202).end();
	const questions: ChatQuestion[] = [];
	let graph: TeamsChatGraph;
	try {
		graph = await graphFor(context);
	} catch (error) {
		context.logger.warn('Perks Chat Trigger has no usable Teams credential', describe(error));
		return { noWebhookResponse: true };
	}
	for (const notification of notifications) {
		try {
			if (notification.lifecycleEvent) {
				await onLifecycleEvent(context, graph, notification, check.derived);
				continue;
			}
			const question = await questionFrom(context, graph, notification);
			if (question) questions.push(question);
		} catch (error) {
			// Already acknowledged: Graph will not send it again, so say what went wrong in n8n's log.
			context.logger.warn(
				'Perks Chat Trigger could not handle a Teams notification',
				describe(error),
			);
		}
	}
	if (questions.length === 0) return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [questions.map((json) => ({ json }))] };
}

async function onLifecycleEvent(
	context: IWebhookFunctions,
	graph: TeamsChatGraph,
	notification: GraphNotification,
	clientState: string,
): Promise<void> {
	switch (notification.lifecycleEvent) {
		// Renewing with a fresh token (n8n refreshes it) reauthorizes; a removed one is created again.
		case 'reauthorizationRequired':
		case 'subscriptionRemoved':
			await keepSubscribed(graph, staticData(context), webhookUrl(context), clientState);
			return;
		default:
			context.logger.warn(
				`Microsoft Graph reported "${String(notification.lifecycleEvent)}" for Perks Chat Trigger's subscription: questions sent meanwhile got no answer, so people may need to ask again`,
			);
	}
}

async function questionFrom(
	context: IWebhookFunctions,
	graph: TeamsChatGraph,
	notification: GraphNotification,
): Promise<ChatQuestion | undefined> {
	const where =
		notification.changeType === 'created'
			? parseMessageResource(notification.resource ?? '')
			: undefined;
	if (!where) return undefined;
	const scope = `${context.getMode()}:${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
	if (!seenMessages.claim(`${scope}:${where.chatId}/${where.messageId}`)) return undefined;
	const message = await graph.message(notification.resource as string);
	const author = message.from?.user?.id;
	// System messages (joins, renames), apps and bots, and our own replies never start a run: no loops.
	if ((message.messageType ?? 'message') !== 'message' || !author || message.from?.application)
		return undefined;
	if (author === (await serviceAccountId(context, graph))) return undefined;
	const created = Date.parse(message.createdDateTime ?? '');
	if (Number.isFinite(created) && Date.now() - created > STALE_MS) return undefined;
	// Only a 1:1 chat keeps the answer private: in a group chat everyone would see the balance.
	if ((await chatType(graph, where.chatId)) !== 'oneOnOne') return undefined;
	const text = htmlToText(message.body?.content ?? '');
	return chatQuestion('teams', TEAMS_CHAT_SOURCE, {
		askerId: author,
		askerName: message.from?.user?.displayName ?? null,
		text,
		channelId: where.chatId,
	});
}

async function serviceAccountId(
	context: IWebhookFunctions,
	graph: TeamsChatGraph,
): Promise<string> {
	const key = context.getNode().credentials?.[TEAMS_CREDENTIAL_TYPE]?.id ?? renewalKey(context);
	let id = serviceAccounts.get(key);
	if (!id) {
		id = await graph.serviceAccountId();
		serviceAccounts.set(key, id);
	}
	return id;
}

async function chatType(graph: TeamsChatGraph, chatId: string): Promise<string | undefined> {
	const known = chatTypes.get(chatId);
	if (known) return known;
	const type = await graph.chatType(chatId);
	if (chatTypes.size >= MAX_CHAT_TYPES) chatTypes.clear();
	if (type) chatTypes.set(chatId, type);
	return type;
}
