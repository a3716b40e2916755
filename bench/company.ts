/**
 * Company scale: N distinct employees funded at once, through the shipped DM templates in a real
 * n8n, the chat emulators enforcing the platforms' published limits in real time, the platform
 * delivering 50 at a time with its 10 s timeout and back-off (bench/companyFunding.ts).
 * The floor is what the destination's posting limit allows: N ÷ posts a minute.
 */
import { loadavg } from 'node:os';

import { GraphEmulator, GRAPH_PUBLISHED_LIMITS } from '../emulators/graphApi';
import { PerksEmulator, walletFundedEvent } from '../emulators/perksApi';
import { DEFAULT_POSTS_PER_MINUTE, SlackEmulator } from '../emulators/slackApi';
import { N8nInstance, waitFor, type WorkflowJson } from '../harness/n8n';
import { N8nQueueCluster } from '../harness/n8n/queueCluster';
import { catalogCredentials, loadTemplate, webhookIdOf } from '../harness/n8n/templateSetup';
import { fundCompany, slackDmCounts, type CompanyFigures } from './companyFunding';
import { fmt, groupCpuMs, liveN8nGroups, pool, post } from './common';
import { ratio, type Row } from './table';
import { webhookWorkflow } from './workflows';

const SLACK_DM = loadTemplate('wallet-funded-to-slack-dm.json', 'benchCompanySlack1');
const TEAMS_DM = loadTemplate('wallet-funded-to-teams-dm.json', 'benchCompanyTeams1');
const TARGET = { floor: 1.2, perEvent: 1.5, rssSpreadMB: 500 };
const WARM = 5;
/**
 * n8n's own Webhook → NoOp in the same n8n after the funding, as many at once as the platform
 * delivers: what n8n executes a second with no work in the run, the ceiling for any template.
 */
const NOOP = webhookWorkflow('benchCompanyNoOp', 'bench-company-noop', 'none');
const NOOP_RUNS = 600;
/** Queue-mode rows: n8n's main, its webhook process and this many workers. */
const QUEUE_WORKERS = 2;
const NOOP_CONCURRENCY = 50;

/**
 * BENCH_COMPANY_TIME_SCALE (default 1, real time): every limit window and every step of the
 * platform's back-off this many times shorter (the 10 s timeout stays), so the floor is N ÷ (posts
 * a minute × scale) and the ratio to it still says what the limits and the back-off cost.
 */
export function companyTimeScale(): number {
	const scale = Number(process.env.BENCH_COMPANY_TIME_SCALE ?? '1');
	return Number.isFinite(scale) && scale > 0 ? scale : 1;
}

/**
 * BENCH_COMPANY_SLACK (default 300,3000; `--full` or BENCH_FULL=1 adds 10000), BENCH_COMPANY_TEAMS
 * (3000), BENCH_COMPANY_SLACK_QUEUE (300,3000: the Slack rows again in queue mode, two workers).
 */
export function companySizes(): { slack: number[]; teams: number[]; slackQueue: number[] } {
	const full = process.argv.includes('--full') || process.env.BENCH_FULL === '1';
	const list = (raw: string | undefined, fallback: number[]) =>
		raw === undefined
			? fallback
			: raw
					.split(',')
					.map(Number)
					.filter((n) => Number.isInteger(n) && n > 0);
	return {
		slack: list(process.env.BENCH_COMPANY_SLACK, full ? [300, 3_000, 10_000] : [300, 3_000]),
		teams: list(process.env.BENCH_COMPANY_TEAMS, [3_000]),
		slackQueue: list(process.env.BENCH_COMPANY_SLACK_QUEUE, [300, 3_000]),
	};
}

