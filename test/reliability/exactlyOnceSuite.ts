/** The exactly-once reliability suite, defined once for every n8n set-up (see scenarios.ts). */
import { setTimeout as sleep } from 'node:timers/promises';

import { waitFor } from '../../harness/n8n';
import type { RedeliveryResult } from '../../emulators/perksRedelivery';
import { ReadinessGate } from './readinessGate';
import {
	DM,
	LOAD,
	dmCounts,
	hire,
	lowBalanceEvents,
	secretsOf,
	summary,
	walletEvents,
	type Target,
	type World,
} from './scenarios';

/** The platform's 8 retries, scaled down from seconds-to-hours (docs/perks-api.md): 120 s in all. */
const BACKOFF = [500, 1000, 2000, 4000, 8000, 15_000, 30_000, 60_000];
/** The same 8 retries, faster (51 s in all), where no outage must be outlasted. */
const FAST_BACKOFF = [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600];

export function exactlyOnceSuite(
	label: string,
	setup: () => { target: () => Target; world: () => World },
): void {
	const { target, world } = setup();
	const log = (scenario: string, figures: Record<string, unknown>) =>
		console.log(`[${label}] ${scenario}: ${JSON.stringify(figures)}`);

	async function settled(workflowId: string, atLeast: number) {
		return await waitFor(
			async () => {
				const rows = await target().executions(workflowId);
				const done = rows.filter((r) =>
					['success', 'error', 'crashed', 'canceled'].includes(r.status),
				);
				return done.length >= atLeast && done.length === rows.length ? done : undefined;
			},
			{ what: `${atLeast} finished executions of ${workflowId}`, timeoutMs: 120_000 },
		);
	}

	it(`burst: ${LOAD.burst} distinct events, ${LOAD.burstConcurrency} at once → one DM each, every execution successful; after a restart, redelivering all → no new DM`, async () => {
		const w = world();
		const crew = hire(w, LOAD.burst, 'burst');
		const events = walletEvents(crew);
		const before = (await target().executions(DM.id)).length;
		const began = Date.now();
		const results = await w.perks.deliverAllUntilDone(events, {
			concurrency: LOAD.burstConcurrency,
			backoffMs: FAST_BACKOFF,
		});
		const ms = Date.now() - began;
		log('burst', {
			events: LOAD.burst,
			ms,
			perSecond: Math.round((LOAD.burst / ms) * 1000),
			...summary(results),
		});
		expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
		expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
		// Every execution the burst started succeeded (a first attempt that timed out on the platform's
		// side is answered later; it must not have failed in n8n).
		const runs = (await settled(DM.id, before + LOAD.burst)).slice(before);
		expect(runs.filter((r) => r.status !== 'success')).toEqual([]);

		await target().restart();
		const again = await w.perks.deliverAllUntilDone(events, {
			concurrency: LOAD.burstConcurrency,
			backoffMs: FAST_BACKOFF,
		});
		expect(again.every((r) => r.outcome === 'delivered')).toBe(true);
		expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
		const rerun = (await settled(DM.id, before + 2 * LOAD.burst)).slice(before + LOAD.burst);
		expect(rerun.filter((r) => r.status !== 'success')).toEqual([]);
	});

	it(`duplicates: ${LOAD.duplicates} events, each delivered 3 times at once (to every webhook-serving process) → one DM each`, async () => {
		const w = world();
		const crew = hire(w, LOAD.duplicates, 'dup');
		const events = walletEvents(crew);
		const urls = target().urls(DM);
		const secret = w.perks.webhooks.find((hook) => hook.events.includes('wallet.funded'))!.secret;
		// Three concurrent copies per attempt, spread over the URLs that serve the webhook.
		const copies =
			urls.length === 1
				? [{ url: urls[0], copies: 3 }]
				: [
						{ url: urls[0], copies: 2 },
						{ url: urls[1], copies: 1 },
					];
		const results = await Promise.all(
			copies.map(
				async ({ url, copies: n }) =>
					await w.perks.deliverAllUntilDone(events, {
						url,
						secret,
						copies: n,
						concurrency: 10,
						backoffMs: BACKOFF,
					}),
			),
		);
		log('duplicates', { events: LOAD.duplicates, ...summary(results.flat()) });
		for (const batch of results) expect(batch.every((r) => r.outcome === 'delivered')).toBe(true);
		expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
	});

	it(`outage: Slack fails every post for ${LOAD.outageMs / 1000} s while ${LOAD.outageEvents} events arrive → every DM arrives once afterwards`, async () => {
		const w = world();
		const crew = hire(w, LOAD.outageEvents, 'outage');
		w.slack.outage(['chat.postMessage'], LOAD.outageMs, 503);
		// All at once, as a funding run: every first attempt lands inside the outage.
		const results = await w.perks.deliverAllUntilDone(walletEvents(crew), {
			concurrency: LOAD.outageEvents,
			backoffMs: BACKOFF,
		});
		expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
		// The first attempts failed (answered non-2xx), so the platform came again.
		expect(results.every((r) => r.attempts[0].status !== 200)).toBe(true);
		expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
		log('outage', summary(results));
	});

	it(`faults: 20% of Slack and perks calls fail (429, 5xx, resets, lost answers) → each DM at most once, and every delivered event's exactly once`, async () => {
		const w = world();
		const crew = hire(w, LOAD.faults, 'fault');
		w.slack.faultRate({
			rate: 0.2,
			seed: 6,
			methods: ['conversations.open', 'chat.postMessage', 'conversations.history'],
			kinds: ['429', '500', '503', 'reset', 'reset_after', 'timeout_after'],
			holdMs: 1_500,
		});
		w.perks.faultRate({
			rate: 0.2,
			seed: 7,
			pathPrefix: '/v1/wallets',
			kinds: ['429', '500', '503', 'reset', 'timeout'],
			holdMs: 1_500,
		});
		try {
			const results = await w.perks.deliverAllUntilDone(lowBalanceEvents(crew), {
				concurrency: 40,
				backoffMs: FAST_BACKOFF,
			});
			const counts = dmCounts(w, crew);
			expect(Math.max(...counts)).toBe(1);
			results.forEach((r, i) => {
				if (r.outcome === 'delivered') expect(counts[i]).toBe(1);
			});
			expect(
				w.slack.injectedCount('reset_after') + w.slack.injectedCount('timeout_after'),
			).toBeGreaterThan(0);
			log('faults', {
				...summary(results),
				ambiguous: w.slack.injectedCount('reset_after') + w.slack.injectedCount('timeout_after'),
				dms: counts.reduce((a, b) => a + b, 0),
			});
		} finally {
			w.slack.clearFaultRate();
			w.perks.clearFaultRate();
		}
	});

	it(`rate limit: Slack allows 10 posts a second, ${LOAD.rateLimited} events at once → every DM, none twice`, async () => {
		const w = world();
		const crew = hire(w, LOAD.rateLimited, 'limited');
		w.slack.limitPerSecond('chat.postMessage', 10);
		try {
			const began = Date.now();
			const results = await w.perks.deliverAllUntilDone(walletEvents(crew), {
				concurrency: 20,
				backoffMs: FAST_BACKOFF,
			});
			const ms = Date.now() - began;
			expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
			expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
			log('rate limit', {
				events: LOAD.rateLimited,
				ms,
				floorMs: (LOAD.rateLimited / 10) * 1000,
				refused429: w.slack.rateLimitedCount('chat.postMessage'),
				...summary(results),
			});
		} finally {
			w.slack.clearLimits();
		}
	});

	it(`kill: n8n SIGKILLed mid fan-out of ${LOAD.kill} events and started again → no duplicate, the rest arrives`, async () => {
		const w = world();
		const crew = hire(w, LOAD.kill, 'kill');
		const channels = () =>
			crew.map((p) => w.slack.dmChannelFor(p.user.id)).filter(Boolean) as string[];
		const delivered = () => channels().reduce((n, c) => n + w.slack.messagesFor(c).length, 0);
		// Through a readiness gate, as a deployment should be: a restarting n8n answers 200 to anything
		// before its migrations have run, and the platform would take that as delivered.
		const hook = w.perks.webhooks.find((h) => h.events.includes('wallet.funded'))!;
		const gate = new ReadinessGate(new URL(hook.url).origin);
		await gate.start();
		let atKill = 0;
		let results: RedeliveryResult[];
		try {
			// Slow posts, so the kill lands while many sends are in flight.
			w.slack.limitPerSecond('chat.postMessage', 15);
			const deliveries = w.perks.deliverAllUntilDone(walletEvents(crew), {
				url: gate.via(hook.url),
				secret: hook.secret,
				concurrency: 15,
				backoffMs: BACKOFF,
			});
			await waitFor(() => delivered() >= LOAD.kill / 3, {
				what: 'a third of the DMs',
				timeoutMs: 60_000,
			});
			await target().killAndStart(() => (atKill = delivered()));
			results = await deliveries;
		} finally {
			await gate.stop();
		}
		w.slack.clearLimits();
		expect(atKill).toBeLessThan(LOAD.kill);
		expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
		expect(dmCounts(w, crew)).toEqual(crew.map(() => 1));
		log('kill', {
			events: LOAD.kill,
			dmsAtKill: atKill,
			refusedNotReady: gate.refused,
			...summary(results),
		});
	});

	it("secrets: no token, API key or webhook secret in n8n's log or stored execution data", async () => {
		await sleep(500);
		const secrets = secretsOf(world());
		const log = target().logText();
		const data = await target().executionData();
		expect(log.length).toBeGreaterThan(0);
		expect(data.length).toBeGreaterThan(0);
		for (const secret of secrets) {
			expect(log).not.toContain(secret);
			expect(data).not.toContain(secret);
		}
	});
}
