/**
 * The "Show my balance" button of a default DM sent by the bot: an Adaptive Card whose
 * Action.Submit data names the recipient, bound with the bot's client secret. Teams sends a click
 * to the bot's messaging endpoint as a message activity carrying that data (inboundActivity.ts).
 * Only the bot receives Action.Submit, so the Graph (service account) adapter never adds it.
 */
import type { OutgoingMessage } from '../../ChatPlatform';
import { bindRecipient } from '../../recipientBinding';
import type { BotActivity } from './activity';
import { SHOW_BALANCE_ACTION } from './inboundActivity';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export function showBalanceCard(label: string, forValue: string) {
	return {
		contentType: ADAPTIVE_CARD,
		content: {
			type: 'AdaptiveCard',
			$schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
			version: '1.4',
			body: [],
			actions: [
				{
					type: 'Action.Submit',
					title: label,
					data: { action: SHOW_BALANCE_ACTION, for: forValue },
				},
			],
		},
	};
}

/** The activity with the button added, when the message offers it. */
export function withShowBalanceCard(
	activity: BotActivity,
	message: OutgoingMessage,
	clientSecret: string,
	userId: string,
): BotActivity {
	const offer = message.doc?.showBalance;
	if (!offer || !clientSecret) return activity;
	const card = showBalanceCard(offer.label, bindRecipient(clientSecret, userId));
	return { ...activity, attachments: [...(activity.attachments ?? []), card] };
}