/** BENCH_N8N_ENV: `KEY=VALUE` pairs, comma-separated, added to the company rows' n8n environment. */
function benchN8nEnv(): Record<string, string> {
	const pairs = (process.env.BENCH_N8N_ENV ?? '')
		.split(',')
		.map((pair) => pair.trim())
		.filter(Boolean);
	return Object.fromEntries(
		pairs.map((pair) => {
			const at = pair.indexOf('=');
			if (at < 1) throw new Error(`BENCH_N8N_ENV: "${pair}" is not KEY=VALUE`);
			return [pair.slice(0, at), pair.slice(at + 1)];
		}),
	);
}

interface Chat {
	name: string;
	workflow: WorkflowJson;
	postsPerMinute: number;
	limitText: string;
	start(): Promise<void>;
	stop(): Promise<void>;
	services(perks: PerksEmulator): Parameters<typeof catalogCredentials>[0];
	/**
	 * Adds people; gives their emails, a counter of the DMs each received and, where the emulator
	 * records them, person i's calls (method, answer, seconds after `since`).
	 */
	add(count: number): {
		emails: string[];
		received: () => number[];
		calls?: (i: number, since: number) => string;
	};
	calls(): number;
	/** Target calls per DM: Slack 1.1; Teams 2.1, as a person's first DM needs POST /chats before the post. */
	callsPerDm: number;
	/** Calls the emulator answered 429, all methods. */
	refused(): number;
}

function slackChat(): Chat {
	const timeScale = companyTimeScale();
	const slack = new SlackEmulator({ appName: 'Perks', limits: 'published', timeScale });
	return {
		name: 'Slack',
		workflow: SLACK_DM,
		postsPerMinute: DEFAULT_POSTS_PER_MINUTE * timeScale,
		limitText: `published tiers, chat.postMessage ${DEFAULT_POSTS_PER_MINUTE}/min for the workspace${scaled(timeScale)}`,
		start: async () => void (await slack.start()),
		stop: () => slack.stop(),
		services: (perks) => ({ perks, slack }),
		add: (count) => {
			const users = slack.addUsers(count, { namePrefix: 'staff' });
			const ids = users.map((u) => u.id);
			return {
				emails: users.map((u) => u.email!),
				received: () => slackDmCounts(slack, ids),
				calls: (i, since) =>
					slack.calls
						.filter((c) => c.params.channel === ids[i] || c.params.email === users[i].email)
						.map((c) => `${c.method} ${c.answer} at ${((c.at - since) / 1000).toFixed(1)} s`)
						.join(', '),
			};
		},
		calls: () => slack.calls.length,
		callsPerDm: 1.1,
		refused: () =>
			[...new Set(slack.calls.map((c) => c.method))].reduce(
				(n, method) => n + slack.rateLimitedCount(method),
				0,
			),
	};
}

function teamsChat(): Chat {
	const timeScale = companyTimeScale();
	const graph = new GraphEmulator({ limits: 'published', timeScale });
	const perSecond = GRAPH_PUBLISHED_LIMITS.chatMessagePosts * timeScale;
	return {
		name: 'Teams',
		workflow: TEAMS_DM,
		postsPerMinute: perSecond * 60,
		limitText: `Graph's published limits, ${GRAPH_PUBLISHED_LIMITS.chatMessagePosts} chat posts/s per app and tenant${scaled(timeScale)}`,
		start: async () => void (await graph.start()),
		stop: () => graph.stop(),
		services: (perks) => ({ perks, graph }),
		add: (count) => {
			const users = graph.addUsers(count, 'company.test');
			// The 1:1 chat id is fixed by the pair, so naming it first changes nothing n8n sees.
			const chats = users.map((u) => `chat:${graph.oneOnOneChat(u.id)}`);
			return {
				emails: users.map((u) => u.mail!),
				received: () => {
					const per = new Map<string, number>();
					for (const m of graph.messages) per.set(m.target, (per.get(m.target) ?? 0) + 1);
					return chats.map((c) => per.get(c) ?? 0);
				},
			};
		},
		calls: () => graph.requests.length,
		callsPerDm: 2.1,
		refused: () =>
			[...new Set(graph.requests.map((r) => r.route))].reduce(
				(n, route) => n + graph.rateLimitedCount(route),
				0,
			),
	};
}

