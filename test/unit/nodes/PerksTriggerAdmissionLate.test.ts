/**
 * Events admission control refused twice are taken late instead of refused into the platform's
 * longer back-off, within a hard bound, on a hand-driven clock.
 */
import {
	admit,
	InFlightCounter,
	LATE_SEND_WAIT_LIMIT_MS,
	MAX_HOLD_MS,
	RefusalMemory,
	SEND_WAIT_LIMIT_MS,
	type AdmissionRequest,
} from '../../../nodes/PerksTrigger/admission';

let clock = 0;
const now = () => clock;
const SCOPE = 'webhook:wf:trigger';
const TEST_SCOPE = 'manual:wf:trigger';

function world(limit = 8) {
	const counter = new InFlightCounter(now);
	const refusals = new RefusalMemory(now);
	let sendWait = 0;
	// The node gives the editor's test URL a scope of its own, as here.
	const request = (eventId: string, test = false): AdmissionRequest => ({
		scope: test ? TEST_SCOPE : SCOPE,
		eventId,
		limit,
		test,
		counter,
		refusals,
		sendWaitMs: () => sendWait,
	});
	return {
		counter,
		refusals,
		request,
		setSendWait: (ms: number) => (sendWait = ms),
	};
}

const reasonOf = (admission: ReturnType<typeof admit>) =>
	admission.admitted ? 'admitted' : admission.body.reason;

describe('an event refused twice is taken late', () => {
	it('while fresh events are refused on a send queue past the window, the third delivery of a twice-refused event starts', () => {
		const { request, setSendWait } = world();
		setSendWait(SEND_WAIT_LIMIT_MS + 4_000);
		expect(reasonOf(admit(request('evt_a')))).toBe('send_queue_full');
		clock += 5_000;
		expect(reasonOf(admit(request('evt_a')))).toBe('send_queue_full');
		clock += 30_000;
		expect(reasonOf(admit(request('evt_fresh')))).toBe('send_queue_full');
		const late = admit(request('evt_a'));
		expect(reasonOf(late)).toBe('admitted');
		// Its sends may start up to LATE_SEND_WAIT_LIMIT_MS from now: it keeps its slot and event past that.
		expect(late.admitted && late.holdMs).toBe(LATE_SEND_WAIT_LIMIT_MS + 15_000);
		setSendWait(0);
		const onTime = admit(request('evt_on_time'));
		expect(onTime.admitted && onTime.holdMs).toBe(MAX_HOLD_MS);
	});

	it('not when its sends would wait past the late bound (an outage): refused, and counted again', () => {
		const { request, refusals, setSendWait } = world();
		setSendWait(LATE_SEND_WAIT_LIMIT_MS + 1);
		for (let i = 0; i < 4; i++) expect(reasonOf(admit(request('evt_b')))).toBe('send_queue_full');
		expect(refusals.times(SCOPE, 'evt_b')).toBe(4);
		setSendWait(LATE_SEND_WAIT_LIMIT_MS - 1);
		expect(reasonOf(admit(request('evt_b')))).toBe('admitted');
		expect(refusals.times(SCOPE, 'evt_b')).toBe(0);
	});

	it('runs in flight stay under the limit plus a quarter: late events take the extra, fresh ones never', () => {
		const { request, counter, setSendWait } = world(8);
		for (let i = 0; i < 8; i++) expect(reasonOf(admit(request(`evt_run${i}`)))).toBe('admitted');
		const late = Array.from({ length: 3 }, (_, i) => `evt_late${i}`);
		// Full, and no answers yet to say they would be quick: refused twice, then taken late.
		setSendWait(SEND_WAIT_LIMIT_MS + 1);
		for (const id of late) {
			expect(reasonOf(admit(request(id)))).toBe('send_queue_full');
			expect(reasonOf(admit(request(id)))).toBe('send_queue_full');
		}
		expect(reasonOf(admit(request('evt_new')))).toBe('send_queue_full');
		expect(reasonOf(admit(request(late[0])))).toBe('admitted');
		expect(reasonOf(admit(request(late[1])))).toBe('admitted');
		// 8 + ceil(8 / 4) = 10 in flight: the third late event waits its turn.
		expect(reasonOf(admit(request(late[2])))).toBe('max_events_in_flight');
		expect(counter.count(SCOPE)).toBe(10);
	});

	it('an event refused once may use the reserve slots if it answers in time, but is not taken late', () => {
		const { request, counter, setSendWait } = world(8);
		for (let i = 0; i < 8; i++) expect(reasonOf(admit(request(`evt_run${i}`)))).toBe('admitted');
		expect(reasonOf(admit(request('evt_once')))).toBe('max_events_in_flight');
		expect(reasonOf(admit(request('evt_fresh')))).toBe('max_events_in_flight');
		const second = admit(request('evt_once'));
		expect(reasonOf(second)).toBe('admitted');
		expect(second.admitted && second.holdMs).toBe(MAX_HOLD_MS);
		expect(counter.count(SCOPE)).toBe(9);
		expect(reasonOf(admit(request('evt_fresh2')))).toBe('max_events_in_flight');
		// Refused once on a long send queue: its next delivery meets the usual 8 s, not the late 50 s.
		setSendWait(SEND_WAIT_LIMIT_MS + 1);
		expect(reasonOf(admit(request('evt_slow')))).toBe('send_queue_full');
		expect(reasonOf(admit(request('evt_slow')))).toBe('send_queue_full');
		expect(reasonOf(admit(request('evt_slow')))).toBe('admitted');
	});

	it("the editor's test events are never remembered, and an admitted event starts counting afresh", () => {
		const { request, refusals, setSendWait } = world(1);
		const running = admit(request('evt_test_running', true));
		expect(running.admitted).toBe(true);
		expect(reasonOf(admit(request('evt_t', true)))).toBe('max_events_in_flight');
		expect(refusals.times(TEST_SCOPE, 'evt_t')).toBe(0);
		expect(refusals.size).toBe(0);

		setSendWait(SEND_WAIT_LIMIT_MS + 1);
		admit(request('evt_c'));
		expect(refusals.times(SCOPE, 'evt_c')).toBe(1);
		setSendWait(0);
		expect(reasonOf(admit(request('evt_c')))).toBe('admitted');
		expect(refusals.times(SCOPE, 'evt_c')).toBe(0);
	});
});

