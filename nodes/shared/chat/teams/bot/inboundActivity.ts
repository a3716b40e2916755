/**
 * A verified activity from the Bot Connector, read: a question (a 1:1 message, an @mention in a
 * channel or group chat), a "Show my balance" click, or something the bot does not answer
 * (installs, reactions, typing, its own messages). Mentions are cut out of the text before the
 * intent is read; the asker is their Entra object id, and nothing vouches for a guest or for
 * someone from another tenant.
 */
import { parseQuestion, type ChatIntent } from '../../intent';
import { replaceSpans } from '../../markupScan';
import { teamsMentions } from '../mentions';
import type { Locale } from '../../../messages/i18n';

export const TEAMS_BOT_SOURCE = 'teamsBot';
export const SHOW_BALANCE_ACTION = 'perks.showBalance';

export interface BotActivity {
	type?: unknown;
	id?: unknown;
	timestamp?: unknown;
	serviceUrl?: unknown;
	channelId?: unknown;
	text?: unknown;
	value?: unknown;
	replyToId?: unknown;
	from?: {
		id?: unknown;
		name?: unknown;
		aadObjectId?: unknown;
		role?: unknown;
		userRole?: unknown;
	};
	recipient?: { id?: unknown };
	conversation?: {
		id?: unknown;
		conversationType?: unknown;
		tenantId?: unknown;
		isGroup?: unknown;
	};
	channelData?: { tenant?: { id?: unknown } };
}

export interface BotQuestion {
	platform: 'teams';
	source: typeof TEAMS_BOT_SOURCE;
	askerId: string;
	askerName: string | null;
	text: string;
	intent: ChatIntent;
	language: Locale | null;
	responseUrl: null;
	channelId: string;
	conversationType: 'personal' | 'channel' | 'groupChat';
	serviceUrl: string;
	/** The activity the answer threads under (channel, group chat); null in a 1:1 chat. */
	replyToId: string | null;
	/** Another tenant's user (external access): their directory entry proves nothing here. */
	askerExternal: boolean;
	/** Teams says the asker is a guest. */
	askerGuest: boolean;
	/** A "Show my balance" click: whom the button was for, as its signed `for` says (null if forged). */
	button: { for: string | null } | null;
	/** The clicked card's activity id (the click's replyToId): the answer updates it in place. */
	cardActivityId: string | null;
}

export type ReadActivity =
	| { kind: 'question'; question: BotQuestion; activityId: string }
	| { kind: 'ignore'; reason: string }
	| { kind: 'invalid'; message: string };

const str = (value: unknown): string | undefined =>
	typeof value === 'string' && value !== '' ? value : undefined;

export function readActivity(
	activity: BotActivity,
	options: {
		tenantId: string;
		/** The recipient a button's `for` names, or undefined when it is forged. */
		boundRecipient(value: unknown): string | undefined;
	},
): ReadActivity {
	if (activity.type !== 'message') return { kind: 'ignore', reason: 'not_a_message' };
	const id = str(activity.id);
	const serviceUrl = str(activity.serviceUrl);
	const conversationId = str(activity.conversation?.id);
	if (!id || !serviceUrl || !conversationId)
		return {
			kind: 'invalid',
			message: 'A message activity needs id, serviceUrl and conversation.id',
		};
	const askerId = str(activity.from?.aadObjectId);
	// Bots (ours included) have no Entra user id: no answer loops.
	if (!askerId || activity.from?.id === activity.recipient?.id)
		return { kind: 'ignore', reason: 'not_from_a_user' };
	const type = conversationTypeOf(activity.conversation?.conversationType);
	if (!type) return { kind: 'ignore', reason: 'unknown_conversation_type' };

	const value = activity.value as { action?: unknown; for?: unknown } | undefined;
	const isClick = !!value && typeof value === 'object' && value.action === SHOW_BALANCE_ACTION;
	// The bot's own <at>Perks</at> says nothing about the question.
	const text = isClick
		? ''
		: replaceSpans(str(activity.text) ?? '', teamsMentions.find, ' ').trim();
	if (!isClick && !text) return { kind: 'ignore', reason: 'no_text' };
	const { intent, language } = isClick
		? { intent: 'balance' as const, language: undefined }
		: parseQuestion(text);
	const tenant = str(activity.conversation?.tenantId) ?? str(activity.channelData?.tenant?.id);
	const role = activity.from?.userRole ?? activity.from?.role;
	return {
		kind: 'question',
		activityId: id,
		question: {
			platform: 'teams',
			source: TEAMS_BOT_SOURCE,
			askerId,
			askerName: str(activity.from?.name) ?? null,
			text,
			intent,
			language: language ?? null,
			responseUrl: null,
			channelId: conversationId,
			conversationType: type,
			serviceUrl,
			// A 1:1 answer goes straight into the chat; elsewhere under the question (or the clicked card).
			replyToId: type === 'personal' ? null : isClick ? (str(activity.replyToId) ?? id) : id,
			askerExternal:
				tenant === undefined || tenant.toLowerCase() !== options.tenantId.trim().toLowerCase(),
			askerGuest: role === 'guest',
			button: isClick ? { for: options.boundRecipient(value.for) ?? null } : null,
			cardActivityId: isClick ? (str(activity.replyToId) ?? null) : null,
		},
	};
}

function conversationTypeOf(value: unknown): BotQuestion['conversationType'] | undefined {
	if (value === 'personal' || value === 'channel' || value === 'groupChat') return value;
	return undefined;
}
