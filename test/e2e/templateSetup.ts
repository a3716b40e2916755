/**
 * What every real-n8n run of the shipped templates sets up the same way: the templates read from
 * workflows/ with an id of our choice, the two credentials they reference (by the ids in the
 * template files) pointing at the loopback emulators, and an owner account for the editor.
 * Used by the e2e tests and by the sandbox.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { PerksEmulator } from '../emulators/perksApi';
import type { SlackEmulator } from '../emulators/slackApi';
import { PACKAGE_ROOT } from '../harness/packageRoot';
import type { CredentialJson, N8nInstance, WorkflowJson } from './n8nInstance';

export function loadTemplate(file: string, id: string): WorkflowJson {
	return { ...JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'workflows', file), 'utf8')), id };
}

/** The trigger's webhook id: the last part of the URL n8n serves it at. */
export function webhookIdOf(workflow: WorkflowJson): string {
	const id = workflow.nodes.find((node) => node.webhookId)?.webhookId;
	if (!id) throw new Error(`${workflow.name} has no webhook node`);
	return id;
}

export function templateCredentials(perks: PerksEmulator, slack: SlackEmulator): CredentialJson[] {
	return [
		{ id: 'perksApiCredential', name: 'Perks API', type: 'perksApi', data: { baseUrl: perks.baseUrl, apiKey: perks.apiKey } },
		{
			id: 'perksSlackBotCredential',
			name: 'Perks Slack Bot API',
			type: 'perksSlackApi',
			data: { accessToken: slack.token, apiUrl: slack.apiUrl, signingSecret: 'e2e-signing-secret' },
		},
	];
}

export interface Owner {
	email: string;
	firstName: string;
	lastName: string;
	password: string;
}

/** `POST /rest/owner/setup`; returns the session cookie (`n8n-auth=…`) n8n sets. */
export async function setUpOwner(n8n: N8nInstance, owner: Owner, browserId: string): Promise<string> {
	const response = await fetch(`${n8n.baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify(owner),
	});
	if (response.status !== 200) throw new Error(`n8n owner set-up answered ${response.status}: ${await response.text()}`);
	return (response.headers.get('set-cookie') ?? '').split(';')[0];
}
