/**
 * The exactly-once scenarios, written once and run against any real n8n set-up
 * (a single n8n on SQLite, or queue mode on PostgreSQL): bursts of distinct events, concurrent
 * copies, a Slack outage, random faults on Slack and the perks API, a rate limit, a SIGKILL mid
 * fan-out. The perks platform's redelivery is emulated as its contract states (retry anything
 * but 2xx/400/410, a 10 s timeout, 8 retries with back-off scaled down to test time).
 *
 * Loads: CI's by default; PERKS_RELIABILITY_FULL=1 (`npm run test:reliability -- --full`) runs
 * the full loads docs/idempotency.md reports.
 */
import { readFileSync } from 'node:fs';

import type { INode } from 'n8n-workflow';

import { PerksEmulator, lowBalanceEvent, walletFundedEvent } from '../../emulators/perksApi';
import type { RedeliveryResult } from '../../emulators/perksRedelivery';
import { SlackEmulator, type EmulatedUser } from '../../emulators/slackApi';
import type { Employee } from '../../nodes/shared/perks/contract';
import type { CredentialJson, ExecutionRow, WorkflowJson } from '../../harness/n8n';
import { loadTemplate, templateCredentials, webhookIdOf } from '../../harness/n8n/templateSetup';
import {
	describeFigures,
	fundCompany,
	slackDmCounts,
	type CompanyFigures,
} from '../../bench/companyFunding';
import { ReadinessGate } from './readinessGate';

export const FULL = process.env.PERKS_RELIABILITY_FULL === '1';
export const LOAD = FULL
	? {
			burst: 500,
			burstConcurrency: 25,
			duplicates: 200,
			outageMs: 60_000,
			outageEvents: 60,
			faults: 200,
			rateLimited: 300,
			kill: 200,
		}
	: {
			burst: 120,
			burstConcurrency: 25,
			duplicates: 40,
			outageMs: 15_000,
			outageEvents: 30,
			faults: 60,
			rateLimited: 120,
			kill: 60,
		};

/** A claim left by a killed sender blocks copies this long before it is taken over (and looked up). */
export const LEASE_ENV = { PERKS_LEDGER_LEASE_SECONDS: '5' };

/** What the scenarios need from an n8n set-up. */
export interface Target {
	/** URLs that serve the production webhook of `workflow` (queue mode: the webhook process and main). */
	urls(workflow: WorkflowJson): string[];
	executions(workflowId: string): Promise<ExecutionRow[]>;
	restart(): Promise<void>;
	/** SIGKILL every n8n process, then start them again. */
	killAndStart(onKilled?: () => void): Promise<void>;
	/** Everything n8n logged, and the execution data it stored, for the secrets check. */
	logText(): string;
	executionData(): Promise<string>;
}

export const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'relWalletDm01');

