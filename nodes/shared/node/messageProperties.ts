/** The message parameters Send DM and Post to Channel share, and the message they describe. */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OutgoingMessage } from '../chat/ChatPlatform';
import type { PlatformEntry } from '../chat/PlatformEntry';
import { PLATFORMS } from '../chat/platforms';
import { buildEventMessage } from '../messages/eventMessages';
import type { Audience } from '../messages/MessageDoc';

/** The part of a platform's entry that reads its rich content field. */
export type NativeContent = Pick<PlatformEntry, 'nativeProperty' | 'parseNative'>;

export function messageProperties(defaultDescription: string): INodeProperties[] {
	return [
		{
			displayName: 'Message',
			name: 'messageSource',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Default for the Perks Event',
					value: 'default',
					description: defaultDescription,
				},
				{
					name: 'Custom',
					value: 'custom',
					description: "Your own text and, optionally, the platform's rich content",
				},
			],
			default: 'default',
			description:
				"The message for the item's perks event (eventType), or one you write. Default messages always fit the platform's limits: long fields are shortened with …, over-long image or link URLs are left out. Custom text over a limit is refused, never cut.",
		},
		{
			displayName: 'Language',
			name: 'language',
			type: 'options',
			options: [
				{ name: "Employee's Locale", value: 'auto' },
				{ name: 'English', value: 'en' },
				{ name: 'Italian', value: 'it' },
				{ name: 'Portuguese', value: 'pt' },
				{ name: 'Spanish', value: 'es' },
			],
			default: 'auto',
			description: 'Language of the default message; unknown locales fall back to English',
			displayOptions: { show: { messageSource: ['default'] } },
		},
		{
			displayName: 'Text',
			name: 'text',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			placeholder: 'Hi {{ $json.employeeName }}, you have {{ $json.balance }} points',
			description:
				'The message, or the notification text when rich content is set. Supports expressions.',
			displayOptions: { show: { messageSource: ['custom'] } },
		},
		// Each platform's rich content field (Block Kit, Adaptive Card), shown for that platform.
		...PLATFORMS.map((entry) => entry.nativeProperty),
	];
}

/** Send DM's opt-in for the default message's "Show my balance" button. */
export const showBalanceButtonProperty: INodeProperties = {
	displayName: 'Show My Balance Button',
	name: 'showBalanceButton',
	type: 'boolean',
	default: false,
	description:
		'Whether wallet-funded and low-balance messages carry a "Show my balance" button. Turn on only when a published Perks Chat Trigger workflow answers the clicks: source "Slack Button Clicks" for Slack (the Slack credential also needs its Signing Secret) or source "Teams Bot" for the Teams bot. Teams via a service account has no buttons.',
	displayOptions: { show: { messageSource: ['default'] } },
};

export function readMessage(
	context: IExecuteFunctions,
	itemIndex: number,
	audience: Audience,
	platform: NativeContent,
): OutgoingMessage {
	if (context.getNodeParameter('messageSource', itemIndex) === 'default') {
		const language = context.getNodeParameter('language', itemIndex, 'auto') as string;
		const item = context.getInputData()[itemIndex].json as IDataObject;
		const doc = buildEventMessage(item, audience, language === 'auto' ? undefined : language);
		// Off unless asked: a button no workflow answers fails when clicked.
		const button = context.getNodeParameter('showBalanceButton', itemIndex, false) === true;
		if (!button) delete doc.showBalance;
		return { text: doc.fallbackText, doc };
	}
	const text = String(context.getNodeParameter('text', itemIndex, '') ?? '');
	const raw = context.getNodeParameter(platform.nativeProperty.name, itemIndex, '');
	const hasNative = raw !== '' && raw !== undefined && raw !== null;
	return { text, native: hasNative ? platform.parseNative(raw) : undefined };
}
