/** Post to Channel for one item: message checked before any call, one delivery per event and channel. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { ChatPlatform } from '../shared/chat/ChatPlatform';
import { deliverOnce, deliveryOptionsProperty, readIdempotencyKey } from '../shared/idempotency/deliveryLedger';
import { messageProperties, readMessage } from '../shared/messages/properties';

export const description: INodeProperties[] = [
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'Public channels work without inviting the app; private ones need the app invited first (/invite @your-app)',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchChannels', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'C0123ABCD',
				validation: [
					{
						type: 'regex',
						properties: { regex: '^[CGD][A-Z0-9]{6,}$', errorMessage: 'A Slack channel ID looks like C0123ABCD' },
					},
				],
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: '#perks',
			},
		],
	},
	...messageProperties('New perk announcement, redemption celebration, and the other events, from the Perks Trigger\'s fields'),
	deliveryOptionsProperty,
];

export async function postToChannel(
	this: IExecuteFunctions,
	itemIndex: number,
	platform: ChatPlatform,
): Promise<IDataObject> {
	const message = readMessage(this, itemIndex, 'channel');
	platform.validateMessage(message);
	const channel = readChannel(this, itemIndex);
	const key = readIdempotencyKey(this, itemIndex);
	const delivery = await deliverOnce(this, key ? `${key}:${channel}` : undefined, async () =>
		await platform.postToChannel(channel, message),
	);
	if (!delivery.delivered) return { platform: platform.name, sent: false, skipped: 'already_sent', channel, idempotencyKey: key };
	return {
		platform: platform.name,
		sent: true,
		channel,
		channelId: delivery.result.channelId,
		messageId: delivery.result.messageId,
		...(key ? { idempotencyKey: key } : {}),
	};
}

function readChannel(context: IExecuteFunctions, itemIndex: number): string {
	const value = context.getNodeParameter('channel', itemIndex, '', { extractValue: true });
	const channel = typeof value === 'string' ? value.trim() : '';
	if (!channel) {
		throw new NodeOperationError(context.getNode(), '"Channel" is empty', {
			itemIndex,
			description: 'Choose a channel from the list, or enter its ID or name.',
		});
	}
	return channel;
}
