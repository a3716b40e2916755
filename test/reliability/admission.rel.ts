/**
 * A company's monthly funding against a slow destination, on a real n8n (SQLite): 300 distinct
 * employees funded at once, delivered by the platform 50 at a time with its 10 s timeout and its
 * back-off (5 s, 30 s, 2 min, …), to the shipped Slack DM template, Slack allowing 5 posts a
 * second. The Perks Trigger's admission control answers what it cannot run in time 503 at once, so
 * each event is delivered about once instead of timing out again and again, and n8n holds a bounded
 * number of runs. PERKS_ADMISSION_COMPARE=1 also runs the same load with "Max Events in Flight" 0
 * (no admission control) and logs both, for comparison; only the exactly-once checks bind it.
 */
import type { INode } from 'n8n-workflow';

import { groupRssMB, liveN8nGroups } from '../../bench/common';
import { N8nInstance, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	mapBounded,
	type DeliveryAttempt,
	type RedeliveryResult,
} from '../../emulators/perksRedelivery';
import { signatureHeader } from '../../nodes/shared/perks/signature';
import { loadTemplate } from '../../harness/n8n/templateSetup';
import {
	COMPANY,
	companyWithRestart,
	dmCounts,
	hire,
	LEASE_ENV,
	startWorld,
	stopWorld,
	summary,
	walletEvents,
	webhookIdOf,
	type World,
} from './scenarios';

const EMPLOYEES = 300;
const PLATFORM_CONCURRENCY = 50;
const PLATFORM_TIMEOUT_MS = 10_000;
/** perks-contract.md: 8 retries over 24 hours, from seconds to hours (docs/perks-api.md's schedule). */
const CONTRACT_BACKOFF_MS = [
	5_000,
	30_000,
	120_000,
	600_000,
	3_600_000,
	3 * 3_600_000,
	6 * 3_600_000,
	12 * 3_600_000,
];
const SLACK_POSTS_PER_SECOND = 5;
const TARGET_DELIVERIES_PER_EVENT = 1.5;
const COMPARE = process.env.PERKS_ADMISSION_COMPARE === '1';

function dmWorkflow(id: string, maxEventsInFlight?: number): WorkflowJson {
	const template = loadTemplate('wallet-funded-to-slack-dm.json', id);
	if (maxEventsInFlight === undefined) return template;
	const nodes = template.nodes.map((n: INode) =>
		n.name === 'Perks Trigger'
			? { ...n, parameters: { ...n.parameters, options: { maxEventsInFlight } } }
			: n,
	);
	return { ...template, nodes };
}

interface Figures {
	events: number;
	ms: number;
	deliveries: number;
	perEvent: number;
	peakRssMB: number;
	baseRssMB: number;
	results: RedeliveryResult[];
	counts: number[];
}

/** A fresh n8n with `workflow` published, once the platform knows its webhook. */
async function publish(
	world: World,
	workflow: WorkflowJson,
	name: string,
): Promise<{ n8n: N8nInstance; url: string }> {
	const n8n = await N8nInstance.launch({
		name,
		credentials: world.credentials,
		workflows: [workflow],
		env: { ...LEASE_ENV, N8N_LOG_LEVEL: 'warn' },
	});
	const url = n8n.webhookUrl(webhookIdOf(workflow));
	try {
		await waitFor(() => world.perks.webhooks.some((w) => w.url === url), {
			what: 'the template to register',
			timeoutMs: 60_000,
			instance: n8n,
		});
	} catch (error) {
		await n8n.dispose();
		throw error;
	}
	return { n8n, url };
}

/** Publishes `workflow` on a fresh n8n, funds EMPLOYEES people at once, and measures. */
async function fundEveryone(world: World, workflow: WorkflowJson, tag: string): Promise<Figures> {
	const { n8n, url } = await publish(world, workflow, `reliability-admission-${tag}`);
	try {
		// Warm-up, not counted: n8n's first runs load the nodes and create the ledger table.
		const warm = await world.perks.deliverAllUntilDone(walletEvents(hire(world, 5, `${tag}warm`)), {
			url,
			concurrency: 5,
		});
		expect(warm.every((r) => r.outcome === 'delivered')).toBe(true);
		const secret = world.perks.webhooks.find((w) => w.url === url)!.secret;
		const crew = hire(world, EMPLOYEES, tag);
		const groups = liveN8nGroups();
		const baseRssMB = groupRssMB(groups);
		let peakRssMB = baseRssMB;
		const began = Date.now();
		const done: RedeliveryResult[] = [];
		const progress = setInterval(() => {
			peakRssMB = Math.max(peakRssMB, groupRssMB(groups));
			if ((Date.now() - began) % 15_000 < 250)
				report(`${tag} at ${Math.round((Date.now() - began) / 1000)} s`, figures(done));
		}, 250);
		const figures = (results: RedeliveryResult[]): Figures => {
			const deliveries = results.reduce((n, r) => n + r.attempts.length, 0);
			return {
				events: results.length,
				ms: Date.now() - began,
				deliveries,
				perEvent: deliveries / Math.max(1, results.length),
				peakRssMB: Math.round(peakRssMB),
				baseRssMB: Math.round(baseRssMB),
				results,
				counts: dmCounts(world, crew),
			};
		};
		let results: RedeliveryResult[];
		try {
			// The platform: 50 deliveries at a time, each event retried on its own schedule.
			results = await mapBounded(walletEvents(crew), PLATFORM_CONCURRENCY, async (event) => {
				const result = await platformDelivers(url, secret, event);
				done.push(result);
				return result;
			});
		} finally {
			clearInterval(progress);
		}
		const ms = Date.now() - began;
		// A run the platform gave up waiting for may still be sending: let every DM land.
		await waitFor(() => dmCounts(world, crew).every((c) => c > 0), {
			what: 'every DM',
			timeoutMs: 60_000,
			instance: n8n,
		}).catch(() => undefined);
		return { ...figures(results), ms };
	} finally {
		await n8n.dispose();
	}
}

