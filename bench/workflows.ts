/** The workflows the benchmarks publish: our trigger and n8n's Webhook node, each → NoOp. */
import { randomUUID } from 'node:crypto';

import type { CredentialJson, WorkflowJson } from '../harness/n8n';
import type { PerksEmulator } from '../emulators/perksApi';

export const HEADER = { name: 'X-Bench-Key', value: 'bench-header-value-0123456789' };

const noOp = (x: number) => ({
	id: randomUUID(),
	name: 'NoOp',
	type: 'n8n-nodes-base.noOp',
	typeVersion: 1,
	position: [x, 0] as [number, number],
	parameters: {},
});
const toNoOp = (from: string) => ({
	[from]: { main: [[{ node: 'NoOp', type: 'main' as const, index: 0 }]] },
});

export function benchCredentials(perks: PerksEmulator): CredentialJson[] {
	return [
		{
			id: 'benchPerksApi001',
			name: 'Perks API',
			type: 'perksApi',
			data: { baseUrl: perks.baseUrl, apiKey: perks.apiKey },
		},
		{ id: 'benchHeaderAuth01', name: 'Header', type: 'httpHeaderAuth', data: HEADER },
	];
}

/** Perks Trigger (wallet.funded, registered by itself; version 2, as the editor adds it) → NoOp. */
export function perksTriggerWorkflow(id: string): WorkflowJson {
	return {
		id,
		name: 'bench: Perks Trigger → NoOp',
		nodes: [
			{
				id: randomUUID(),
				name: 'Perks Trigger',
				type: 'n8n-nodes-perks.perksTrigger',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { events: ['wallet.funded'], registration: 'automatic' },
				credentials: { perksApi: { id: 'benchPerksApi001', name: 'Perks API' } },
			},
			noOp(260),
		],
		connections: toNoOp('Perks Trigger'),
	};
}

/**
 * n8n's Webhook node → NoOp, answering after the run like our trigger does ("lastNode", no data)
 * or on receipt, with header auth or none; served at `/webhook/<path>`. `expression` writes
 * "noData" as an expression: n8n then acquires an expression isolate for the webhook phase, as it
 * does for every trigger but its own Webhook node with static parameters.
 */
export function webhookWorkflow(
	id: string,
	path: string,
	auth: 'headerAuth' | 'none',
	responseMode: 'lastNode' | 'onReceived' = 'lastNode',
	expression = false,
): WorkflowJson {
	return {
		id,
		name: `bench: Webhook (${auth}${expression ? ', expression' : ''}) → NoOp`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path,
					authentication: auth,
					responseMode,
					responseData: expression ? '={{ "noData" }}' : 'noData',
					options: {},
				},
				...(auth === 'headerAuth'
					? { credentials: { httpHeaderAuth: { id: 'benchHeaderAuth01', name: 'Header' } } }
					: {}),
			},
			noOp(260),
		],
		connections: toNoOp('Webhook'),
	};
}
