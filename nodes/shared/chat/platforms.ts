/** Every chat platform the nodes offer. Adding one is adding a folder and a line here. */
import type { PlatformName } from './ChatPlatform';
import type { PlatformEntry } from './PlatformEntry';
import { slackEntry } from './slack/entry';
import { teamsEntry } from './teams/entry';

export const PLATFORMS: readonly PlatformEntry[] = [slackEntry, teamsEntry];

export function platformEntry(name: PlatformName | string): PlatformEntry | undefined {
	return PLATFORMS.find((entry) => entry.name === name);
}