/** The platform's delivery of one event (perks-contract.md), keeping each 503's reason and when it came. */
async function platformDelivers(
	url: string,
	secret: string,
	event: { id: string },
): Promise<RedeliveryResult> {
	const body = Buffer.from(JSON.stringify(event));
	const attempts: DeliveryAttempt[] = [];
	for (let round = 1; ; round++) {
		const started = Date.now();
		let status = 0;
		let error: string | undefined;
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'perks-signature': signatureHeader(secret, body, Math.floor(started / 1000)),
				},
				body,
				signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS),
			});
			status = response.status;
			const text = await response.text();
			if (status === 503) error = String((JSON.parse(text) as { reason?: string }).reason);
		} catch {
			error = 'timeout';
		}
		attempts.push({ round, status, at: started, ms: Date.now() - started, error });
		if (status >= 200 && status < 300) return { eventId: event.id, outcome: 'delivered', attempts };
		if (status === 400 || status === 410)
			return { eventId: event.id, outcome: 'dropped', attempts };
		if (round > CONTRACT_BACKOFF_MS.length)
			return { eventId: event.id, outcome: 'exhausted', attempts };
		await new Promise((resolve) => setTimeout(resolve, CONTRACT_BACKOFF_MS[round - 1]));
	}
}

function reasons(results: RedeliveryResult[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const a of results.flatMap((r) => r.attempts))
		if (a.error) out[a.error] = (out[a.error] ?? 0) + 1;
	return out;
}

function report(label: string, f: Figures): void {
	console.log(
		`[admission] ${label}: ${JSON.stringify({
			events: f.events,
			seconds: Math.round(f.ms / 100) / 10,
			deliveries: f.deliveries,
			perEvent: Math.round(f.perEvent * 100) / 100,
			peakRssMB: f.peakRssMB,
			baseRssMB: f.baseRssMB,
			dms: f.counts.reduce((a, b) => a + b, 0),
			twice: f.counts.filter((c) => c > 1).length,
			...summary(f.results),
			...reasons(f.results),
		})}`,
	);
}

let world: World;

beforeAll(async () => {
	world = await startWorld();
	world.slack.limitPerSecond('chat.postMessage', SLACK_POSTS_PER_SECOND);
});

afterAll(async () => {
	if (world) await stopWorld(world);
});

describe('monthly funding against a rate-limited Slack (SQLite)', () => {
	it(`${EMPLOYEES} employees funded at once, ${PLATFORM_CONCURRENCY} deliveries at a time, Slack at ${SLACK_POSTS_PER_SECOND} posts/s → each DM once, ≤ ${TARGET_DELIVERIES_PER_EVENT} deliveries per event`, async () => {
		const figures = await fundEveryone(world, dmWorkflow('relAdmissionOn1'), 'admitted');
		report('Max Events in Flight default', figures);
		expect(figures.results.every((r) => r.outcome === 'delivered')).toBe(true);
		expect(figures.counts).toEqual(figures.counts.map(() => 1));
		expect(figures.perEvent).toBeLessThanOrEqual(TARGET_DELIVERIES_PER_EVENT);
		// Refusals are 503s (retried), never 400/410 (which would drop the event); a 10 s timeout is rare.
		const attempts = figures.results.flatMap((r) => r.attempts);
		expect(attempts.every((a) => [0, 200, 409, 503].includes(a.status))).toBe(true);
		expect(attempts.filter((a) => a.status === 0).length).toBeLessThanOrEqual(0.05 * EMPLOYEES);
	}, 400_000);

	(COMPARE ? it : it.skip)(
		'the same load with "Max Events in Flight" 0 (no admission control), for comparison',
		async () => {
			const figures = await fundEveryone(world, dmWorkflow('relAdmissionOff1', 0), 'unlimited');
			report('Max Events in Flight 0', figures);
			expect(figures.counts.every((c) => c <= 1)).toBe(true);
		},
		1_800_000,
	);
});

describe('company scale on SQLite: Slack with its published tiers, n8n restarted midway', () => {
	it(
		`${COMPANY.employees} employees funded at once, Slack's tiers ${COMPANY.timeScale}× faster, restart when half have their DM → each DM once`,
		async () => {
			const { n8n, url } = await publish(
				world,
				dmWorkflow('relCompanySqlite1'),
				'reliability-company-sqlite',
			);
			try {
				world.slack.clearLimits();
				await companyWithRestart(world, url, () => n8n.restart(), 'companySqlite');
			} finally {
				world.slack.limitPerSecond('chat.postMessage', SLACK_POSTS_PER_SECOND);
				await n8n.dispose();
			}
		},
		COMPANY.testTimeoutMs,
	);
});
