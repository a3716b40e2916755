/**
 * Ingest: distinct signed wallet.funded events into a published Perks Trigger → NoOp in a real
 * n8n, against n8n's own Webhook node → NoOp with header auth and without auth, same n8n, same run.
 * The three are run in turn (A B C A B C …) so a drift of the shared machine hits each alike.
 */
import { PerksEmulator, walletFundedEvent } from '../emulators/perksApi';
import { N8nInstance, waitFor } from '../harness/n8n';
import { N8nQueueCluster } from '../harness/n8n/queueCluster';
import { signatureHeader } from '../nodes/shared/perks/signature';
import {
	envInt,
	fmt,
	groupCpuMs,
	liveN8nGroups,
	N8N_LAZY_ENV,
	N8N_LAZY_TEXT,
	pool,
	post,
} from './common';
import { ratio, type Row } from './table';
import { benchCredentials, HEADER, perksTriggerWorkflow, webhookWorkflow } from './workflows';

interface Target {
	label: string;
	url: string;
	/** Headers and body for the i-th request. */
	make(i: number): { body: Buffer; headers: Record<string, string> };
}

interface Result {
	perSecond: number;
	/** CPU time of n8n's processes per event: steadier than wall time on a shared machine. */
	cpuMsPerEvent: number;
	errors: number;
	/** No answer within the platform's 10 s: a failed delivery it would send again. */
	timeouts: number;
}

const PLATFORM_TIMEOUT_MS = 10_000;

const ROUNDS = 2;

async function fire(
	target: Target,
	count: number,
	concurrency: number,
	offset: number,
): Promise<{ ms: number; cpuMs: number; errors: number; timeouts: number }> {
	let errors = 0;
	let timeouts = 0;
	const groups = liveN8nGroups();
	const cpuBefore = groupCpuMs(groups);
	const began = performance.now();
	await pool(count, concurrency, async (i) => {
		const { body, headers } = target.make(offset + i);
		const res = await post(target.url, body, headers, PLATFORM_TIMEOUT_MS);
		if (res.status === 0) timeouts++;
		else if (res.status !== 200) errors++;
	});
	return { ms: performance.now() - began, cpuMs: groupCpuMs(groups) - cpuBefore, errors, timeouts };
}

/** Each target gets `events` requests over ROUNDS interleaved rounds, after a short warm-up. */
async function measure(targets: Target[], events: number, concurrency: number): Promise<Result[]> {
	const warmUp = Math.min(50, events);
	for (const t of targets) await fire(t, warmUp, concurrency, 0);
	const totals = targets.map(() => ({ ms: 0, cpuMs: 0, errors: 0, timeouts: 0 }));
	const per = Math.ceil(events / ROUNDS);
	for (let round = 0; round < ROUNDS; round++) {
		for (const [k, t] of targets.entries()) {
			const r = await fire(t, per, concurrency, warmUp + round * per);
			totals[k].ms += r.ms;
			totals[k].cpuMs += r.cpuMs;
			totals[k].errors += r.errors;
			totals[k].timeouts += r.timeouts;
		}
	}
	return totals.map((t) => ({
		perSecond: (per * ROUNDS * 1000) / t.ms,
		cpuMsPerEvent: t.cpuMs / (per * ROUNDS),
		errors: t.errors,
		timeouts: t.timeouts,
	}));
}

function targetsFor(perks: PerksEmulator, base: string, perksUrl: string, tag: string): Target[] {
	const secret = perks.webhooks.find((w) => w.url === perksUrl)?.secret;
	if (!secret) throw new Error(`No webhook registered at ${perksUrl}`);
	const employee = perks.addEmployee({ email: 'bench@example.com', name: 'Bench' });
	const json = { 'content-type': 'application/json' };
	const eventBody = (i: number) =>
		Buffer.from(
			JSON.stringify({
				...walletFundedEvent(employee, { amount: 1, balance: i }),
				id: `evt_bench_${tag}_${i}`,
			}),
		);
	return [
		{
			label: 'Perks Trigger',
			url: perksUrl,
			make: (i) => {
				const body = eventBody(i);
				return {
					body,
					headers: {
						...json,
						'perks-signature': signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
					},
				};
			},
		},
		{
			label: 'Webhook + header auth',
			url: `${base}/webhook/bench-hdr`,
			make: (i) => ({ body: eventBody(i), headers: { ...json, [HEADER.name]: HEADER.value } }),
		},
		{
			label: 'Webhook, no auth',
			url: `${base}/webhook/bench-open`,
			make: (i) => ({ body: eventBody(i), headers: json }),
		},
		{
			label: 'Webhook, no auth, webhook-phase isolate',
			url: `${base}/webhook/bench-isolate`,
			make: (i) => ({ body: eventBody(i), headers: json }),
		},
	];
}

const WORKFLOWS = [
	perksTriggerWorkflow('benchPerksIngest1'),
	webhookWorkflow('benchHdrIngest01', 'bench-hdr', 'headerAuth'),
	webhookWorkflow('benchOpenIngest1', 'bench-open', 'none'),
	// The control: n8n's own node paying the isolate n8n takes for any other trigger's webhook phase.
	webhookWorkflow('benchIsoIngest01', 'bench-isolate', 'none', 'lastNode', true),
];
const perksWebhookId = WORKFLOWS[0].nodes[0].webhookId!;

function failures(who: string, r: Result): string {
	const parts = [
		r.errors ? `${r.errors} non-200` : '',
		r.timeouts ? `${r.timeouts} unanswered in 10 s` : '',
	].filter(Boolean);
	return parts.length ? `${who}: ${parts.join(', ')}` : '';
}

