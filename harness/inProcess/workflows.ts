/** Small workflow JSON builders for tests, shaped like what the n8n editor saves. */
import type { IConnections, INode, INodeParameters } from 'n8n-workflow';

import type { WorkflowJson } from './n8nRuntime';

export const TYPE = {
	trigger: 'n8n-nodes-perks.perksTrigger',
	balanceLookup: 'n8n-nodes-perks.perksBalanceLookup',
	mapUser: 'n8n-nodes-perks.perksMapUserByEmail',
	sendDm: 'n8n-nodes-perks.perksSendDm',
	postToChannel: 'n8n-nodes-perks.perksPostToChannel',
} as const;

let counter = 0;

export function node(
	name: string,
	type: string,
	parameters: INodeParameters,
	extra: Partial<INode> = {},
): INode {
	counter++;
	return {
		id: `node-${counter}`,
		name,
		type,
		typeVersion: 1,
		position: [counter * 220, 300],
		parameters,
		...extra,
	};
}

/** A straight chain: each node's main output feeds the next one. */
export function chain(id: string, ...nodes: INode[]): WorkflowJson {
	const connections: IConnections = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name: id, nodes, connections, settings: { executionOrder: 'v1' } };
}

export function perksCredentialRef() {
	return { perksApi: { id: 'cred-perks', name: 'Perks API' } };
}
