import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { chatPlatformFor } from '../../shared/chat/platformFor';

/** Teams the service account belongs to (platforms without teams list none). */
export async function searchTeams(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const platform = await chatPlatformFor(this);
	const teams = await platform.searchTeams(filter);
	return { results: teams.map((team) => ({ name: team.name, value: team.id })) };
}

/** Channels for the resource locator's list mode: public ones, and private ones the app is in (in the team picked above). */
export async function searchChannels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const platform = await chatPlatformFor(this);
	// Raw: n8n refuses to extract a hidden resource locator (the team, on platforms without teams).
	const raw = this.getCurrentNodeParameter('team') as string | { value?: unknown } | undefined;
	const team = typeof raw === 'object' && raw !== null ? raw.value : raw;
	const channels = await platform.searchChannels(
		filter,
		typeof team === 'string' && team ? team : undefined,
	);
	return {
		results: channels.map((channel) => ({
			name: `${channel.isPrivate ? '🔒' : '#'}${channel.name}`,
			value: channel.id,
		})),
	};
}
