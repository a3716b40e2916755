/** Every chat platform the nodes offer. Adding one is adding a folder and a line here. */
import { addMentionScanner } from './mentions';
import type { PlatformEntry } from './PlatformEntry';
import type { QuestionSource } from './QuestionSource';
import { slackEntry } from './slack/entry';
import { teamsEntry } from './teams/entry';

const BUILT_IN = [slackEntry, teamsEntry] as const;

/** The built-in platforms' names ('slack' | …), from the list above. */
export type PlatformName = (typeof BUILT_IN)[number]['name'];
/** The built-in question sources' values ('slackCommand' | …), from the list above. */
export type ChatSource = NonNullable<(typeof BUILT_IN)[number]['questionSources']>[number]['value'];

const registered: PlatformEntry[] = [];
export const PLATFORMS: readonly PlatformEntry[] = registered;

/**
 * Adds a platform (tests: a fake one). Node descriptions are built from PLATFORMS when the nodes
 * load, so this must run before that.
 */
export function registerPlatform(entry: PlatformEntry): void {
	if (platformEntry(entry.name)) throw new Error(`A platform named "${entry.name}" is registered`);
	registered.push(entry);
	if (entry.mentions) addMentionScanner(entry.mentions);
}

BUILT_IN.forEach(registerPlatform);

export function platformEntry(name: string): PlatformEntry | undefined {
	return PLATFORMS.find((entry) => entry.name === name);
}

export interface RegisteredSource {
	platform: PlatformEntry;
	source: QuestionSource;
}

/** Every question source, platform by platform, in registry order. */
export function questionSources(): RegisteredSource[] {
	return PLATFORMS.flatMap((platform) =>
		(platform.questionSources ?? []).map((source) => ({ platform, source })),
	);
}

export function questionSource(value: unknown): RegisteredSource | undefined {
	return questionSources().find(({ source }) => source.value === value);
}
