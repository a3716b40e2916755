/**
 * What Teams sends the bot's messaging endpoint, on top of the Bot Connector emulator: the 1:1
 * conversation or channel thread a question is asked in (opened through the emulator's own
 * /v3/conversations, so replies to it are accepted), the activity, and its signed POST.
 */
import { randomUUID } from 'node:crypto';

import { bindRecipient } from '../nodes/shared/chat/recipientBinding';
import type { BotConnectorEmulator, InboundTokenOptions } from './botConnector';
import { BOT_CONNECTOR_SCOPE } from './botConnector';
import type { GraphEmulator } from './graphApi';

async function connectorToken(bot: BotConnectorEmulator): Promise<string> {
	const response = await fetch(`${bot.loginBaseUrl}/${bot.tenantId}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: bot.appId,
			client_secret: bot.clientSecret,
			scope: BOT_CONNECTOR_SCOPE,
		}).toString(),
	});
	return ((await response.json()) as { access_token: string }).access_token;
}

async function createConversation(bot: BotConnectorEmulator, body: Record<string, unknown>) {
	const response = await fetch(`${bot.serviceUrl}v3/conversations`, {
		method: 'POST',
		headers: {
			authorization: `Bearer ${await connectorToken(bot)}`,
			'content-type': 'application/json',
		},
		body: JSON.stringify({ bot: { id: `28:${bot.appId}` }, tenantId: bot.tenantId, ...body }),
	});
	if (response.status !== 201) throw new Error(`conversation: HTTP ${response.status}`);
	return (await response.json()) as { id: string; activityId?: string };
}

/** The person's 1:1 chat with the bot (the app installed for them first, as adding it does). */
export async function personalChat(
	bot: BotConnectorEmulator,
	graph: GraphEmulator,
	userId: string,
): Promise<string> {
	if (!graph.botInstalledForUser(userId, bot.appId))
		graph.installAppForUser(userId, bot.catalogApp!.id);
	return (await createConversation(bot, { isGroup: false, members: [{ id: userId }] })).id;
}

/** A channel thread whose first message is the @mention (the app added to the team first). */
export async function channelThread(
	bot: BotConnectorEmulator,
	graph: GraphEmulator,
	teamId: string,
	channelId: string,
): Promise<{ conversationId: string; activityId: string }> {
	if (!graph.botInstalledInTeam(teamId, bot.appId))
		graph.installAppInTeam(teamId, bot.catalogApp!.id);
	const created = await createConversation(bot, {
		isGroup: true,
		channelData: { channel: { id: channelId }, tenant: { id: bot.tenantId } },
		activity: { type: 'message', text: 'question placeholder' },
	});
	return { conversationId: created.id, activityId: created.activityId! };
}

export interface ActivityInput {
	bot: BotConnectorEmulator;
	conversationId: string;
	conversationType: 'personal' | 'channel' | 'groupChat';
	aadObjectId: string;
	text?: string;
	value?: unknown;
	id?: string;
	replyToId?: string;
	tenantId?: string;
	timestamp?: string;
	serviceUrl?: string;
}

export function botActivity(input: ActivityInput): Record<string, unknown> {
	const tenant = input.tenantId ?? input.bot.tenantId;
	return {
		type: 'message',
		id: input.id ?? `${Date.now()}${Math.floor(Math.random() * 1000)}`,
		timestamp: input.timestamp ?? new Date().toISOString(),
		localTimestamp: new Date().toISOString(),
		serviceUrl: input.serviceUrl ?? input.bot.serviceUrl,
		channelId: 'msteams',
		from: { id: `29:${randomUUID()}`, name: 'Asker', aadObjectId: input.aadObjectId },
		recipient: { id: `28:${input.bot.appId}`, name: 'Perks' },
		conversation: {
			id: input.conversationId,
			conversationType: input.conversationType,
			tenantId: tenant,
			...(input.conversationType === 'personal' ? {} : { isGroup: true }),
		},
		channelData: { tenant: { id: tenant } },
		...(input.text === undefined ? {} : { text: input.text }),
		...(input.value === undefined ? {} : { value: input.value }),
		...(input.replyToId ? { replyToId: input.replyToId } : {}),
	};
}

/** A "Show my balance" button's data, bound to its recipient with the bot's client secret (or `secret`, e.g. a guessed one). */
export function showBalanceButtonData(
	bot: BotConnectorEmulator,
	recipient: string,
	secret = bot.clientSecret,
): { action: string; for: string } {
	return { action: 'perks.showBalance', for: bindRecipient(secret, recipient) };
}

export interface CardClickInput {
	bot: BotConnectorEmulator;
	/** The 1:1 chat the click comes from. */
	conversationId: string;
	/** The clicker's aadObjectId. */
	clicker: string;
	/** The card's activity, which Teams names as replyToId. */
	cardId: string;
	/** The Action.Submit button's data. */
	data: unknown;
}

/** A click on a card's Action.Submit button in a 1:1 chat, as Teams delivers it: a message carrying the button's data. */
export function cardClick(input: CardClickInput): Record<string, unknown> {
	return botActivity({
		bot: input.bot,
		conversationId: input.conversationId,
		conversationType: 'personal',
		aadObjectId: input.clicker,
		value: input.data,
		replyToId: input.cardId,
	});
}

/** POSTs an activity to the messaging endpoint with a token the emulator signs (or `token`). */
export async function sendToBot(
	url: string,
	bot: BotConnectorEmulator,
	activity: Record<string, unknown>,
	options: InboundTokenOptions & { token?: string } = {},
) {
	const token = options.token ?? (await bot.signInboundToken(options));
	const started = Date.now();
	const response = await fetch(url, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: JSON.stringify(activity),
	});
	const text = await response.text();
	return { status: response.status, text, elapsedMs: Date.now() - started };
}

/** An activity the bot sends into a conversation (e.g. a DM with a card): its id. */
export async function botPosts(
	bot: BotConnectorEmulator,
	conversationId: string,
	activity: Record<string, unknown>,
): Promise<string> {
	const response = await fetch(
		`${bot.serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`,
		{
			method: 'POST',
			headers: {
				authorization: `Bearer ${await connectorToken(bot)}`,
				'content-type': 'application/json',
			},
			body: JSON.stringify(activity),
		},
	);
	if (response.status !== 201) throw new Error(`activity: HTTP ${response.status}`);
	return ((await response.json()) as { id: string }).id;
}
