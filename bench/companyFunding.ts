/**
 * A company's monthly funding as the platform delivers it (perks-contract.md, "Delivery"): N
 * distinct `wallet.funded` events at once, `concurrency` at a time (an event waiting out its
 * back-off keeps its slot), each with the 10 s timeout and the contract's back-off. Shared by the
 * company-scale benchmark (`bench/company.ts`, real time) and the reliability tier (time-scaled,
 * with a restart of n8n in the middle).
 */
import { groupRssMB, liveN8nGroups } from './common';
import type { PerksEmulator, EventInput } from '../emulators/perksApi';
import type { DeliveryAttempt, RedeliveryResult } from '../emulators/perksRedelivery';

export interface CompanyRun {
	perks: PerksEmulator;
	url: string;
	/** The webhook's secret when `url` is not the one it registered (e.g. through a readiness gate). */
	secret?: string;
	events: EventInput[];
	/** DMs each recipient received so far, in the order of `events`. */
	received: () => number[];
	/** Platform deliveries in flight. Default 50. */
	concurrency?: number;
	/** Divides the contract's back-off (the 10 s timeout is never scaled). Default 1. */
	timeScale?: number;
	/** Runs once, when half of the DMs have landed (e.g. a restart of n8n). */
	midway?: () => Promise<void>;
	/** How long DMs may still land after the platform's last answer. Default 60 s. */
	settleMs?: number;
	/**
	 * This long after every recipient has a DM, the back-off of events still pending is cut short:
	 * each remaining step lasts at most `hurriedStepMs`, so their deliveries are made and counted,
	 * not waited for (a 4th retry is 10 min away). Default 15 s.
	 */
	hurryAfterMs?: number;
	/**
	 * A cut-short step, default 15 s: not 0, as the platform never retries back to back, and a copy
	 * answered 409 while its first run is still held (25 s at most) needs a pause to come again.
	 */
	hurriedStepMs?: number;
	/**
	 * At the latest this long after the first delivery the back-off is cut short as above, DMs
	 * missing or not: a test's time budget, since the contract's later steps (30 min, 1 h, 4 h)
	 * scaled down still outlast it. Cutting it short changes no event's number of attempts.
	 */
	hurryByMs?: number;
	/** Progress lines every this many ms (0: none). */
	progressMs?: number;
	/** Event i's recipient's calls to the destination, for the stragglers' lines. */
	calls?: (i: number, since: number) => string;
	label?: string;
}

