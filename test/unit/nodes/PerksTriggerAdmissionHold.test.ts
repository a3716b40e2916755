/**
 * Admission control's bookkeeping, on a hand-driven clock: the answer rate counts only time with
 * runs going, and a run's hold ends even when n8n never answers it.
 */
import { EventEmitter } from 'node:events';

import {
	admit,
	InFlightCounter,
	MAX_HOLD_MS,
	whenAnswered,
	type AdmissionRequest,
} from '../../../nodes/PerksTrigger/admission';

let clock = 0;
const now = () => clock;
const SCOPE = 'webhook:wf:trigger';

function world() {
	const counter = new InFlightCounter(now);
	const request = (eventId: string): AdmissionRequest => ({
		scope: SCOPE,
		eventId,
		limit: 8,
		test: false,
		counter,
		sendWaitMs: () => 0,
	});
	return { counter, request };
}

const reasonOf = (admission: ReturnType<typeof admit>) =>
	admission.admitted ? 'admitted' : admission.body.reason;

describe('the answer rate counts only time with runs going', () => {
	it('a trickle of quick runs is not "answers too slow" (one run at a time, 1 s each, 3 s apart)', () => {
		const { counter, request } = world();
		const began = clock;
		for (let i = 0; i < 3; i++) {
			clock = began + i * 3_000;
			const admission = admit(request(`evt_trickle${i}`));
			if (!admission.admitted) throw new Error('refused');
			clock += 1_000;
			admission.release();
		}
		clock = began + 9_000;
		const running = admit(request('evt_trickle3'));
		expect(running.admitted).toBe(true);
		clock += 500;
		// 2.5 s with runs going for 3 answers: 1.25 s an answer, 2 runs → 2.5 s (wall time said 8.5 s).
		expect(counter.estimatedAnswerMs(SCOPE)).toBeCloseTo(2_500, -1);
		expect(reasonOf(admit(request('evt_trickle4')))).toBe('admitted');
	});

	it('a run n8n never answered is not counted as an answer', () => {
		const counter = new InFlightCounter(now);
		const releases = Array.from({ length: 4 }, () => counter.tryEnter(SCOPE, 0)!);
		clock += 1_000;
		releases[0](false);
		releases[1](false);
		releases[2](false);
		expect(counter.count(SCOPE)).toBe(1);
		expect(counter.estimatedAnswerMs(SCOPE)).toBe(0);
	});
});

describe('a run holds its slot and its event until n8n answers, within a bound', () => {
	class Response extends EventEmitter {
		writableEnded = false;
		end(): void {
			this.writableEnded = true;
			this.emit('close');
		}
	}

	beforeEach(() => jest.useFakeTimers());
	afterEach(() => jest.useRealTimers());

	it('ends the hold when n8n answers, once', () => {
		const response = new Response();
		const done = jest.fn();
		whenAnswered(response, done);
		response.end();
		jest.advanceTimersByTime(MAX_HOLD_MS * 2);
		expect(done.mock.calls).toEqual([[true]]);
	});

	it('ends it after MAX_HOLD_MS from admission when n8n never answers, whether the caller hung up or stayed connected (a proxy)', () => {
		const stayed = new Response();
		const hungUp = new Response();
		const [a, b] = [jest.fn(), jest.fn()];
		whenAnswered(stayed, a);
		whenAnswered(hungUp, b);
		jest.advanceTimersByTime(10_000);
		hungUp.emit('close');
		jest.advanceTimersByTime(MAX_HOLD_MS - 10_001);
		expect([a, b].map((f) => f.mock.calls.length)).toEqual([0, 0]);
		jest.advanceTimersByTime(1);
		expect([a.mock.calls, b.mock.calls]).toEqual([[[false]], [[false]]]);
		expect(MAX_HOLD_MS).toBe(25_000);
	});
});
