/**
 * Fan-out: "wallet funded" for N distinct employees → N Slack DMs through a real n8n running the
 * shipped template, delivered as the platform does (redelivered on any non-2xx), against n8n's
 * Webhook → NoOp in the same n8n; then with Slack, and Graph for the shipped Teams template,
 * limiting posts to a rate below the one n8n itself reached without a limit in this run.
 */
import { GraphEmulator } from '../emulators/graphApi';
import { PerksEmulator, walletFundedEvent } from '../emulators/perksApi';
import type { RedeliveryResult } from '../emulators/perksRedelivery';
import { SlackEmulator } from '../emulators/slackApi';
import { N8nInstance, sleep, waitFor } from '../harness/n8n';
import { catalogCredentials, loadTemplate, webhookIdOf } from '../harness/n8n/templateSetup';
import { envInt, fmt, pool, post } from './common';
import { ratio, type Row } from './table';
import { webhookWorkflow } from './workflows';

/** The posting limit the fan-out target is stated for; lower when n8n runs under twice this. */
const MAX_LIMIT_PER_SECOND = 10;
const SLACK_POSTS = 'chat.postMessage';
const GRAPH_POSTS = 'POST /chats/{id}/messages';
const SLACK_DM = loadTemplate('wallet-funded-to-slack-dm.json', 'benchFanoutDm01');
const TEAMS_DM = loadTemplate('wallet-funded-to-teams-dm.json', 'benchFanoutTeams1');
const NOOP = webhookWorkflow('benchFanoutNoOp1', 'bench-noop', 'none');

interface Recipient {
	email: string;
	name: string;
	/** What the destination counts this person's DMs by (Slack user id, Teams chat). */
	key: string;
}

/** Where a template's DMs land: its webhook, the people it can reach, and what each received. */
export interface Destination {
	url: string;
	add(count: number, prefix: string): Recipient[];
	/** DMs received by each recipient, in order. */
	received(recipients: Recipient[]): number[];
}

export interface Burst {
	ms: number;
	lost: number;
	duplicates: number;
	redelivered: number;
	notDelivered: number;
}

/** Delivers wallet.funded to each recipient's employee, `concurrency` at a time, until every DM is there. */
export async function burst(
	perks: PerksEmulator,
	to: Destination,
	n8n: N8nInstance,
	recipients: Recipient[],
	concurrency: number,
): Promise<Burst> {
	const employees = recipients.map((r) => perks.addEmployee({ email: r.email, name: r.name }));
	const began = performance.now();
	const results: RedeliveryResult[] = await perks.deliverAllUntilDone(
		employees.map((employee) => walletFundedEvent(employee, { amount: 100, balance: 100 })),
		{ concurrency, url: to.url },
	);
	await waitFor(() => to.received(recipients).every((c) => c > 0), {
		what: 'every DM',
		timeoutMs: 30_000,
		instance: n8n,
	}).catch(() => undefined);
	const ms = performance.now() - began;
	await sleep(1_000);
	const counts = to.received(recipients);
	return {
		ms,
		lost: counts.filter((c) => c === 0).length,
		duplicates: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		redelivered: results.filter((r) => r.attempts.length > 1).length,
		notDelivered: results.filter((r) => r.outcome !== 'delivered').length,
	};
}

function slackDestination(slack: SlackEmulator, url: string): Destination {
	return {
		url,
		add: (count, prefix) =>
			slack
				.addUsers(count, { namePrefix: prefix })
				.map((u) => ({ email: u.email!, name: u.realName, key: u.id })),
		received: (recipients) => recipients.map((r) => slack.messagesFor(r.key).length),
	};
}

function teamsDestination(graph: GraphEmulator, url: string): Destination {
	return {
		url,
		// The 1:1 chat id is fixed by the pair, so naming it first changes nothing n8n sees.
		add: (count) =>
			graph.addUsers(count, 'teams.test').map((u) => ({
				email: u.mail!,
				name: u.displayName,
				key: `chat:${graph.oneOnOneChat(u.id)}`,
			})),
		received: (recipients) => {
			const perTarget = new Map<string, number>();
			for (const m of graph.messages) perTarget.set(m.target, (perTarget.get(m.target) ?? 0) + 1);
			return recipients.map((r) => perTarget.get(r.key) ?? 0);
		},
	};
}

/** The posts a second the emulators allow, and why: BENCH_FANOUT_LIMIT, else half of n8n's own unlimited rate (1 to 10). */
function chooseLimit(freeRate: number): { perSecond: number; why: string } {
	const measured = `n8n's ${fmt(freeRate, 1)}/s unlimited rate`;
	const override = envInt('BENCH_FANOUT_LIMIT', 0);
	if (override > 0) return { perSecond: override, why: `set by BENCH_FANOUT_LIMIT; ${measured}` };
	const half = Math.floor(freeRate / 2);
	if (half >= MAX_LIMIT_PER_SECOND)
		return {
			perSecond: MAX_LIMIT_PER_SECOND,
			why: `10/s (the target's), at most half of ${measured}`,
		};
	if (half < 1) return { perSecond: 1, why: `the lowest, over half of ${measured}` };
	return { perSecond: half, why: `half of ${measured} (rounded down)` };
}

