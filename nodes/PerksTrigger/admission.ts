/**
 * Admission control for the Perks Trigger: an event starts a run only if its answer can go out
 * within the platform's 10 s. Beyond a number of runs in flight per trigger node and mode, or when
 * this process's send queues are already longer than that window drains, or the trigger's recent
 * answer rate says a new run would answer too late, the event is answered 503 at once and nothing
 * starts; the platform redelivers it later (perks-contract.md). So a backlog
 * costs quick refusals instead of timeouts, and the runs held in memory are bounded by the setting.
 */
import type { IDataObject } from 'n8n-workflow';

import { estimatedSendWaitMs } from '../shared/chat/throttle';

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
/** The answers over this long give a trigger's recent answer rate. */
const ANSWER_RATE_WINDOW_MS = 10_000;
/** Fewer answers than this in the window say too little about the rate to refuse on it. */
const MIN_ANSWERS_FOR_RATE = 3;
/**
 * A run whose caller went away keeps its slot until n8n writes its answer, or this long at most:
 * n8n's queue-mode webhook process never answers a hung-up caller, so a longer hold leaked slots
 * (copies answered 409 until the platform gave up). After it a copy runs again and the ledger
 * skips what was sent.
 */
export const ABANDONED_HOLD_MS = 15_000;

const BUSY_FIX =
	'Nothing was started; the perks platform redelivers this event later. If refusals persist, the destination sends slower than events arrive: raise the chat platform limits, or the trigger\'s "Max Events in Flight" option if n8n has memory to spare.';

export type Admission =
	| { admitted: true; release: () => void }
	| { admitted: false; status: 503; retryAfterSeconds: number; body: IDataObject };

/**
 * Runs in flight per scope (mode, workflow, trigger node), counted from start to answer, and when
 * the recent answers went out.
 */
export class InFlightCounter {
	private readonly counts = new Map<string, number>();
	private readonly answers = new Map<string, number[]>();

	constructor(private readonly now: () => number = Date.now) {}

	/** A release function if the scope has room under `limit` (0: no limit), else undefined. */
	tryEnter(scope: string, limit: number): (() => void) | undefined {
		const count = this.counts.get(scope) ?? 0;
		if (limit > 0 && count >= limit) return undefined;
		this.counts.set(scope, count + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const left = (this.counts.get(scope) ?? 1) - 1;
			if (left > 0) this.counts.set(scope, left);
			else this.counts.delete(scope);
			const answers = this.recentAnswers(scope);
			answers.push(this.now());
			this.answers.set(scope, answers);
		};
	}

	count(scope: string): number {
		return this.counts.get(scope) ?? 0;
	}

	/**
	 * When a run started now would answer, from the runs ahead of it and the rate answers went out
	 * lately (Little's law: whatever binds, a destination's limit, the CPU, a slow API). 0 when
	 * nothing is running or too few answers say what the rate is.
	 */
	estimatedAnswerMs(scope: string): number {
		const running = this.count(scope);
		const answers = this.recentAnswers(scope);
		if (running === 0 || answers.length < MIN_ANSWERS_FOR_RATE) return 0;
		// n answers since the oldest are n - 1 intervals, the last one still running until now.
		const msPerAnswer = (this.now() - answers[0]) / (answers.length - 1);
		return (running + 1) * msPerAnswer;
	}

	private recentAnswers(scope: string): number[] {
		const answers = this.answers.get(scope) ?? [];
		const since = this.now() - ANSWER_RATE_WINDOW_MS;
		let stale = 0;
		while (stale < answers.length && answers[stale] <= since) stale++;
		if (stale > 0) answers.splice(0, stale);
		if (answers.length === 0) this.answers.delete(scope);
		return answers;
	}
}

/** Shared by every Perks Trigger in this process; scopes keep test mode apart from production. */
export const runsInFlight = new InFlightCounter();

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
	sendWaitMs?: () => number;
}

export function admit(request: AdmissionRequest): Admission {
	const { scope, eventId, limit, test } = request;
	const counter = request.counter ?? runsInFlight;
	if (limit === 0) return { admitted: true, release: counter.tryEnter(scope, 0)! };
	if (!test) {
		const waitMs = (request.sendWaitMs ?? estimatedSendWaitMs)();
		if (waitMs > SEND_WAIT_LIMIT_MS) {
			return busy(eventId, waitMs, { reason: 'send_queue_full', waitMs: Math.round(waitMs) });
		}
		const answerMs = counter.estimatedAnswerMs(scope);
		if (answerMs > SEND_WAIT_LIMIT_MS) {
			return busy(eventId, answerMs, {
				reason: 'answers_too_slow',
				answerMs: Math.round(answerMs),
			});
		}
	}
	const release = counter.tryEnter(scope, limit);
	if (!release) return busy(eventId, 0, { reason: 'max_events_in_flight', limit });
	return { admitted: true, release };
}

function busy(eventId: string, waitMs: number, detail: IDataObject): Admission {
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
 * Calls `done` once, when the answer is written: n8n ends the response when the run has finished
 * ("lastNode"), failed runs included. A caller that hung up first (the platform's timeout) closes
 * the response early while the run goes on, so then `done` waits for n8n's answer, at most
 * ABANDONED_HOLD_MS. A response that cannot say whether it was answered counts as answered on close.
 */
/* eslint-disable @n8n/community-nodes/no-restricted-globals -- the bound on an abandoned run's hold
   is an unref'd timer cleared when n8n answers; n8n-workflow 2.41 has no cancellable sleep. */
export function whenAnswered(response: AnswerTarget, done: () => void): void {
	let timer: NodeJS.Timeout | undefined;
	let called = false;
	const finish = () => {
		if (called) return;
		called = true;
		if (timer) clearTimeout(timer);
		done();
	};
	const end = response.end;
	if (typeof end === 'function') {
		response.end = function (this: unknown, ...args: never[]) {
			finish();
			return end.apply(this, args);
		};
	}
	response.once('close', () => {
		if (response.writableEnded !== false) finish();
		else if (!called) timer = setTimeout(finish, ABANDONED_HOLD_MS).unref();
	});
}
/* eslint-enable @n8n/community-nodes/no-restricted-globals */
