/** Post to Channel for one item: message checked before any call, one delivery per event and channel. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { ChatPlatform } from '../shared/chat/ChatPlatform';
import { deliverOnce } from '../shared/idempotency/deliverOnce';
import { deliveryOptionsProperty, deliveryScope, readIdempotencyKey } from '../shared/idempotency/properties';
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
	if (!key) {
		const posted = await platform.postToChannel(channel, message);
		return { platform: platform.name, sent: true, channel, channelId: posted.channelId, messageId: posted.messageId };
	}
	// Keyed by the channel's id: "#perks", "perks" and its id are one channel, so one post.
	const { id: channelId } = await platform.resolveChannel(channel);
	const delivery = await deliverOnce({
		parts: [...deliveryScope(this), key, channelId],
		key,
		recipient: channel,
		send: async (tag) => await platform.postToChannel(channelId, message, tag),
		findSent: async (tag, since) => await platform.findTaggedMessage({ channel: channelId }, tag, since),
	});
	if (!delivery.sent) {
		return { platform: platform.name, sent: false, skipped: delivery.skipped, channel, channelId, messageId: delivery.messageId, idempotencyKey: key };
	}
	return {
		platform: platform.name,
		sent: true,
		channel,
		channelId: delivery.message.channelId,
		messageId: delivery.message.messageId,
		idempotencyKey: key,
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
