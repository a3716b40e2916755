/**
 * Runs in flight per scope (mode, workflow, trigger node), counted from start to answer, and the
 * recent answers, from which admission control judges when a run started now would answer.
 */

/** The answers over this long give a trigger's recent answer rate. */
const ANSWER_RATE_WINDOW_MS = 10_000;
/** Fewer answers than this in the window say too little about the rate to refuse on it. */
const MIN_ANSWERS_FOR_RATE = 3;

/** Gives the slot back; `answered` false when n8n never answered (the hold ran out). */
export type Release = (answered?: boolean) => void;

interface ScopeState {
	count: number;
	answers: number[];
	/** Closed periods with at least one run going, [start, end]. */
	busy: Array<[number, number]>;
	/** Since when runs have been going without a pause (count > 0). */
	busySince?: number;
}

export class InFlightCounter {
	private readonly scopes = new Map<string, ScopeState>();

	constructor(private readonly now: () => number = Date.now) {}

	/** A release function if the scope has room under `limit` (0: no limit), else undefined. */
	tryEnter(scope: string, limit: number): Release | undefined {
		const state = this.state(scope);
		if (limit > 0 && state.count >= limit) return undefined;
		if (state.count === 0) state.busySince = this.now();
		state.count++;
		let released = false;
		return (answered = true) => {
			if (released) return;
			released = true;
			const at = this.now();
			state.count--;
			if (state.count === 0 && state.busySince !== undefined) {
				state.busy.push([state.busySince, at]);
				state.busySince = undefined;
			}
			if (answered) state.answers.push(at);
			this.prune(scope, state);
		};
	}

	count(scope: string): number {
		return this.scopes.get(scope)?.count ?? 0;
	}

	/**
	 * When a run started now would answer, from the runs ahead of it and the time per answer lately
	 * (Little's law: whatever binds, a destination's limit, the CPU, a slow API). Only time with runs
	 * going counts: a trickle of events, each answered at once, is no sign of a slow trigger. 0 when
	 * nothing is running or too few answers say what the rate is.
	 */
	estimatedAnswerMs(scope: string): number {
		const state = this.scopes.get(scope);
		if (!state || state.count === 0) return 0;
		this.prune(scope, state);
		const { answers } = state;
		if (answers.length < MIN_ANSWERS_FOR_RATE) return 0;
		const from = answers[0];
		const now = this.now();
		let busyMs = now - Math.max(from, state.busySince ?? now);
		for (const [start, end] of state.busy) busyMs += Math.max(0, end - Math.max(start, from));
		// n answers since the oldest are n - 1 intervals, the last one still running until now.
		const msPerAnswer = busyMs / (answers.length - 1);
		return (state.count + 1) * msPerAnswer;
	}

	private state(scope: string): ScopeState {
		let state = this.scopes.get(scope);
		if (!state) {
			state = { count: 0, answers: [], busy: [] };
			this.scopes.set(scope, state);
		}
		return state;
	}

	private prune(scope: string, state: ScopeState): void {
		const since = this.now() - ANSWER_RATE_WINDOW_MS;
		let stale = 0;
		while (stale < state.answers.length && state.answers[stale] <= since) stale++;
		if (stale > 0) state.answers.splice(0, stale);
		const from = state.answers[0] ?? since;
		while (state.busy.length > 0 && state.busy[0][1] <= from) state.busy.shift();
		if (state.count === 0 && state.answers.length === 0) this.scopes.delete(scope);
	}
}