/** What the run itself shows about a slow limited burst (not a guess). */
function whySlow(b: Burst, freeRate: number, limit: number): string {
	const reasons = [
		freeRate < limit
			? `n8n itself ran ${fmt(freeRate, 1)} executions/s without the limit, below the limit`
			: '',
		b.redelivered
			? `${b.redelivered} deliveries went back to the platform and waited for its backoff`
			: '',
	].filter(Boolean);
	return (
		reasons.join(', ') || "neither n8n's own rate nor redeliveries explain it: see the 429 count"
	);
}

export function exactness(b: Burst): string {
	return `${b.lost} lost, ${b.duplicates} duplicates, ${b.redelivered} redelivered`;
}

export const exact = (b: Burst) => b.lost === 0 && b.duplicates === 0;

/** The row of a burst under the limit: its time against events / limit. */
function limitedRow(
	what: string,
	b: Burst,
	events: number,
	limit: number,
	refused: number,
	freeRate: number,
): Row {
	const allowedMs = (events / limit) * 1000;
	const slow = b.ms > 1.2 * allowedMs;
	const misses = [
		slow ? `slower than 1.2×: ${whySlow(b, freeRate, limit)}` : '',
		exact(b) ? '' : exactness(b),
	].filter(Boolean);
	return {
		benchmark: `fan-out: ${fmt(events)} ${what}`,
		figure: `${fmt(b.ms / 1000, 1)} s; ${exactness(b)}; ${fmt(refused)} answered 429`,
		baseline: `${fmt(allowedMs / 1000, 1)} s (what the limit allows)`,
		ratio: ratio(b.ms, allowedMs),
		target: '≤ 1.2×, 0 lost, 0 duplicates',
		verdict: misses.length ? `missed (${misses.join('; ')})` : 'met',
	};
}

export async function fanout(): Promise<Row[]> {
	const count = envInt('BENCH_FANOUT_EVENTS', 1_000);
	const limited = envInt('BENCH_FANOUT_LIMITED_EVENTS', 1_000);
	const concurrency = envInt('BENCH_FANOUT_CONCURRENCY', 20);
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	const graph = new GraphEmulator();
	await Promise.all([perks.start(), slack.start(), graph.start()]);
	const n8n = await N8nInstance.launch({
		name: 'bench-fanout',
		credentials: catalogCredentials({ perks, slack, graph }, [SLACK_DM, TEAMS_DM]),
		workflows: [SLACK_DM, TEAMS_DM, NOOP],
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	try {
		const toSlack = slackDestination(slack, n8n.webhookUrl(webhookIdOf(SLACK_DM)));
		const toTeams = teamsDestination(graph, n8n.webhookUrl(webhookIdOf(TEAMS_DM)));
		await waitFor(
			() => [toSlack, toTeams].every((to) => perks.webhooks.some((w) => w.url === to.url)),
			{ what: 'the templates to register', timeoutMs: 60_000, instance: n8n },
		);
		// Warm-up, not counted.
		for (const to of [toSlack, toTeams])
			await burst(perks, to, n8n, to.add(20, 'warm'), concurrency);

		const free = await burst(perks, toSlack, n8n, toSlack.add(count, 'free'), concurrency);
		const body = Buffer.from(JSON.stringify({ hello: 'world' }));
		let noOpErrors = 0;
		const began = performance.now();
		await pool(count, concurrency, async () => {
			if (
				(
					await post(`${n8n.baseUrl}/webhook/bench-noop`, body, {
						'content-type': 'application/json',
					})
				).status !== 200
			)
				noOpErrors++;
		});
		const noOpMs = performance.now() - began;
		const freeRate = (count * 1000) / free.ms;
		const noOpRate = (count * 1000) / noOpMs;

		// Below n8n's own rate, so the limited rows measure the throttle, not n8n.
		const limit = chooseLimit(freeRate);
		slack.limitPerSecond(SLACK_POSTS, limit.perSecond);
		graph.limitPerSecond(GRAPH_POSTS, limit.perSecond);
		const slackCapped = await burst(
			perks,
			toSlack,
			n8n,
			toSlack.add(limited, 'capped'),
			concurrency,
		);
		const teamsCapped = await burst(
			perks,
			toTeams,
			n8n,
			toTeams.add(limited, 'capped'),
			concurrency,
		);
		return [
			{
				benchmark: `fan-out: ${fmt(count)} wallet funded → DMs, shipped template, ${concurrency} concurrent`,
				figure: `${fmt(freeRate, 1)} executions/s (${fmt(free.ms / 1000, 1)} s); ${exactness(free)}`,
				baseline: `${fmt(noOpRate, 1)}/s Webhook → NoOp${noOpErrors ? ` (${noOpErrors} non-200)` : ''}`,
				ratio: ratio(freeRate, noOpRate),
				target: '0 lost, 0 duplicates',
				verdict: exact(free) ? 'met' : `missed (${exactness(free)})`,
			},
			limitedRow(
				`Slack DMs, Slack at ${limit.perSecond} ${SLACK_POSTS}/s, ${limit.why}`,
				slackCapped,
				limited,
				limit.perSecond,
				slack.rateLimitedCount(SLACK_POSTS),
				freeRate,
			),
			limitedRow(
				`Teams DMs (shipped template), Graph at ${limit.perSecond} ${GRAPH_POSTS}/s, the same limit`,
				teamsCapped,
				limited,
				limit.perSecond,
				graph.rateLimitedCount(GRAPH_POSTS),
				freeRate,
			),
		];
	} finally {
		await n8n.dispose();
		await Promise.all([perks.stop(), slack.stop(), graph.stop()]);
	}
}