function scaled(timeScale: number): string {
	return timeScale === 1 ? '' : `; windows and back-off ${timeScale}× shorter`;
}

interface Measured {
	figures: CompanyFigures;
	callsPerDm: number;
	refused: number;
	load: string;
	/** DMs a second until 95 % had landed: the steady rate, before the back-off's stragglers. */
	steadyPerSecond: number;
	/** CPU time of n8n's processes per DM over the funding (/proc). */
	cpuMsPerDm: number;
	/** Webhook → NoOp executions a second in the same n8n. */
	noOpPerSecond: number;
}

/** One n8n, or a queue-mode cluster (main, webhook process, workers, PostgreSQL, Redis). */
interface Host {
	webhookUrl(webhookId: string): string;
	/** Where production webhooks are served (the webhook process in queue mode). */
	webhookBase: string;
	instance: { logTail(lines: number): string };
	dispose(): Promise<void>;
}

async function launch(
	chat: Chat,
	employees: number,
	perks: PerksEmulator,
	workers: number,
): Promise<Host> {
	const options = {
		name: `bench-company-${chat.name.toLowerCase()}-${employees}${workers ? `-q${workers}` : ''}`,
		credentials: catalogCredentials(chat.services(perks), [chat.workflow]),
		workflows: [chat.workflow, NOOP],
		// BENCH_N8N_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles n8n itself.
		env: {
			N8N_LOG_LEVEL: 'warn',
			...(process.env.BENCH_N8N_NODE_OPTIONS
				? { NODE_OPTIONS: process.env.BENCH_N8N_NODE_OPTIONS }
				: {}),
			...benchN8nEnv(),
		},
	};
	if (workers > 0) {
		const cluster = await N8nQueueCluster.launch({ ...options, workers });
		return {
			webhookUrl: (id) => cluster.webhookUrl(id),
			webhookBase: cluster.webhookBaseUrl,
			instance: cluster,
			dispose: () => cluster.dispose(),
		};
	}
	const n8n = await N8nInstance.launch(options);
	return {
		webhookUrl: (id) => n8n.webhookUrl(id),
		webhookBase: n8n.baseUrl,
		instance: n8n,
		dispose: () => n8n.dispose(),
	};
}

/** Webhook → NoOp executions a second, NOOP_CONCURRENCY at a time. */
async function noOpRate(host: Host): Promise<number> {
	const url = `${host.webhookBase}/webhook/bench-company-noop`;
	const body = Buffer.from('{"bench":true}');
	const headers = { 'content-type': 'application/json' };
	await pool(20, 20, async () => void (await post(url, body, headers, 10_000)));
	const began = performance.now();
	await pool(
		NOOP_RUNS,
		NOOP_CONCURRENCY,
		async () => void (await post(url, body, headers, 60_000)),
	);
	return (NOOP_RUNS * 1000) / (performance.now() - began);
}

/**
 * A fresh n8n (or queue-mode cluster with `workers`) and destination; everyone exists before the
 * funding (as in a company).
 */
