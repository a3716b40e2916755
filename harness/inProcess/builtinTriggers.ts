/**
 * Stand-ins for the n8n built-in triggers our templates start from (n8n-nodes-base is not a
 * dependency of the unit tier). Outside manual mode n8n passes a trigger's items straight
 * through, so a stand-in with the same name and version behaves like the real node once the
 * test hands it the items the real trigger emits; the e2e tier runs the real ones.
 */
import { NodeConnectionTypes, type INodeType, type INodeTypes } from 'n8n-workflow';

import type { LoadedPackage } from './n8nRuntime';

/** Built-in node types the templates may use, with the versions n8n 2.41 has. */
export const BUILT_IN_NODES: Record<string, number[]> = {
	'n8n-nodes-base.stickyNote': [1],
	'n8n-nodes-base.scheduleTrigger': [1, 1.1, 1.2, 1.3, 1.4],
	'n8n-nodes-base.errorTrigger': [1],
};

function standIn(type: string): INodeType {
	return {
		description: {
			displayName: type,
			name: type,
			group: ['trigger'],
			version: BUILT_IN_NODES[type],
			description: 'Test stand-in',
			defaults: { name: type },
			inputs: [],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		// Never called outside manual mode: WorkflowExecute passes the given items through.
		async trigger() {
			return {};
		},
	};
}

/** The package's node types plus the built-in triggers, for running a template that starts from one. */
export function withBuiltInTriggers(pkg: LoadedPackage): LoadedPackage {
	const known = (type: string) => type in BUILT_IN_NODES && type !== 'n8n-nodes-base.stickyNote';
	const nodeTypes: INodeTypes = {
		getByName: (type) => (known(type) ? standIn(type) : pkg.nodeTypes.getByName(type)),
		getByNameAndVersion: (type, version) =>
			known(type) ? standIn(type) : pkg.nodeTypes.getByNameAndVersion(type, version),
		getKnownTypes: () => ({}),
	};
	return { ...pkg, nodeTypes };
}
