/** What a platform folder registers (chat/platforms.ts): everything the nodes need to offer it. */
import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialDescription,
	INodeProperties,
} from 'n8n-workflow';

import type { ChatPlatform, OutgoingMessage } from './ChatPlatform';
import type { MentionScanner } from './mentions';
import type { QuestionSource } from './QuestionSource';

export type ChatContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface PlatformEntry {
	/** Also the question item's `platform` and ChatPlatform.name. */
	name: string;
	/** The "Platform" option's label. */
	displayName: string;
	/** Its credential types, each with the `authentication` choice it belongs to (if it has several). */
	credentials: INodeCredentialDescription[];
	/** The credential type the node's "Authentication" choice picks. */
	credentialType(authentication: string): string;
	/** The "Custom" message's native content field (Block Kit, Adaptive Card), shown for this platform. */
	nativeProperty: INodeProperties;
	/** That field's value as the list of native items `OutgoingMessage.native` carries. */
	parseNative(raw: unknown): unknown[];
	/** The platform's layout and limits, with no credential and no call. */
	renderer: MessageRenderer;
	/** Its channels sit in teams (ChatTeam): Post to Channel then asks for the team. */
	channelsInTeams?: boolean;
	create(context: ChatContext, credentialType: string): Promise<ChatPlatform>;
	/** Where Perks Chat Trigger takes questions from on this platform (none: not offered there). */
	questionSources?: readonly QuestionSource[];
	/** Its mentions (of the bot, of people), cut from questions before their words are read. */
	mentions?: MentionScanner;
}

export interface MessageRenderer {
	/** The payload the platform is sent; a default message (`doc`) always fits its limits. */
	render(message: OutgoingMessage): unknown;
	/** Throws, before any call, for a message the platform would refuse or cut. */
	validate(message: OutgoingMessage): void;
}

/** The rate-limit queue key for a node's credential: one queue per credential in this process. */
export function credentialThrottleKey(context: ChatContext, type: string): string | undefined {
	const id = context.getNode().credentials?.[type]?.id;
	return id ? `credential:${id}` : undefined;
}