describe('the memory of refusals is bounded', () => {
	it('forgets a refusal after 30 minutes', () => {
		const refusals = new RefusalMemory(now);
		refusals.record(SCOPE, 'evt_old');
		refusals.record(SCOPE, 'evt_old');
		clock += 29 * 60_000;
		expect(refusals.times(SCOPE, 'evt_old')).toBe(2);
		clock += 2 * 60_000;
		expect(refusals.times(SCOPE, 'evt_old')).toBe(0);
		expect(refusals.size).toBe(0);
	});

	it('holds at most 50,000 events, dropping the longest unrefused first', () => {
		const refusals = new RefusalMemory(now);
		for (let i = 0; i < 60_000; i++) refusals.record(SCOPE, `evt_${i}`);
		expect(refusals.size).toBe(50_000);
		expect(refusals.times(SCOPE, 'evt_0')).toBe(0);
		expect(refusals.times(SCOPE, 'evt_59999')).toBe(1);
		// A refusal again moves an event to the back of the line.
		refusals.record(SCOPE, 'evt_10000');
		refusals.record(SCOPE, 'evt_x');
		expect(refusals.times(SCOPE, 'evt_10000')).toBe(2);
		expect(refusals.times(SCOPE, 'evt_10001')).toBe(0);
	});

	it('keeps scopes apart (production and the editor, two triggers)', () => {
		const refusals = new RefusalMemory(now);
		refusals.record('webhook:wf:a', 'evt_same');
		expect(refusals.times('webhook:wf:b', 'evt_same')).toBe(0);
		expect(refusals.times('webhook:wf:a', 'evt_same')).toBe(1);
	});
});
