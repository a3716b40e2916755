/**
 * The shell the chat action nodes share (Send DM, Post to Channel, Map User by Email, Chat Reply): the
 * "Platform" and "Authentication" parameters, every platform's credentials, the message and
 * delivery options of the sending nodes, and the router that opens the platform once per run.
 * A node file then holds only what differs: its names, its operations and their parameters.
 */
import type {
	IExecuteFunctions,
	INodeCredentialDescription,
	INodeExecutionData,
	INodeProperties,
	INodeTypeDescription,
} from 'n8n-workflow';

import {
	openChat,
	platformCredentials,
	platformProperties,
	type ChatSession,
} from '../chat/platformFor';
import { PLATFORMS } from '../chat/platforms';
import { deliveryOptionsProperty } from '../idempotency/properties';
import type { PerksClient } from '../perks/client';
import { perksClientFor } from '../perks/transport';
import { messageProperties } from './messageProperties';
import { route, type Operations } from './router';
import { toNodeError } from './toNodeError';

export type { ChatSession } from '../chat/platformFor';

type ChatNodeParts = Pick<INodeTypeDescription, 'credentials' | 'properties'>;

/** Spread last into a chat node's description: every platform's credentials, then the parameters. */
export function chatNodeParts(own: {
	/** Credentials beyond the platforms' (Map User's perks credential for "Sync Users"). */
	credentials?: INodeCredentialDescription[];
	/** Credentials listed before the platforms' (Chat Reply's perks credential, which every run needs). */
	credentialsFirst?: INodeCredentialDescription[];
	/** The node's parameters, shown after "Platform" and "Authentication". */
	properties: INodeProperties[];
}): ChatNodeParts {
	return {
		credentials: [
			...(own.credentialsFirst ?? []),
			...platformCredentials,
			...(own.credentials ?? []),
		],
		properties: [...platformProperties, ...own.properties],
	};
}

/** The "Platform" values whose channels sit in teams, for a team parameter's displayOptions. */
export const PLATFORMS_WITH_TEAMS: string[] = PLATFORMS.filter(
	(entry) => entry.channelsInTeams,
).map((entry) => entry.name);

/** A sending node's message parameters and its "Options" (the idempotency key), after the recipient. */
export function sendingProperties(
	defaultMessageDescription: string,
	messageExtras: INodeProperties[] = [],
): INodeProperties[] {
	return [
		...messageProperties(defaultMessageDescription),
		...messageExtras,
		deliveryOptionsProperty,
	];
}

/** A chat node's execute(): the platform opened once for the run, then the operation's item loop. */
export async function routeChat(
	context: IExecuteFunctions,
	operations: Operations<ChatSession>,
): Promise<INodeExecutionData[][]> {
	// A credential the adapter refuses (an unsafe URL) fails with its code and fix, as a call would.
	const open = async (ctx: IExecuteFunctions) =>
		await openChat(ctx).catch((error: unknown) => {
			throw toNodeError(ctx.getNode(), error);
		});
	return await route(context, open, operations);
}

/** What a chat node that also reads perks opens once per run: the perks client and the platform. */
export interface ChatPerksSession extends ChatSession {
	perks: PerksClient;
}

/** routeChat for a node that reads perks too (Chat Reply): the perks client is opened first. */
export async function routeChatWithPerks(
	context: IExecuteFunctions,
	operations: Operations<ChatPerksSession>,
): Promise<INodeExecutionData[][]> {
	return await route(
		context,
		async (run) => {
			const perks = await perksClientFor(run);
			return { ...(await openChat(run)), perks };
		},
		operations,
	);
}
