/**
 * Fan-out: "wallet funded" for N distinct employees → N Slack DMs through a real n8n running the
 * shipped template, delivered as the platform does (redelivered on any non-2xx), against n8n's
 * Webhook → NoOp in the same n8n; then with Slack allowing 10 chat.postMessage a second.
 */
import { PerksEmulator, walletFundedEvent } from '../test/emulators/perksApi';
import type { RedeliveryResult } from '../test/emulators/perksRedelivery';
import { SlackEmulator, type EmulatedUser } from '../test/emulators/slackApi';
import { N8nInstance, sleep, waitFor } from '../test/e2e/n8nInstance';
import { loadTemplate, templateCredentials, webhookIdOf } from '../test/e2e/templateSetup';
import { envInt, fmt, pool, post } from './common';
import { ratio, type Row } from './table';
import { webhookWorkflow } from './workflows';

const LIMIT_PER_SECOND = 10;
const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'benchFanoutDm01');
const NOOP = webhookWorkflow('benchFanoutNoOp1', 'bench-noop', 'none');

interface Burst {
	ms: number;
	lost: number;
	duplicates: number;
	redelivered: number;
	notDelivered: number;
}

/** Delivers wallet.funded to each user's employee, `concurrency` at a time, until every DM is there. */
async function burst(
	perks: PerksEmulator,
	slack: SlackEmulator,
	n8n: N8nInstance,
	users: EmulatedUser[],
	concurrency: number,
): Promise<Burst> {
	const employees = users.map((user) =>
		perks.addEmployee({ email: user.email, name: user.realName }),
	);
	const began = performance.now();
	const results: RedeliveryResult[] = await perks.deliverAllUntilDone(
		employees.map((employee) => walletFundedEvent(employee, { amount: 100, balance: 100 })),
		{ concurrency },
	);
	const dmCount = () => users.filter((u) => slack.messagesFor(u.id).length > 0).length;
	await waitFor(() => dmCount() === users.length, {
		what: 'every DM',
		timeoutMs: 30_000,
		instance: n8n,
	}).catch(() => undefined);
	const ms = performance.now() - began;
	await sleep(1_000);
	const counts = users.map((u) => slack.messagesFor(u.id).length);
	return {
		ms,
		lost: counts.filter((c) => c === 0).length,
		duplicates: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		redelivered: results.filter((r) => r.attempts.length > 1).length,
		notDelivered: results.filter((r) => r.outcome !== 'delivered').length,
	};
}

/** What the run itself shows about a slow limited burst (not a guess). */
function whySlow(b: Burst, freeRate: number): string {
	const reasons = [
		freeRate < LIMIT_PER_SECOND
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

function exactness(b: Burst): string {
	return `${b.lost} lost, ${b.duplicates} duplicates, ${b.redelivered} redelivered`;
}

export async function fanout(): Promise<Row[]> {
	const count = envInt('BENCH_FANOUT_EVENTS', 1_000);
	const limited = envInt('BENCH_FANOUT_LIMITED_EVENTS', 1_000);
	const concurrency = envInt('BENCH_FANOUT_CONCURRENCY', 20);
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	await Promise.all([perks.start(), slack.start()]);
	const n8n = await N8nInstance.launch({
		name: 'bench-fanout',
		credentials: templateCredentials(perks, slack),
		workflows: [DM, NOOP],
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	try {
		const url = n8n.webhookUrl(webhookIdOf(DM));
		await waitFor(() => perks.webhooks.some((w) => w.url === url), {
			what: 'the template to register',
			timeoutMs: 60_000,
			instance: n8n,
		});
		// Warm-up, not counted.
		await burst(perks, slack, n8n, slack.addUsers(20, { namePrefix: 'warm' }), concurrency);

		const free = await burst(
			perks,
			slack,
			n8n,
			slack.addUsers(count, { namePrefix: 'free' }),
			concurrency,
		);
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

		slack.rateLimit('chat.postMessage', LIMIT_PER_SECOND);
		const capped = await burst(
			perks,
			slack,
			n8n,
			slack.addUsers(limited, { namePrefix: 'capped' }),
			concurrency,
		);
		const allowedMs = (limited / LIMIT_PER_SECOND) * 1000;
		const freeRate = (count * 1000) / free.ms;
		const noOpRate = (count * 1000) / noOpMs;
		const exact = (b: Burst) => b.lost === 0 && b.duplicates === 0;
		return [
			{
				benchmark: `fan-out: ${fmt(count)} wallet funded → DMs, shipped template, ${concurrency} concurrent`,
				figure: `${fmt(freeRate, 1)} executions/s (${fmt(free.ms / 1000, 1)} s); ${exactness(free)}`,
				baseline: `${fmt(noOpRate, 1)}/s Webhook → NoOp${noOpErrors ? ` (${noOpErrors} non-200)` : ''}`,
				ratio: ratio(freeRate, noOpRate),
				target: '0 lost, 0 duplicates',
				verdict: exact(free) ? 'met' : `missed (${exactness(free)})`,
			},
			{
				benchmark: `fan-out: ${fmt(limited)} DMs, Slack at ${LIMIT_PER_SECOND} chat.postMessage/s`,
				figure: `${fmt(capped.ms / 1000, 1)} s; ${exactness(capped)}; ${slack.rateLimitedCount('chat.postMessage')} answered 429`,
				baseline: `${fmt(allowedMs / 1000, 1)} s (what the limit allows)`,
				ratio: ratio(capped.ms, allowedMs),
				target: '≤ 1.2×, 0 lost, 0 duplicates',
				verdict:
					exact(capped) && capped.ms <= 1.2 * allowedMs
						? 'met'
						: `missed (${[capped.ms > 1.2 * allowedMs ? `slower than 1.2×: ${whySlow(capped, freeRate)}` : '', exact(capped) ? '' : exactness(capped)].filter(Boolean).join('; ')})`,
			},
		];
	} finally {
		await n8n.dispose();
		await Promise.all([perks.stop(), slack.stop()]);
	}
}