async function measure(chat: Chat, employees: number, workers = 0): Promise<Measured> {
	const loadStart = loadavg()[0];
	const perks = new PerksEmulator();
	await Promise.all([perks.start(), chat.start()]);
	const warm = chat.add(WARM);
	const staff = chat.add(employees);
	const n8n = await launch(chat, employees, perks, workers);
	try {
		const url = n8n.webhookUrl(webhookIdOf(chat.workflow));
		await waitFor(() => perks.webhooks.some((w) => w.url === url), {
			what: 'the template to register',
			timeoutMs: 60_000,
			instance: n8n.instance,
		});
		const eventsFor = (emails: string[]) =>
			emails.map((email, i) =>
				walletFundedEvent(perks.addEmployee({ email, name: email.split('@')[0] }), {
					amount: 100 + i,
					balance: 1_000 + i,
				}),
			);
		// Warm-up, not counted: n8n loads the nodes, the ledger table and the recipient directory.
		await perks.deliverAllUntilDone(eventsFor(warm.emails), { url, concurrency: WARM });
		const callsBefore = chat.calls();
		const refusedBefore = chat.refused();
		const groups = liveN8nGroups();
		const cpuBefore = groupCpuMs(groups);
		const began = Date.now();
		let at95: number | undefined;
		const received = () => {
			const counts = staff.received();
			if (at95 === undefined && counts.filter((c) => c > 0).length >= 0.95 * employees)
				at95 = Date.now() - began;
			return counts;
		};
		const figures = await fundCompany({
			perks,
			url,
			events: eventsFor(staff.emails),
			received,
			calls: staff.calls,
			settleMs: 120_000,
			timeScale: companyTimeScale(),
			progressMs: 60_000,
			label: `${chat.name} ${employees}`,
		});
		const cpuMs = groupCpuMs(groups) - cpuBefore;
		const dms = figures.counts.reduce((a, b) => a + b, 0);
		const callsPerDm = (chat.calls() - callsBefore) / Math.max(1, dms);
		const refused = chat.refused() - refusedBefore;
		const load = `${loadStart.toFixed(1)}→${loadavg()[0].toFixed(1)}`;
		return {
			figures,
			callsPerDm,
			refused,
			load,
			steadyPerSecond: at95 ? (0.95 * employees * 1000) / at95 : 0,
			cpuMsPerDm: cpuMs / Math.max(1, dms),
			noOpPerSecond: await noOpRate(n8n),
		};
	} finally {
		await n8n.dispose();
		await Promise.all([perks.stop(), chat.stop()]);
	}
}

function row(chat: Chat, employees: number, m: Measured, workers = 0): Row {
	const f = m.figures;
	const floorMs = (employees / chat.postsPerMinute) * 60_000;
	const misses = [
		f.lost || f.duplicates || f.notDelivered
			? `${f.lost} lost, ${f.duplicates} duplicates, ${f.notDelivered} not delivered`
			: '',
		f.msToLastDm > TARGET.floor * floorMs ? `time ${ratio(f.msToLastDm, floorMs)} the floor` : '',
		f.perEvent > TARGET.perEvent ? `${fmt(f.perEvent, 2)} deliveries per event` : '',
		m.callsPerDm > chat.callsPerDm ? `${fmt(m.callsPerDm, 2)} calls per DM` : '',
	].filter(Boolean);
	return {
		benchmark: `company: ${fmt(employees)} employees funded at once → ${chat.name} DMs (${chat.limitText}${companyTimeScale() === 1 ? ', real time' : ''}), 50 deliveries at a time${workers ? `; queue mode, ${workers} workers` : ''}${process.env.BENCH_N8N_ENV ? `; n8n with ${process.env.BENCH_N8N_ENV}` : ''}`,
		figure:
			`${fmt(f.msToLastDm / 1000, 1)} s to the last DM; ${f.lost} lost, ${f.duplicates} duplicates; ` +
			`${fmt(f.perEvent, 2)} deliveries/event (${f.unanswered} unanswered in 10 s; at most ${f.maxAttempts} for one event; before the back-off was cut short, round ${f.maxRound} at most and ${f.fromFourthRetry} events on the 4th retry${refusals(f)}); ` +
			`${fmt(m.callsPerDm, 2)} ${chat.name} calls/DM (${fmt(m.refused)} answered 429); n8n peak RSS ${fmt(f.peakRssMB)} MB; ` +
			`${fmt(m.steadyPerSecond, 1)} DMs/s until 95 % landed (limit ${fmt(chat.postsPerMinute / 60, 1)}/s), n8n CPU ${fmt(m.cpuMsPerDm, 1)} ms/DM; ` +
			`Webhook → NoOp in the same n8n ${fmt(m.noOpPerSecond, 1)} executions/s; load ${m.load}`,
		baseline: `${fmt(floorMs / 1000, 1)} s floor (${fmt(employees)} ÷ ${fmt(chat.postsPerMinute)}/min)`,
		ratio: ratio(f.msToLastDm, floorMs),
		target: `≤ ${TARGET.floor}× floor, 0 lost, 0 duplicates, ≤ ${TARGET.perEvent} deliveries/event, ≤ ${chat.callsPerDm} calls/DM`,
		verdict:
			(misses.length ? `missed (${misses.join('; ')})` : 'met') +
			n8nBound(employees, floorMs, f, m),
	};
}