export interface CompanyFigures {
	events: number;
	/** From the first delivery to the moment every recipient had a DM (or the end of the wait). */
	msToLastDm: number;
	deliveries: number;
	perEvent: number;
	/** Attempts with no answer within the timeout, or no connection. */
	unanswered: number;
	/** The most deliveries one event took (the platform's back-off grows with each). */
	maxAttempts: number;
	/**
	 * Before the back-off was cut short: the highest round reached (1 the first delivery), and how
	 * many events were delivered at round 5 or later, i.e. waited out the 10-minute 4th step.
	 */
	maxRound: number;
	fromFourthRetry: number;
	lost: number;
	duplicates: number;
	notDelivered: number;
	peakRssMB: number;
	baseRssMB: number;
	results: RedeliveryResult[];
	counts: number[];
	/** 503 reasons and errors, counted. */
	reasons: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A `hurry` for the platform's redelivery loop, which races each back-off against it: pending
 * until `hurry()`, then each back-off raced against it ends after `stepMs` at most. A thenable,
 * not a promise, so that every race gets its own `stepMs` from the moment it starts.
 */
function shortenedBackOff(stepMs: number): { hurried: Promise<void>; hurry: () => void } {
	let on = false;
	const waiting: Array<() => void> = [];
	const later = (resolve: () => void) => () => void setTimeout(resolve, stepMs).unref();
	const thenable = {
		then(resolve: () => void) {
			if (on) later(resolve)();
			else waiting.push(later(resolve));
		},
	};
	return {
		hurried: thenable as unknown as Promise<void>,
		hurry: () => {
			if (on) return;
			on = true;
			for (const start of waiting.splice(0)) start();
		},
	};
}

export async function fundCompany(run: CompanyRun): Promise<CompanyFigures> {
	const { events, received } = run;
	const baseRssMB = groupRssMB(liveN8nGroups());
	let peakRssMB = baseRssMB;
	let landed = 0;
	let lastDmAt: number | undefined;
	let midway: Promise<void> | undefined;
	const began = Date.now();
	let deliveriesSoFar = 0;
	let hurriedAt = -1;
	const { hurried, hurry } = shortenedBackOff(run.hurriedStepMs ?? 15_000);
	const cutShort = () => {
		if (hurriedAt >= 0) return;
		hurriedAt = Date.now() - began;
		hurry();
	};
	const deadline =
		run.hurryByMs === undefined ? undefined : setTimeout(cutShort, run.hurryByMs).unref();
	// Failed attempts by reason, counted as they happen: the progress lines and the figures.
	const reasons: Record<string, number> = {};
	// Who was still missing when 99 % had their DM: the tail the ratio pays for, printed at the end.
	let stragglers: number[] | undefined;
	let maxRound = 0;
	let fromFourthRetry = 0;
	const look = () => {
		peakRssMB = Math.max(peakRssMB, groupRssMB(liveN8nGroups()));
		const counts = received();
		landed = counts.filter((c) => c > 0).length;
		if (!stragglers && landed >= 0.99 * events.length && landed < events.length)
			stragglers = counts.flatMap((c, i) => (c > 0 ? [] : [i]));
		if (lastDmAt === undefined && landed === events.length) {
			lastDmAt = Date.now();
			setTimeout(cutShort, run.hurryAfterMs ?? 15_000);
		}
		if (run.midway && !midway && landed >= events.length / 2) midway = run.midway();
	};
	const sampler = setInterval(look, 500);
	const progress =
		run.progressMs && run.progressMs > 0
			? setInterval(
					() =>
						console.log(
							`[company] ${run.label ?? ''} ${Math.round((Date.now() - began) / 1000)} s: ${landed}/${events.length} DMs, ${deliveriesSoFar} deliveries ${JSON.stringify(reasons)}, n8n ${Math.round(peakRssMB)} MB peak`,
						),
					run.progressMs,
				)
			: undefined;
	let results: RedeliveryResult[];
	try {
		results = await run.perks.deliverAllUntilDone(events, {
			url: run.url,
			secret: run.secret,
			concurrency: run.concurrency ?? 50,
			timeScale: run.timeScale ?? 1,
			timeoutMs: 10_000,
			hurry: hurried,
			onAttempt: (a) => {
				deliveriesSoFar++;
				if (hurriedAt < 0) {
					maxRound = Math.max(maxRound, a.round);
					if (a.round === 5) fromFourthRetry++;
				}
				const key = reasonOf(a);
				if (key) reasons[key] = (reasons[key] ?? 0) + 1;
			},
		});
		// A run the platform stopped waiting for may still be sending.
		const settleBy = Date.now() + (run.settleMs ?? 60_000);
		while (lastDmAt === undefined && Date.now() < settleBy) {
			await sleep(250);
			look();
		}
		await midway;
		// Anything sent twice arrives late: look once more after a pause.
		await sleep(2_000);
		look();
	} finally {
		clearInterval(sampler);
		clearTimeout(deadline);
		hurry();
		if (progress) clearInterval(progress);
	}
	// What an event that missed went through, for the log of a failed run.
	for (const r of results.filter((x) => x.outcome !== 'delivered'))
		console.log(
			`[company] ${run.label ?? ''} ${r.eventId} ${r.outcome}: ${JSON.stringify(r.attempts)}; every DM in at ${lastDmAt === undefined ? 'never' : `${lastDmAt - began} ms`}, back-off cut short at ${hurriedAt} ms`,
		);
	for (const i of (stragglers ?? []).slice(0, 20))
		console.log(
			`[company] ${run.label ?? ''} straggler ${results[i].eventId}: ${results[i].attempts.map((a) => `#${a.round} ${reasonOf(a) ?? a.status} at ${((a.at - began) / 1000).toFixed(1)} s (${a.ms} ms)`).join(', ')}${run.calls ? `; calls: ${run.calls(i, began)}` : ''}`,
		);
	const counts = received();
	const attempts = results.flatMap((r) => r.attempts);
	return {
		events: events.length,
		msToLastDm: (lastDmAt ?? Date.now()) - began,
		deliveries: attempts.length,
		perEvent: attempts.length / Math.max(1, events.length),
		unanswered: attempts.filter((a) => a.status === 0).length,
		maxAttempts: Math.max(0, ...results.map((r) => r.attempts.length)),
		maxRound,
		fromFourthRetry,
		lost: counts.filter((c) => c === 0).length,
		duplicates: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		notDelivered: results.filter((r) => r.outcome !== 'delivered').length,
		peakRssMB: Math.round(peakRssMB),
		baseRssMB: Math.round(baseRssMB),
		results,
		counts,
		reasons,
	};
}

/** Why an attempt failed: the 503's reason or the error, else its status; undefined for a 2xx. */
function reasonOf(a: DeliveryAttempt): string | undefined {
	return a.error ?? (a.status >= 200 && a.status < 300 ? undefined : `status ${a.status}`);
}

/** DMs per Slack user, counted in one pass over the emulator's messages. */
export function slackDmCounts(
	slack: {
		messages: ReadonlyArray<{ channel: string }>;
		dmChannelFor(userId: string): string | undefined;
	},
	userIds: readonly string[],
): number[] {
	const perChannel = new Map<string, number>();
	for (const m of slack.messages) perChannel.set(m.channel, (perChannel.get(m.channel) ?? 0) + 1);
	return userIds.map((id) => {
		const channel = slack.dmChannelFor(id);
		return channel ? (perChannel.get(channel) ?? 0) : 0;
	});
}

/** A one-line summary for logs. */
export function describeFigures(f: CompanyFigures): string {
	return JSON.stringify({
		events: f.events,
		secondsToLastDm: Math.round(f.msToLastDm / 100) / 10,
		deliveries: f.deliveries,
		perEvent: Math.round(f.perEvent * 100) / 100,
		unanswered: f.unanswered,
		maxAttempts: f.maxAttempts,
		maxRound: f.maxRound,
		fromFourthRetry: f.fromFourthRetry,
		lost: f.lost,
		duplicates: f.duplicates,
		notDelivered: f.notDelivered,
		peakRssMB: f.peakRssMB,
		baseRssMB: f.baseRssMB,
		...f.reasons,
	});
}
