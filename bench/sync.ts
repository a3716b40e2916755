/**
 * User sync: the whole perks directory matched to chat accounts. Ours: Map User by Email → Sync
 * Users (Slack, in-process n8n) and the same bulk listing + join for Microsoft Graph. The naive
 * way, as an admin wires n8n's built-in nodes: one users.lookupByEmail / Graph `$filter` call per
 * person, one after another (n8n runs a node's items in turn). Emulators run in this process.
 */
import { PerksEmulator } from '../emulators/perksApi';
import { SlackEmulator } from '../emulators/slackApi';
import { GraphEmulator } from '../emulators/graphApi';
import { runNode } from '../harness/inProcess/runNode';
import { TYPE } from '../harness/inProcess/workflows';
import { SlackPlatform } from '../nodes/shared/chat/slack/SlackPlatform';
import { TeamsPlatform } from '../nodes/shared/chat/teams/TeamsPlatform';
import { graphFetchTransport } from './graphRoundTrip';
import { ChatDirectory } from '../nodes/shared/mapping/directorySync';
import type { Employee } from '../nodes/shared/perks/contract';
import { fmt, memorySampler } from './common';
import { ratio, type Row } from './table';

const SLACK_PAGE = 1000;
const PERKS_PAGE = 500;
const GRAPH_PAGE = 999;

interface Run {
	ms: number;
	calls: number;
	heapMB: number;
	matched: number;
}

async function timed(work: () => Promise<{ calls: number; matched: number }>): Promise<Run> {
	const memory = memorySampler();
	const began = performance.now();
	const { calls, matched } = await work();
	const ms = performance.now() - began;
	return { ms, calls, matched, heapMB: memory.stop().heapMB };
}

function row(platform: string, size: number, minimum: number, ours: Run, naive: Run): Row {
	const withinCalls = ours.calls <= minimum + 3;
	const complete = ours.matched === size && naive.matched === size;
	return {
		benchmark: `user sync, ${platform}: ${fmt(size)} people vs one lookup per person`,
		figure: `${fmt(ours.calls)} calls, ${fmt(ours.ms)} ms, peak heap +${fmt(ours.heapMB)} MB, ${fmt(ours.matched)} matched`,
		baseline: `${fmt(naive.calls)} calls, ${fmt(naive.ms)} ms, peak heap +${fmt(naive.heapMB)} MB`,
		ratio: `calls ${ratio(ours.calls, naive.calls, 4)}, time ${ratio(ours.ms, naive.ms)}`,
		target: `≤ page minimum + 3 (${minimum} + 3)`,
		verdict:
			withinCalls && complete
				? 'met'
				: `missed (${withinCalls ? '' : `${ours.calls} calls`}${complete ? '' : ' not everyone matched'})`,
	};
}

export async function slackSync(size: number): Promise<Row> {
	const perks = new PerksEmulator();
	const slack = new SlackEmulator();
	await Promise.all([perks.start(), slack.start()]);
	try {
		const users = slack.addUsers(size);
		const employees = perks.seedEmployees(size, (i) => ({ email: users[i].email }));
		const ours = await timed(async () => {
			const before = slack.calls.length + perks.requests.length;
			const result = await runNode(
				TYPE.mapUser,
				{ platform: 'slack', operation: 'syncUsers', syncOutput: 'all' },
				[{}],
				{ slack, perks },
			);
			const items = result.output('Subject');
			return {
				calls: slack.calls.length + perks.requests.length - before,
				matched: Number(items[items.length - 1].matched),
			};
		});
		// The naive flow signs its own requests (in n8n the credential would).
		const signed: typeof fetch = async (url, init) => {
			const headers = new Headers(init?.headers);
			headers.set('authorization', `Bearer ${slack.token}`);
			return await fetch(url, { ...init, headers });
		};
		const platform = new SlackPlatform({
			fetch: signed as never,
			apiUrl: slack.apiUrl,
			throttleKey: 'bench-naive-sync',
		});
		const naive = await timed(async () => {
			const before = slack.calls.length;
			let matched = 0;
			for (const employee of employees)
				if (await platform.findUserByEmail(employee.email)) matched++;
			// The naive flow lists the perks directory too: the same pages as ours.
			return { calls: slack.calls.length - before + Math.ceil(size / PERKS_PAGE), matched };
		});
		return row(
			'Slack (Map User by Email → Sync Users)',
			size,
			Math.ceil(size / SLACK_PAGE) + Math.ceil(size / PERKS_PAGE),
			ours,
			naive,
		);
	} finally {
		await Promise.all([perks.stop(), slack.stop()]);
	}
}

export async function graphSync(size: number): Promise<Row> {
	const graph = new GraphEmulator();
	await graph.start();
	try {
		const users = graph.addUsers(size);
		const employees: Employee[] = users.map((u, i) => ({
			id: `emp_${i}`,
			email: u.mail!,
			name: u.displayName,
			locale: 'en',
			active: true,
		}));
		const transport = graphFetchTransport(graph.issueTokens().accessToken);
		const teams = new TeamsPlatform({ transport, graphApiBaseUrl: graph.graphBaseUrl });
		const ours = await timed(async () => {
			const before = graph.requests.length;
			const directory = new ChatDirectory();
			for await (const page of teams.listUsers()) directory.add(page);
			const matched = employees.filter((e) => directory.match(e, new Map()).matched).length;
			return { calls: graph.requests.length - before, matched };
		});
		const naive = await timed(async () => {
			const before = graph.requests.length;
			let matched = 0;
			for (const employee of employees) if (await teams.findUserByEmail(employee.email)) matched++;
			return { calls: graph.requests.length - before, matched };
		});
		return row(
			'Microsoft Graph (bulk listing + join; perks listing not counted)',
			size,
			Math.ceil(size / GRAPH_PAGE),
			ours,
			naive,
		);
	} finally {
		await graph.stop();
	}
}
