/**
 * The shipped templates (workflows/*.json) in the in-process n8n, as an admin uses them: sticky
 * notes aside (they never execute), the admin's edits applied, then hosted on loopback and
 * published (the trigger registers its webhook).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import type { Employee } from '../../nodes/shared/perks/contract';
import {
	lowBalanceEvent,
	perkRedeemedEvent,
	walletFundedEvent,
	type PerksEmulator,
} from '../../emulators/perksApi';
import { PACKAGE_ROOT, type RuntimeOptions, type WorkflowJson } from './n8nRuntime';
import { hostWorkflow, type HostedWorkflow } from './webhookHost';

export const TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'workflows');
const STICKY_NOTE = 'n8n-nodes-base.stickyNote';

export type TemplateJson = WorkflowJson & { nodes: INode[] };

export function readTemplate(file: string): TemplateJson {
	return JSON.parse(readFileSync(path.join(TEMPLATE_DIR, file), 'utf8')) as TemplateJson;
}

/** The template's sticky note: what it tells the admin to set. */
export function stickyNoteOf(file: string): string {
	return String(readTemplate(file).nodes.find((n) => n.type === STICKY_NOTE)?.parameters.content);
}

/** The template as workflow `id` without its sticky notes, `edit` done to each node (what the note asks). */
export function runnableTemplate(
	file: string,
	edit: (node: INode) => void = () => {},
	id = file,
): TemplateJson {
	const template = readTemplate(file);
	const nodes = template.nodes.filter((n) => n.type !== STICKY_NOTE);
	nodes.forEach(edit);
	return { ...template, id, nodes };
}

export interface HostTemplateOptions extends RuntimeOptions {
	/** The node whose webhook is served; Perks Trigger unless given. */
	trigger?: string;
	edit?: (node: INode) => void;
	id?: string;
	/** false: served but not published (no webhook registered), as a chat trigger needs. */
	publish?: boolean;
}

export async function hostTemplate(
	file: string,
	{ trigger = 'Perks Trigger', edit, id, publish = true, ...runtime }: HostTemplateOptions,
): Promise<HostedWorkflow> {
	const hosted = await hostWorkflow(runnableTemplate(file, edit, id), trigger, runtime);
	if (publish) await hosted.activate();
	return hosted;
}

/**
 * The event a DM template reacts to, with the amounts its tests expect in the DM: wallet.funded
 * 100 points (balance 250), perk.redeemed the perk "Cena", wallet.low_balance 15 points.
 */
export function dmTemplateEvent(perks: PerksEmulator, eventType: string, employee: Employee) {
	if (eventType === 'wallet.funded')
		return walletFundedEvent(employee, { amount: 100, balance: 250, period: '2026-11' });
	if (eventType === 'perk.redeemed')
		return perkRedeemedEvent(
			employee,
			perks.addPerk({ name: 'Cena', description: 'Una cena', cost: 40 }),
			{ balance: 60 },
		);
	if (eventType === 'wallet.low_balance') return lowBalanceEvent(employee, { balance: 15 });
	throw new Error(`No DM template reacts to ${eventType}`);
}