/**
 * When n8n's own empty executions could not keep up with the destination's limit, says so with the
 * time they alone would take: then the platform's floor is out of reach on this machine, whatever a
 * node does, and the ratio to n8n's floor is the one our code answers for.
 */
function n8nBound(employees: number, floorMs: number, f: CompanyFigures, m: Measured): string {
	if (m.noOpPerSecond <= 0) return '';
	const n8nFloorMs = (employees / m.noOpPerSecond) * 1000;
	if (n8nFloorMs <= floorMs) return '';
	return `; n8n's Webhook → NoOp alone takes ${fmt(n8nFloorMs / 1000, 1)} s for ${fmt(employees)} runs here (${ratio(n8nFloorMs, floorMs)} the platform's floor): ${ratio(f.msToLastDm, n8nFloorMs)} of that`;
}

/** The 503 reasons, counted (admission control's and any other). */
function refusals(f: CompanyFigures): string {
	const parts = Object.entries(f.reasons)
		.filter(([reason]) => reason.startsWith('503'))
		.map(([reason, n]) => `${fmt(n)} × ${reason}`);
	return parts.length ? `; ${parts.join(', ')}` : '';
}

export async function company(): Promise<Row[]> {
	const sizes = companySizes();
	const rows: Row[] = [];
	const slackRss = new Map<number, number>();
	const runs: Array<[() => Chat, number, number]> = [
		...sizes.slack.map((n): [() => Chat, number, number] => [slackChat, n, 0]),
		...sizes.teams.map((n): [() => Chat, number, number] => [teamsChat, n, 0]),
		...sizes.slackQueue.map((n): [() => Chat, number, number] => [slackChat, n, QUEUE_WORKERS]),
	];
	for (const [make, employees, workers] of runs) {
		const chat = make();
		const m = await measure(chat, employees, workers);
		if (chat.name === 'Slack' && !workers) slackRss.set(employees, m.figures.peakRssMB);
		const done = row(chat, employees, m, workers);
		process.stderr.write(`[bench] ${Object.values(done).join(' | ')}\n`);
		rows.push(done);
	}
	const [small, large] = [Math.min(...slackRss.keys()), Math.max(...slackRss.keys())];
	if (slackRss.size > 1) {
		const spread = slackRss.get(large)! - slackRss.get(small)!;
		rows.push({
			benchmark: `company: n8n peak RSS, Slack ${fmt(large)} vs ${fmt(small)} employees`,
			figure: `${fmt(slackRss.get(large)!)} MB vs ${fmt(slackRss.get(small)!)} MB (n8n's process tree, /proc)`,
			baseline: `${fmt(slackRss.get(small)!)} MB at ${fmt(small)}`,
			ratio: ratio(slackRss.get(large)!, slackRss.get(small)!),
			target: `differ by < ${TARGET.rssSpreadMB} MB`,
			verdict:
				spread < TARGET.rssSpreadMB ? `met (${fmt(spread)} MB)` : `missed (${fmt(spread)} MB)`,
		});
	}
	return rows;
}
