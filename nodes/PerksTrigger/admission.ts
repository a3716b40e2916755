/**
 * Admission control for the Perks Trigger: an event starts a run only if its answer can go out
 * within the platform's 10 s. Beyond a number of runs in flight per trigger node and mode, or when
 * this process's send queues are already longer than that window drains, or the trigger's recent
 * answer rate says a new run would answer too late, the event is answered 503 at once and nothing
 * starts; the platform redelivers it later (perks-contract.md). So a backlog
 * costs quick refusals instead of timeouts, and the runs held in memory are bounded by the setting
 * (a quarter more for events already refused: once, if they can still answer in time; twice, even
 * if they answer late, rather than sent to the platform's longer back-off).
 */
import type { IDataObject } from 'n8n-workflow';

import { estimatedSendWaitMs, QUEUE_BUDGET_MS } from '../shared/chat/throttle';
import { InFlightCounter, type Release } from './inFlight';
import { RefusalMemory } from './refusals';

export { InFlightCounter } from './inFlight';
export { RefusalMemory } from './refusals';

/**
 * Runs in flight per trigger node and mode: 8 s of answer window at Slack's workspace pace for DMs
 * (several hundred a minute, about 5 a second). A slower destination or a slower n8n is caught below
 * it by the send-queue and answer-rate estimates.
 */
export const DEFAULT_MAX_EVENTS_IN_FLIGHT = 40;
/** Ops' ceiling on every Perks Trigger's "Max Events in Flight" in this process (memory bound). */
export const MAX_EVENTS_IN_FLIGHT_ENV = 'PERKS_TRIGGER_MAX_EVENTS_IN_FLIGHT';
/**
 * Refuse when a send queued now would wait longer than this: the platform gives up after 10 s,
 * and the run also needs time before and after its sends (trigger, lookups, the answer itself).
 */
export const SEND_WAIT_LIMIT_MS = 8_000;
/** The platform stops waiting for an answer after this long (perks-contract.md). */
const PLATFORM_TIMEOUT_MS = 10_000;
/**
 * A run keeps its slot and its event from admission until n8n writes its answer, or this long at
 * most: past the platform's timeout plus 15 s the platform has hung up and a copy may come, and n8n
 * may never answer at all (its queue-mode webhook process misses a job that finished before it
 * began waiting for it, and never answers a caller that hung up), so a longer hold leaked slots and
 * answered copies 409 until the platform gave up. After it a copy runs and the ledger skips what
 * was sent.
 */
export const MAX_HOLD_MS = PLATFORM_TIMEOUT_MS + 15_000;
/**
 * An event refused this often is started even when its answer may come late: refused once more,
 * the platform's back-off (5 s, 30 s, 2 min, 10 min) would bring it back minutes after the rest of
 * the backlog has gone out. A late answer costs one redelivery, which the ledger answers at once.
 */
export const LATE_AFTER_REFUSALS = 2;
/**
 * An event refused this often may use the reserve slots (RESERVE_SHARE) if it can still answer
 * in time: refused for a full trigger while its answers are quick, it would otherwise meet the 30 s
 * step (a quarter of a 1,000-employee Teams run). Only slots, not the late bounds: where answers are
 * slow, taking refused events late after one refusal crowded out first deliveries (1.50
 * deliveries per event in admission.rel.ts, against 1.25 with the slots alone).
 */
export const RESERVE_AFTER_REFUSALS = 1;
/**
 * …as long as its sends would start within this: inside the send queue's own budget, so they are
 * sent rather than given back. Right after a burst the queue's estimate runs far above its real
 * drain (a 429's pause, a pace learned from it), and an event refused together with the burst met
 * a 20 s bound there on every delivery until the platform's 10-minute step.
 */
export const LATE_SEND_WAIT_LIMIT_MS = QUEUE_BUDGET_MS - 10_000;
const LATE_HOLD_MS = LATE_SEND_WAIT_LIMIT_MS + 15_000;
/** …and the runs in flight stay under the limit plus this share of it, the reserve (the memory bound). */
export const RESERVE_SHARE = 0.25;
const BUSY_FIX =
	'Nothing was started; the perks platform redelivers this event later. If refusals persist, the destination sends slower than events arrive: raise the chat platform limits, or the trigger\'s "Max Events in Flight" option if n8n has memory to spare.';

export type Admission =
	/** `holdMs`: how long the run keeps its slot and its event at most (see whenAnswered). */
	| { admitted: true; release: Release; holdMs: number }
	| { admitted: false; status: 503; retryAfterSeconds: number; body: IDataObject };

/** Shared by every Perks Trigger in this process; scopes keep test mode apart from production. */
export const runsInFlight = new InFlightCounter();
const refusedLately = new RefusalMemory();