const rate = (r: Result) =>
	`${fmt(r.perSecond, 1)} events/s, n8n CPU ${fmt(r.cpuMsPerEvent, 1)} ms/event`;

function verdict(r: Result, baseline: Result, target = 0.95): string {
	const note = [failures('ours', r), failures('baseline', baseline)].filter(Boolean).join(', ');
	// Wall time per event at this concurrency: what the trigger adds over n8n's own webhook.
	const extraMs = 1000 / r.perSecond - 1000 / baseline.perSecond;
	return r.perSecond / baseline.perSecond >= target
		? `met${note && ` (${note})`}`
		: `missed (+${extraMs.toFixed(1)} ms of wall time per event${note && `; ${note}`})`;
}

/** The three targets in one n8n started with `env`. */
async function single(
	perks: PerksEmulator,
	tag: string,
	env: Record<string, string>,
): Promise<{ label: string; results: Result[] }> {
	const events = envInt('BENCH_INGEST_EVENTS', 2_000);
	const concurrency = envInt('BENCH_INGEST_CONCURRENCY', 20);
	const n8n = await N8nInstance.launch({
		name: `bench-ingest-${tag}`,
		credentials: benchCredentials(perks),
		workflows: WORKFLOWS,
		env: { N8N_LOG_LEVEL: 'warn', ...env },
	});
	try {
		const url = n8n.webhookUrl(perksWebhookId);
		await waitFor(() => perks.webhooks.some((w) => w.url === url), {
			what: 'the trigger to register',
			timeoutMs: 60_000,
			instance: n8n,
		});
		const targets = targetsFor(perks, n8n.baseUrl, url, tag);
		const results = await measure(targets, events, concurrency);
		process.stderr.write(
			`[bench] ${tag}: ${results.map((r, k) => `${targets[k].label}: ${rate(r)}`).join('; ')}\n`,
		);
		return { label: `ingest, ${fmt(events)} events × ${concurrency} concurrent, one n8n`, results };
	} finally {
		await n8n.dispose();
	}
}

export async function ingestSingle(perks: PerksEmulator): Promise<Row[]> {
	const { label, results } = await single(perks, 'single', {});
	const [ours, header, open, isolate] = results;
	return [
		{
			benchmark: `${label}: Perks Trigger vs Webhook + header auth`,
			figure: rate(ours),
			baseline: rate(header),
			ratio: ratio(ours.perSecond, header.perSecond),
			target: '≥ 0.95×',
			verdict: verdict(ours, header),
		},
		{
			benchmark: `${label}: Perks Trigger vs Webhook, no auth`,
			figure: rate(ours),
			baseline: rate(open),
			ratio: ratio(ours.perSecond, open.perSecond),
			target: '≥ 0.9×',
			verdict: verdict(ours, open, 0.9),
		},
		{
			benchmark: `${label}: Perks Trigger vs Webhook, no auth, with the webhook-phase isolate n8n takes for every other trigger`,
			figure: rate(ours),
			baseline: rate(isolate),
			ratio: ratio(ours.perSecond, isolate.perSecond),
			target: '≥ 0.95×',
			verdict: verdict(ours, isolate),
		},
		{
			benchmark: `${label}: that control vs Webhook, no auth (what the isolate alone costs)`,
			figure: rate(isolate),
			baseline: rate(open),
			ratio: ratio(isolate.perSecond, open.perSecond),
			target: 'none (reference)',
			verdict: 'n/a',
		},
	];
}

/**
 * The same with n8n building an expression isolate only when an expression is evaluated: most of
 * the default gap is isolates n8n starts for any trigger but its own Webhook node.
 */
export async function ingestLazyIsolates(perks: PerksEmulator): Promise<Row[]> {
	const { label, results } = await single(perks, 'lazy', N8N_LAZY_ENV);
	const [ours, header, open] = results;
	const row = (against: Result, name: string, target: number): Row => ({
		benchmark: `${label}, ${N8N_LAZY_TEXT} (the README's setting): Perks Trigger vs ${name}`,
		figure: rate(ours),
		baseline: rate(against),
		ratio: ratio(ours.perSecond, against.perSecond),
		target: `≥ ${target}×`,
		verdict: verdict(ours, against, target),
	});
	return [row(header, 'Webhook + header auth', 0.95), row(open, 'Webhook, no auth', 0.9)];
}

export async function ingestQueue(perks: PerksEmulator, workers: number): Promise<Row> {
	const events = envInt('BENCH_QUEUE_EVENTS', 1_000);
	const concurrency = envInt('BENCH_INGEST_CONCURRENCY', 20);
	const cluster = await N8nQueueCluster.launch({
		name: `bench-queue-${workers}`,
		workers,
		credentials: benchCredentials(perks),
		workflows: WORKFLOWS.slice(0, 2),
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	try {
		const url = cluster.webhookUrl(perksWebhookId);
		await waitFor(() => perks.webhooks.some((w) => w.url === url), {
			what: 'the trigger to register',
			timeoutMs: 60_000,
			instance: cluster,
		});
		const [ours, header] = await measure(
			targetsFor(perks, cluster.webhookBaseUrl, url, `q${workers}`).slice(0, 2),
			events,
			concurrency,
		);
		return {
			benchmark: `ingest, queue mode (webhook process + ${workers} worker${workers > 1 ? 's' : ''}), ${fmt(events)} events × ${concurrency}`,
			figure: rate(ours),
			baseline: `${rate(header)} (Webhook + header auth)`,
			ratio: ratio(ours.perSecond, header.perSecond),
			target: '≥ 0.95×',
			verdict: verdict(ours, header),
		};
	} finally {
		await cluster.dispose();
	}
}
