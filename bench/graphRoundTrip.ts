/**
 * Teams DMs in-process, without n8n: the Teams adapter against the Graph emulator at Graph's
 * published limits, each call held a fixed round trip (the emulator answers in about 1 ms, Graph
 * in a few hundred), N first DMs at once (each a chat creation, then the post). What the adapter's
 * throttle allows on its own: n8n's cost per execution comes on top in a real n8n.
 */
import { GraphEmulator, GRAPH_PUBLISHED_LIMITS } from '../emulators/graphApi';
import { TeamsPlatform } from '../nodes/shared/chat/teams/TeamsPlatform';
import { envInt, fmt } from './common';
import type { GraphTransport } from '../nodes/shared/chat/teams/graphClient';
import { ratio, type Row } from './table';

const ROUND_TRIPS_MS = [0, 300, 600];

async function dms(count: number, roundTripMs: number): Promise<number> {
	const graph = new GraphEmulator({ limits: 'published' });
	await graph.start();
	try {
		const transport = graphFetchTransport(graph.issueTokens().accessToken, roundTripMs);
		const teams = new TeamsPlatform({
			transport,
			graphApiBaseUrl: graph.graphBaseUrl,
			throttleKey: `bench-rtt-${roundTripMs}`,
		});
		const people = graph.addUsers(count, 'company.test');
		const began = performance.now();
		await Promise.all(people.map((p) => teams.sendDirectMessage(p.id, { text: 'Funded' })));
		return performance.now() - began;
	} finally {
		await graph.stop();
	}
}

/** What the nodes do through n8n, minus n8n: real HTTP with a bearer token, after `delayMs`. */
export function graphFetchTransport(token: string, delayMs = 0): GraphTransport {
	return async ({ method, url, headers, body }) => {
		if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
		const res = await fetch(url, {
			method,
			headers: { ...headers, Authorization: `Bearer ${token}` },
			body,
		});
		return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
	};
}

export async function graphRoundTrip(): Promise<Row[]> {
	const count = envInt('BENCH_TEAMS_RTT_DMS', 300);
	const perSecond = GRAPH_PUBLISHED_LIMITS.chatMessagePosts;
	const rows: Row[] = [];
	for (const roundTripMs of ROUND_TRIPS_MS) {
		const ms = await dms(count, roundTripMs);
		const floorMs = (count / perSecond) * 1000;
		rows.push({
			benchmark: `Teams adapter alone: ${fmt(count)} first DMs at once, Graph's published limits, ${roundTripMs} ms a call`,
			figure: `${fmt(ms / 1000, 1)} s (${fmt((count * 1000) / ms, 1)} DMs/s)`,
			baseline: `${fmt(floorMs / 1000, 1)} s floor (${perSecond} posts/s)`,
			ratio: ratio(ms, floorMs),
			target: 'none (reference)',
			verdict: 'n/a',
		});
	}
	return rows;
}