/** Low balance → Balance Lookup (perks API) → Send DM: the workflow that random perks faults reach. */
export const LOOKUP_DM: WorkflowJson = (() => {
	const base = loadTemplate('wallet-funded-to-slack-dm.json', 'relLookupDm01');
	const nodes = base.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
	const trigger = {
		...nodes.find((n) => n.name === 'Perks Trigger')!,
		id: 'rel-trigger-2',
		webhookId: 'rel-lookup-hook',
	} as INode;
	trigger.parameters = { ...trigger.parameters, events: ['wallet.low_balance'] };
	const sendDm = {
		...nodes.find((n) => n.name === 'Send DM')!,
		id: 'rel-send-2',
		position: [800, 0],
	} as INode;
	const lookup: INode = {
		id: 'rel-lookup-2',
		name: 'Balance Lookup',
		type: 'n8n-nodes-perks.perksBalanceLookup',
		typeVersion: 1,
		position: [600, 0],
		parameters: { lookUpBy: 'email', email: '={{ $json.employeeEmail }}' },
		credentials: { perksApi: { id: 'perksApiCredential', name: 'Perks API' } },
	};
	// Items now come from Balance Lookup: the email and the idempotency key come from the trigger's item.
	sendDm.parameters = {
		...sendDm.parameters,
		email: "={{ $('Perks Trigger').item.json.employeeEmail }}",
		messageSource: 'custom',
		text: '=Your perks balance is low: {{ $json.balance }} points.',
		options: { idempotencyKey: "={{ $('Perks Trigger').item.json.eventId }}" },
	};
	return {
		id: 'relLookupDm01',
		name: 'Reliability: low balance → lookup → Slack DM',
		nodes: [trigger, lookup, sendDm],
		connections: {
			'Perks Trigger': { main: [[{ node: 'Balance Lookup', type: 'main', index: 0 }]] },
			'Balance Lookup': { main: [[{ node: 'Send DM', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
})();

export interface World {
	perks: PerksEmulator;
	slack: SlackEmulator;
	credentials: CredentialJson[];
	workflows: WorkflowJson[];
}

export async function startWorld(): Promise<World> {
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	await Promise.all([perks.start(), slack.start()]);
	return {
		perks,
		slack,
		credentials: templateCredentials(perks, slack),
		workflows: [DM, LOOKUP_DM],
	};
}

export async function stopWorld(world: World): Promise<void> {
	await Promise.all([world.perks.stop(), world.slack.stop()]);
}

export interface Person {
	employee: Employee;
	user: EmulatedUser;
}

let people = 0;
/** `count` employees with Slack accounts of the same email, new for every scenario. */
export function hire(world: World, count: number, tag: string): Person[] {
	return Array.from({ length: count }, () => {
		const n = ++people;
		const email = `${tag}.${n}@example.com`;
		const user = world.slack.addUser({ name: `${tag}${n}`, realName: `${tag} ${n}`, email });
		const employee = world.perks.addEmployee({
			email,
			name: `${tag} ${n}`,
			locale: ['en', 'es', 'it', 'pt'][n % 4],
		});
		return { employee, user };
	});
}

/** How many DMs each person received. */
export function dmCounts(world: World, crew: Person[]): number[] {
	return crew.map((p) => {
		const channel = world.slack.dmChannelFor(p.user.id);
		return channel ? world.slack.messagesFor(channel).length : 0;
	});
}

export function summary(results: RedeliveryResult[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const r of results) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
	const attempts = results.flatMap((r) => r.attempts);
	for (const a of attempts) out[`status ${a.status}`] = (out[`status ${a.status}`] ?? 0) + 1;
	return out;
}

export function walletEvents(crew: Person[]) {
	return crew.map((p, i) =>
		walletFundedEvent(p.employee, { amount: 100 + i, balance: 1000 + i, period: '2026-12' }),
	);
}

export function lowBalanceEvents(crew: Person[]) {
	return crew.map((p) => lowBalanceEvent(p.employee, { balance: 5, threshold: 20 }));
}

export function secretsOf(world: World): string[] {
	return [world.slack.token, world.perks.apiKey, ...world.perks.webhooks.map((w) => w.secret)];
}

export function readLog(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

export { webhookIdOf };

/**
 * Company scale at CI's load: EMPLOYEES distinct people funded at once, Slack enforcing its
 * published tiers with every window shortened `timeScale` times, the platform 50 at a time through
 * a readiness gate with its back-off `backoffScale` times shorter, cut to 15 s steps once every
 * DM landed or `hurryByMs` passed, and n8n restarted when half the DMs have landed.
 */
export const COMPANY = {
	employees: FULL ? 1_000 : 300,
	timeScale: 2,
	// 10×: 5 s → 0.5 s, 10 min → 60 s. At 30× a restart on a loaded machine (80 s) used up 5
	// retries, a quarter of an hour of the real schedule, and the refusals during the catch-up
	// the rest; the deadline below keeps the later steps (30 min → 180 s) within the test's time.
	backoffScale: 10,
	// The back-off's 7th step (4 h) is 480 s at this scale: past this the steps are cut to 15 s.
	hurryByMs: FULL ? 600_000 : 270_000,
	testTimeoutMs: FULL ? 900_000 : 400_000,
};

export async function companyWithRestart(
	world: World,
	url: string,
	restart: () => Promise<void>,
	tag: string,
): Promise<CompanyFigures> {
	const crew = hire(world, COMPANY.employees, tag);
	const hook = world.perks.webhooks.find((h) => h.url === url)!;
	const gate = new ReadinessGate(new URL(url).origin);
	await gate.start();
	world.slack.usePublishedLimits(COMPANY.timeScale);
	let restartMs = -1;
	try {
		const ids = crew.map((p) => p.user.id);
		const figures = await fundCompany({
			perks: world.perks,
			url: gate.via(url),
			secret: hook.secret,
			events: walletEvents(crew),
			received: () => slackDmCounts(world.slack, ids),
			timeScale: COMPANY.backoffScale,
			hurryByMs: COMPANY.hurryByMs,
			midway: async () => {
				const began = Date.now();
				await restart();
				restartMs = Date.now() - began;
			},
			progressMs: 15_000,
			label: tag,
		});
		console.log(
			`[company] ${tag}: ${describeFigures(figures)}; restart ${restartMs} ms; refused while not ready ${gate.refused}; ` +
				`429s ${world.slack.rateLimitedCount('chat.postMessage')}`,
		);
		expect(restartMs).toBeGreaterThanOrEqual(0);
		// Every event delivered, every employee one DM: the restart lost nothing and sent nothing twice.
		expect(figures.results.filter((r) => r.outcome !== 'delivered')).toEqual([]);
		expect(figures.counts).toEqual(figures.counts.map(() => 1));
		return figures;
	} finally {
		world.slack.clearLimits();
		await gate.stop();
	}
}
