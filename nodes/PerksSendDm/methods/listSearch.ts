import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { chatPlatformFor } from '../../shared/chat/platformFor';

/** How many people the picker shows; typing narrows them. */
const MAX_RESULTS = 100;

/** People matching a name or email fragment, from the directory's first bulk page (one call). */
export async function searchUsers(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const platform = await chatPlatformFor(this);
	const needle = (filter ?? '').trim().toLowerCase();
	const results: INodeListSearchResult['results'] = [];
	for await (const page of platform.listUsers()) {
		for (const user of page) {
			if (!user.active || user.isBot) continue;
			const label = user.realName || user.name;
			const haystack = [label, user.name, user.email ?? '', ...(user.emails ?? [])]
				.join(' ')
				.toLowerCase();
			if (needle && !haystack.includes(needle)) continue;
			results.push({ name: user.email ? `${label} (${user.email})` : label, value: user.id });
			if (results.length >= MAX_RESULTS) break;
		}
		break;
	}
	return { results: results.sort((a, b) => a.name.localeCompare(b.name)) };
}
