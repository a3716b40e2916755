/**
 * Admission control's bookkeeping, on a hand-driven clock: events coming again are favoured over
 * first deliveries (the platform's back-off grows with each refusal), the answer rate counts only
 * time with runs going, and a run's hold ends even when n8n never answers it.
 */
import { EventEmitter } from 'node:events';

import {
	admit,
	InFlightCounter,
	MAX_HOLD_MS,
	whenAnswered,
	type AdmissionRequest,
} from '../../nodes/PerksTrigger/admission';
import { DeliveryHistory } from '../../nodes/PerksTrigger/deliveryHistory';

let clock = 0;
const now = () => clock;
const SCOPE = 'webhook:wf:trigger';

function world(sendWaitMs = 0) {
	const counter = new InFlightCounter(now);
	const history = new DeliveryHistory(now);
	let wait = sendWaitMs;
	const request = (eventId: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
		scope: SCOPE,
		eventId,
		limit: 8,
		test: false,
		counter,
		history,
		sendWaitMs: () => wait,
		...extra,
	});
	return { counter, history, request, setWait: (ms: number) => (wait = ms) };
}

const reasonOf = (admission: ReturnType<typeof admit>) =>
	admission.admitted ? 'admitted' : admission.body.reason;

describe('events coming again are admitted before first deliveries', () => {
	it('first deliveries use 3/4 of "Max Events in Flight"; an event refused before may use the rest', () => {
		const { request, counter } = world();
		for (let i = 0; i < 6; i++) expect(reasonOf(admit(request(`evt_first${i}`)))).toBe('admitted');
		expect(reasonOf(admit(request('evt_late')))).toBe('max_events_in_flight');
		expect(reasonOf(admit(request('evt_other')))).toBe('max_events_in_flight');
		// Their redeliveries find the slots first deliveries left.
		expect(reasonOf(admit(request('evt_late')))).toBe('admitted');
		expect(reasonOf(admit(request('evt_other')))).toBe('admitted');
		expect(counter.count(SCOPE)).toBe(8);
		// The limit itself (the memory bound) holds for everyone.
		expect(reasonOf(admit(request('evt_late2')))).toBe('max_events_in_flight');
		expect(reasonOf(admit(request('evt_late2')))).toBe('max_events_in_flight');
	});

	it('first deliveries leave a quarter of the answer window; a redelivery may use all of it', () => {
		const { request, setWait } = world(7_000);
		const first = admit(request('evt_a'));
		expect(first).toMatchObject({ admitted: false, body: { reason: 'send_queue_full' } });
		expect(reasonOf(admit(request('evt_a')))).toBe('admitted');
		setWait(9_000);
		expect(reasonOf(admit(request('evt_b')))).toBe('send_queue_full');
		expect(reasonOf(admit(request('evt_b')))).toBe('send_queue_full');
	});

	it('however often an event was refused, the estimates and the limit still apply to it', () => {
		const { request, setWait, counter } = world(30_000);
		for (let i = 0; i < 5; i++)
			expect(reasonOf(admit(request('evt_tail')))).toBe('send_queue_full');
		// Fill: 6 first deliveries, then two redeliveries up to the limit.
		setWait(0);
		for (let i = 0; i < 6; i++) expect(reasonOf(admit(request(`evt_fill${i}`)))).toBe('admitted');
		for (const id of ['evt_x', 'evt_y']) {
			expect(reasonOf(admit(request(id)))).toBe('max_events_in_flight');
			expect(reasonOf(admit(request(id)))).toBe('admitted');
		}
		expect(counter.count(SCOPE)).toBe(8);
		expect(reasonOf(admit(request('evt_tail')))).toBe('max_events_in_flight');
	});

	it("the editor's test URL keeps its whole limit for first deliveries", () => {
		const { request } = world(30_000);
		for (let i = 0; i < 8; i++)
			expect(
				reasonOf(admit(request(`evt_test${i}`, { scope: 'manual:wf:trigger', test: true }))),
			).toBe('admitted');
	});

	it('remembers a bounded number of events for two hours', () => {
		const history = new DeliveryHistory(now, 3);
		for (const key of ['a', 'b', 'c', 'd']) history.refused(key);
		expect(history.size).toBe(3);
		expect(history.arrival('a')).toEqual({ kind: 'first' });
		expect(history.arrival('d')).toEqual({ kind: 'again', refusals: 1 });
		history.refused('d');
		expect(history.arrival('d')).toEqual({ kind: 'again', refusals: 2 });
		clock += 2 * 3_600_000 + 1;
		expect(history.arrival('d')).toEqual({ kind: 'first' });
		history.refused('d');
		expect(history.arrival('d')).toEqual({ kind: 'again', refusals: 1 });
	});
});

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
