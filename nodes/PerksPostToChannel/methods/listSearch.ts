import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { chatPlatformFor } from '../../shared/chat/platformFor';

/** Channels for the resource locator's list mode: public ones, and private ones the app is in. */
export async function searchChannels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const platform = await chatPlatformFor(this);
	const channels = await platform.searchChannels(filter);
	return {
		results: channels.map((channel) => ({
			name: `${channel.isPrivate ? '🔒' : '#'}${channel.name}`,
			value: channel.id,
		})),
	};
}
