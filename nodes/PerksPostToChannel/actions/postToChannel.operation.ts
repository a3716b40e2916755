/** Post to Channel for one item: message checked before any call, one delivery per event and channel. */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { deliverOnce } from '../../shared/idempotency/deliverOnce';
import { deliveryScope, readIdempotencyKey } from '../../shared/idempotency/properties';
import {
	PLATFORMS_WITH_TEAMS,
	sendingProperties,
	type ChatSession,
} from '../../shared/node/chatNode';
import { readMessage } from '../../shared/node/messageProperties';

export const description: INodeProperties[] = [
	{
		displayName: 'Team',
		name: 'team',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description:
			'The team the channel is in: the Perks app must be added to it (Teams Bot), or the signed-in service account must be a member (OAuth2)',
		displayOptions: { show: { platform: PLATFORMS_WITH_TEAMS } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTeams', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: "The team's ID (groupId in its link)",
			},
		],
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description:
			'Slack: public channels work without inviting the app, private ones need it invited first (/invite @your-app). Teams: channels of the team above.',
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
				placeholder: "The channel's ID",
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: '#perks',
			},
		],
	},
	...sendingProperties(
		"New perk announcement, redemption celebration, and the other events, from the Perks Trigger's fields",
	),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ entry, platform }: ChatSession,
): Promise<IDataObject> {
	const message = readMessage(this, itemIndex, 'channel', entry);
	platform.validateMessage(message);
	const channel = readChannel(this, itemIndex);
	const team = readTeam(this, itemIndex);
	const key = readIdempotencyKey(this, itemIndex);
	if (!key) {
		const posted = await platform.postToChannel({ team, channel }, message);
		return {
			platform: platform.name,
			sent: true,
			channel,
			channelId: posted.channelId,
			messageId: posted.messageId,
		};
	}
	// Keyed by the channel's id: "#perks", "perks" and its id are one channel, so one post.
	const { id: channelId } = await platform.resolveChannel({ team, channel });
	const target = { team, channel: channelId };
	const delivery = await deliverOnce({
		parts: [...deliveryScope(this), key, ...(team ? [team] : []), channelId],
		key,
		recipient: channel,
		send: async (tag) => await platform.postToChannel(target, message, tag),
		findSent: async (tag, since) =>
			await platform.findTaggedMessage({ channel: target }, tag, since),
	});
	if (!delivery.sent) {
		return {
			platform: platform.name,
			sent: false,
			skipped: delivery.skipped,
			channel,
			channelId,
			messageId: delivery.messageId,
			idempotencyKey: key,
		};
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

/** Shown only for platforms with teams; hidden, n8n refuses to extract it, so its raw value is read. */
function readTeam(context: IExecuteFunctions, itemIndex: number): string | undefined {
	const raw = context.getNodeParameter('team', itemIndex, '') as string | { value?: unknown };
	const value = typeof raw === 'object' && raw !== null ? raw.value : raw;
	return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
