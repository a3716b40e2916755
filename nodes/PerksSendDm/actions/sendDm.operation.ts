/** Send DM for one item: message first (refused before any call if invalid), then recipient, then one delivery. */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { deliverOnce } from '../../shared/idempotency/deliverOnce';
import { deliveryScope, readIdempotencyKey } from '../../shared/idempotency/properties';
import {
	employeeEmailProperty,
	manualMappingsProperty,
	readManualMappings,
} from '../../shared/mapping/properties';
import { resolveByEmail, resolveById } from '../../shared/mapping/recipients';
import { sendToRecipient } from '../../shared/mapping/userDirectory';
import { sendingProperties, type ChatSession } from '../../shared/node/chatNode';
import { readMessage, showBalanceButtonProperty } from '../../shared/node/messageProperties';
import { requireString } from '../../shared/node/parameters';

export const description: INodeProperties[] = [
	{
		displayName: 'Recipient',
		name: 'recipientBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'By Email', value: 'email', description: 'Matched to a chat user by email' },
			{
				name: 'By User ID',
				value: 'userId',
				description: 'A chat user, picked from a list or by ID',
			},
		],
		default: 'email',
		description:
			'Who gets the message: an employee email matched to a chat user, or a chat user ID',
	},
	{ ...employeeEmailProperty, displayOptions: { show: { recipientBy: ['email'] } } },
	{
		displayName: 'User',
		name: 'userId',
		type: 'resourceLocator',
		default: { mode: 'id', value: '={{ $json.chatUserId }}' },
		required: true,
		description:
			'A chat user, searched by name or email, or their ID (Map User by Email outputs it as chatUserId)',
		displayOptions: { show: { recipientBy: ['userId'] } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchUsers', searchable: true },
			},
			{ displayName: 'By ID', name: 'id', type: 'string', placeholder: 'The chat user ID' },
		],
	},
	{ ...manualMappingsProperty, displayOptions: { show: { recipientBy: ['email'] } } },
	...sendingProperties(
		"Wallet funded, perk redeemed or low balance, from the Perks Trigger's fields",
		[showBalanceButtonProperty],
	),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ entry, platform }: ChatSession,
): Promise<IDataObject> {
	const message = readMessage(this, itemIndex, 'personal', entry);
	platform.validateMessage(message);

	const byEmail = this.getNodeParameter('recipientBy', itemIndex) === 'email';
	const asked = byEmail
		? requireString(this, 'email', itemIndex, 'Email')
		: requireString(this, 'userId', itemIndex, 'User', { extractValue: true });
	const { user, matchedBy } = byEmail
		? await resolveByEmail(platform, asked, readManualMappings(this, itemIndex))
		: await resolveById(platform, asked);

	const key = readIdempotencyKey(this, itemIndex);
	const recipient = {
		recipientUserId: user.id,
		recipientName: user.name,
		recipientEmail: byEmail ? asked : (user.email ?? null),
		matchedBy,
	};
	if (!key) {
		const posted = await sendToRecipient(platform, user.id, message);
		return {
			platform: platform.name,
			sent: true,
			channelId: posted.channelId,
			messageId: posted.messageId,
			...recipient,
		};
	}
	const delivery = await deliverOnce({
		parts: [...deliveryScope(this), key, user.id],
		key,
		recipient: byEmail ? asked : user.id,
		send: async (tag) => await sendToRecipient(platform, user.id, message, tag),
		findSent: async (tag, since) =>
			await platform.findTaggedMessage({ userId: user.id }, tag, since),
	});
	if (!delivery.sent) {
		return {
			platform: platform.name,
			sent: false,
			skipped: delivery.skipped,
			messageId: delivery.messageId,
			idempotencyKey: key,
			...recipient,
		};
	}
	return {
		platform: platform.name,
		sent: true,
		channelId: delivery.message.channelId,
		messageId: delivery.message.messageId,
		...recipient,
		idempotencyKey: key,
	};
}
