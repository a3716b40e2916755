/**
 * A temporary N8N_USER_FOLDER: our package installed as a community package, credentials and
 * workflows imported and published with the n8n CLI, removed (or kept) at the end.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IConnections, INode, IWorkflowSettings } from 'n8n-workflow';

import { installInto, preparedPackage } from './communityPackage';
import { appendLog } from './logs';

export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	/** Plain values; `n8n import:credentials` encrypts them. */
	data: Record<string, unknown>;
}

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	active?: boolean;
	[key: string]: unknown;
}

/** What a user folder is prepared with. */
export interface UserFolderContent {
	credentials?: CredentialJson[];
	workflows?: WorkflowJson[];
	/** Workflow ids to publish; default: every workflow in `workflows`. */
	publish?: string[];
}

export function safeName(name: string): string {
	return name.replace(/[^\w.-]+/g, '-');
}

/** A temporary N8N_USER_FOLDER (with its own TMPDIR inside). */
export async function newUserFolder(name: string): Promise<string> {
	const userFolder = await mkdtemp(path.join(tmpdir(), `n8n-perks-e2e-${name}-`));
	await mkdir(path.join(userFolder, 'tmp'));
	return userFolder;
}

/**
 * Our package installed as a community package, then (n8n stopped) credentials and workflows
 * imported and published with the n8n CLI, run by `cli`.
 */
export async function prepareUserFolder(
	userFolder: string,
	options: UserFolderContent,
	cli: (args: string[]) => Promise<void>,
): Promise<void> {
	await installInto(userFolder, await preparedPackage());
	const imports: Array<[string, unknown[] | undefined]> = [
		['import:credentials', options.credentials],
		[
			'import:workflow',
			options.workflows?.map((w) => ({ active: false, settings: { executionOrder: 'v1' }, ...w })),
		],
	];
	for (const [command, items] of imports) {
		if (!items?.length) continue;
		const file = path.join(userFolder, `${command.replace(':', '-')}-${Date.now()}.json`);
		await writeFile(file, JSON.stringify(items, null, 2), 'utf8');
		await cli([command, `--input=${file}`]);
		await rm(file, { force: true });
	}
	for (const id of options.publish ?? options.workflows?.map((w) => w.id) ?? []) {
		await cli(['publish:workflow', `--id=${id}`]);
	}
}

export async function removeFolder(folder: string, keep: boolean, logFile: string): Promise<void> {
	if (keep) {
		appendLog(logFile, `\n===== kept ${folder} =====\n`);
		return;
	}
	await rm(folder, { recursive: true, force: true, maxRetries: 3 });
}