/** The node's setting under ops' ceiling from the environment; 0 turns admission control off. */
export function effectiveLimit(
	nodeSetting: unknown,
	// An operator's knob with no place in the editor: n8n offers nodes no other channel for it.
	// eslint-disable-next-line @n8n/community-nodes/no-restricted-globals
	env: NodeJS.ProcessEnv = process.env,
): number {
	const setting =
		typeof nodeSetting === 'number' && Number.isFinite(nodeSetting) && nodeSetting >= 0
			? Math.floor(nodeSetting)
			: DEFAULT_MAX_EVENTS_IN_FLIGHT;
	const ceiling = Number(env[MAX_EVENTS_IN_FLIGHT_ENV]);
	if (!Number.isInteger(ceiling) || ceiling <= 0) return setting;
	return setting === 0 ? ceiling : Math.min(setting, ceiling);
}

export interface AdmissionRequest {
	scope: string;
	eventId: string;
	limit: number;
	/** The editor's "Listen for test event": never refused for production's send queues. */
	test: boolean;
	counter?: InFlightCounter;
	refusals?: RefusalMemory;
	sendWaitMs?: () => number;
}

export function admit(request: AdmissionRequest): Admission {
	const { scope, eventId, limit, test } = request;
	const counter = request.counter ?? runsInFlight;
	if (limit === 0)
		return { admitted: true, release: counter.tryEnter(scope, 0)!, holdMs: MAX_HOLD_MS };
	const refusals = request.refusals ?? refusedLately;
	const refused = test ? 0 : refusals.times(scope, eventId);
	const late = refused >= LATE_AFTER_REFUSALS;
	const refusal = test ? undefined : overdue(request, counter, late);
	const cap = refused >= RESERVE_AFTER_REFUSALS ? limit + Math.ceil(limit * RESERVE_SHARE) : limit;
	const release = refusal ? undefined : counter.tryEnter(scope, cap);
	if (!release) {
		if (!test) refusals.record(scope, eventId);
		return busy(eventId, refusal ?? { reason: 'max_events_in_flight', limit });
	}
	refusals.forget(scope, eventId);
	// A late run may wait for its sends past the usual hold: it keeps its slot (the memory bound)
	// and its event (copies meanwhile are 409) until its sends' bound, and 15 s more, has passed.
	return { admitted: true, release, holdMs: late ? LATE_HOLD_MS : MAX_HOLD_MS };
}

/** Why a run started now would answer too late for the platform (or, late, past its hold). */
function overdue(
	request: AdmissionRequest,
	counter: InFlightCounter,
	late: boolean,
): IDataObject | undefined {
	const limitMs = late ? LATE_SEND_WAIT_LIMIT_MS : SEND_WAIT_LIMIT_MS;
	const waitMs = (request.sendWaitMs ?? estimatedSendWaitMs)();
	if (waitMs > limitMs) return { reason: 'send_queue_full', waitMs: Math.round(waitMs) };
	const answerMs = counter.estimatedAnswerMs(request.scope);
	if (answerMs > limitMs) return { reason: 'answers_too_slow', answerMs: Math.round(answerMs) };
	return undefined;
}

function busy(eventId: string, detail: IDataObject): Admission {
	const waitMs = Number(detail.waitMs ?? detail.answerMs ?? 0);
	return {
		admitted: false,
		status: 503,
		retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
		body: { error: 'busy', id: eventId, ...detail, fix: BUSY_FIX },
	};
}

/** The slice of n8n's (express) response that tells when the run's answer is written. */
export interface AnswerTarget {
	once(event: 'close', listener: () => void): unknown;
	end?: (...args: never[]) => unknown;
	writableEnded?: boolean;
}

/**
 * Calls `done` once: with true when n8n writes the run's answer (it ends the response when the run
 * has finished, "lastNode", failed runs included), or with false after MAX_HOLD_MS when it has not
 * (n8n lost the run's end, or the caller hung up and n8n never answers it). A response that cannot
 * say whether it was answered counts as answered on close.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-globals -- the bound on a run's hold is an
   unref'd timer cleared when n8n answers; n8n-workflow 2.41 has no cancellable sleep. */
export function whenAnswered(
	response: AnswerTarget,
	done: (answered: boolean) => void,
	maxHoldMs = MAX_HOLD_MS,
): void {
	let called = false;
	const finish = (answered: boolean) => {
		if (called) return;
		called = true;
		clearTimeout(timer);
		done(answered);
	};
	const timer = setTimeout(() => finish(false), maxHoldMs).unref();
	const end = response.end;
	if (typeof end === 'function') {
		response.end = function (this: unknown, ...args: never[]) {
			finish(true);
			return end.apply(this, args);
		};
	}
	response.once('close', () => {
		if (response.writableEnded !== false) finish(true);
	});
}
/* eslint-enable @n8n/community-nodes/no-restricted-globals */
