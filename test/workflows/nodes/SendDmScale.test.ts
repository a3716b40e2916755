/**
 * A company's monthly funding through Send DM, in-process, against emulators that enforce the
 * platforms' published rate limits: thousands of distinct people, each DMed once, at about one
 * platform call per DM (the recipient comes from the credential's directory, the DM goes to the
 * user id on Slack and to the cached 1:1 chat on Teams).
 */
import type { IDataObject } from 'n8n-workflow';

import { GraphEmulator } from '../../../emulators/graphApi';
import { mapBounded } from '../../../emulators/perksRedelivery';
import { SlackEmulator } from '../../../emulators/slackApi';
import { runNode, walletFundedItem, type Services } from '../../../harness/inProcess/runNode';
import { TYPE } from '../../../harness/inProcess/workflows';

const dmByEmail = (platform: string) => ({
	platform,
	recipientBy: 'email',
	email: '={{ $json.employeeEmail }}',
	messageSource: 'default',
});

/** Items in executions of `batch`, `executions` of them at once, as a busy n8n would run them. */
async function fund(
	platform: string,
	services: Services,
	items: IDataObject[],
	{ batch = 50, executions = 12, workflowId = 'wf-funding' } = {},
) {
	const batches = Array.from({ length: Math.ceil(items.length / batch) }, (_, n) =>
		items.slice(n * batch, n * batch + batch),
	);
	const started = Date.now();
	const runs = await mapBounded(
		batches,
		executions,
		async (inputs) =>
			await runNode(TYPE.sendDm, dmByEmail(platform) as never, inputs, services, { workflowId }),
	);
	return { runs, ms: Date.now() - started };
}

function callsPerMethod(names: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
	return counts;
}

function fundingItems(emails: string[], round: string): IDataObject[] {
	return emails.map((email, n) =>
		walletFundedItem({ eventId: `evt_${round}_${n}`, employeeEmail: email, employeeId: `e${n}` }),
	);
}

describe('Send DM at company scale, Slack with its published limits', () => {
	// 300 at Slack's own pace; 3,000 with every window 15 times shorter (a minute lasts 4 s), so
	// the workspace's 300 posts a window bind although the in-process run is slower than Slack.
	it.each([
		[300, 1],
		[3000, 15],
	])(
		'%i distinct employees funded: all DMed once, at most 1.1 calls per DM (time scale %i)',
		async (count, timeScale) => {
			const slack = new SlackEmulator({ limits: 'published', timeScale });
			await slack.start();
			try {
				const users = slack.addUsers(count, { namePrefix: `scale${count}_` });
				const { runs, ms } = await fund(
					'slack',
					{ slack },
					fundingItems(
						users.map((u) => u.email!),
						`slack${count}`,
					),
				);
				expect(runs.map((r) => r.error('Subject'))).toEqual(runs.map(() => undefined));
				expect(slack.messages).toHaveLength(count);
				for (const user of users) expect(slack.messagesFor(user.id)).toHaveLength(1);

				const calls = callsPerMethod(slack.calls.map((c) => c.method));
				// Every call made counts, 429s included.
				expect(slack.calls.length / count).toBeLessThanOrEqual(1.1);
				expect(calls['users.lookupByEmail'] ?? 0).toBe(0);
				expect(calls['conversations.open'] ?? 0).toBe(0);
				// One load of the directory for every execution: a page per 1,000 people.
				expect(calls['users.list']).toBe(Math.ceil(count / 1000));
				// The workspace allows 300 posts a minute: 3,000 take at least 9 more windows.
				const minuteMs = 60_000 / timeScale;
				expect(ms).toBeGreaterThanOrEqual((Math.ceil(count / 300) - 1) * minuteMs);
				console.info(
					`Slack, ${count} DMs, time scale ${timeScale}: ${ms} ms, ${(slack.calls.length / count).toFixed(3)} calls/DM`,
					calls,
					`429s: ${slack.rateLimitedCount('chat.postMessage')}`,
				);
			} finally {
				await slack.stop();
			}
		},
		300_000,
	);
});

describe('Send DM at company scale, Teams with its published limits', () => {
	it('3,000 distinct employees funded twice: after the first round, one call per DM', async () => {
		// 1/20 s windows: Graph's 20 chat posts a second become 400, above what the in-process run
		// reaches, so the time measured is the run's own (at 20 a second 3,000 posts take 150 s).
		const graph = new GraphEmulator({ limits: 'published', timeScale: 20 });
		await graph.start();
		try {
			const users = graph.addUsers(3000, 'funded.example.com');
			const emails = users.map((u) => u.mail!);
			const first = await fund('teams', { graph }, fundingItems(emails, 'teams1'));
			expect(first.runs.map((r) => r.error('Subject'))).toEqual(first.runs.map(() => undefined));
			expect(graph.messages).toHaveLength(3000);
			const warmUp = callsPerMethod(graph.requests.map((r) => r.route));
			console.info(`Teams warm-up, 3000 DMs: ${first.ms} ms`, warmUp, {
				chats429: graph.rateLimitedCount('POST /chats'),
				posts429: graph.rateLimitedCount('POST /chats/{id}/messages'),
			});
			// The directory (3 pages of /users), the service account once, a 1:1 chat per person.
			expect(warmUp['GET /users']).toBe(Math.ceil((3000 + 1) / 999));
			expect(warmUp['GET /me']).toBe(1);
			expect(warmUp['POST /chats'] - graph.rateLimitedCount('POST /chats')).toBe(3000);

			graph.clearRecords();
			const limitedBefore = graph.rateLimitedCount('POST /chats/{id}/messages');
			const second = await fund('teams', { graph }, fundingItems(emails, 'teams2'));
			expect(second.runs.map((r) => r.error('Subject'))).toEqual(second.runs.map(() => undefined));
			expect(graph.messages).toHaveLength(3000);
			for (const user of users)
				expect(graph.messagesIn(`chat:${graph.oneOnOneChat(user.id)}`)).toHaveLength(1);
			const limited = graph.rateLimitedCount('POST /chats/{id}/messages') - limitedBefore;
			const routes = callsPerMethod(graph.requests.map((r) => r.route));
			expect(routes).toEqual({ 'POST /chats/{id}/messages': 3000 + limited });
			console.info(
				`Teams, 3000 DMs at time scale 20: warm-up ${first.ms} ms, then ${second.ms} ms, ${((3000 + limited) / 3000).toFixed(3)} calls/DM (${limited} 429s)`,
			);
		} finally {
			await graph.stop();
		}
	}, 400_000);
});
