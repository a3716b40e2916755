/**
 * Chat commands: N concurrent signed `/perks balance` slash commands into the published template
 * perks-balance-slash-command-slack.json in a real n8n, the perks API answering balance reads in
 * 2 s. Slack wants the acknowledgement within 3 s; the answer goes to each asker's response_url.
 * Baseline: n8n's Webhook node → NoOp answering at once, same n8n, same concurrency.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { slashCommand } from '../emulators/chatRequests';
import { PerksEmulator } from '../emulators/perksApi';
import { SlackEmulator } from '../emulators/slackApi';
import { closeServer } from '../emulators/closeServer';
import { N8nInstance, sleep, waitFor } from '../harness/n8n';
import {
	loadTemplate,
	SLACK_SIGNING_SECRET,
	templateCredentials,
	webhookIdOf,
} from '../harness/n8n/templateSetup';
import { envInt, fmt, pool, post } from './common';
import { ratio, type Row } from './table';
import { webhookWorkflow } from './workflows';

const SLASH = loadTemplate('perks-balance-slash-command-slack.json', 'benchChatSlash01');
// The baseline answers on receipt, as a slash command endpoint must.
const NOOP = webhookWorkflow('benchChatNoOp001', 'bench-chat-noop', 'none', 'onReceived');
const SLACK_ACK_MS = 3_000;
const PERKS_LATENCY_MS = 2_000;

/** Every asker's own response_url on loopback: the posts each one received. */
async function responseUrls(): Promise<{
	server: Server;
	base: string;
	posts: Map<string, string[]>;
}> {
	const posts = new Map<string, string[]>();
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const asker = req.url ?? '';
			const text = String(
				(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: unknown }).text ?? '',
			);
			posts.set(asker, [...(posts.get(asker) ?? []), text]);
			res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const spread = (ms: number[]) => {
	const sorted = [...ms].sort((a, b) => a - b);
	return {
		p50: percentile(sorted, 50),
		p99: percentile(sorted, 99),
		max: sorted[sorted.length - 1],
	};
};

const show = (s: { p50: number; p99: number; max: number }) =>
	`p50 ${fmt(s.p50)} / p99 ${fmt(s.p99)} / max ${fmt(s.max)} ms`;

async function timedPosts(
	count: number,
	make: (i: number) => { url: string; body: Buffer; headers: Record<string, string> },
) {
	const ms: number[] = [];
	let failed = 0;
	let unanswered = 0;
	await pool(count, count, async (i) => {
		const { url, body, headers } = make(i);
		const began = performance.now();
		const res = await post(url, body, headers, 10_000);
		ms.push(performance.now() - began);
		if (res.status === 0) unanswered++;
		else if (res.status !== 200) failed++;
	});
	return { ...spread(ms), failed, unanswered };
}

export async function chat(): Promise<Row> {
	const count = envInt('BENCH_CHAT_COMMANDS', 50);
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	await Promise.all([perks.start(), slack.start()]);
	const answers = await responseUrls();
	const n8n = await N8nInstance.launch({
		name: 'bench-chat',
		credentials: templateCredentials(perks, slack),
		workflows: [SLASH, NOOP],
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	try {
		const url = n8n.webhookUrl(webhookIdOf(SLASH));
		const command = (userId: string, path: string) => {
			const signed = slashCommand(SLACK_SIGNING_SECRET, {
				userId,
				text: 'balance',
				responseUrl: `${answers.base}${path}`,
			});
			return { url, body: Buffer.from(signed.body), headers: signed.headers };
		};
		const askers = slack.addUsers(count + 5, { namePrefix: 'asker' }).map((user, i) => {
			// Distinct balances, so an answer shows whose balance it carries.
			perks.addEmployee({ email: user.email, name: user.realName }, { balance: 10_000 + i });
			return { user, balance: 10_000 + i, path: `/commands/${user.id}` };
		});
		// n8n serves published webhooks a moment after it is ready: until then it answers 404.
		const live = async (target: string) =>
			(await post(target, Buffer.from('{}'), { 'content-type': 'application/json' }, 5_000))
				.status !== 404;
		await waitFor(
			async () => (await live(url)) && (await live(`${n8n.baseUrl}/webhook/bench-chat-noop`)),
			{ what: 'the webhooks to be served', timeoutMs: 60_000, intervalMs: 500, instance: n8n },
		);
		// Warm-up (not counted): a few commands answered without the slow API.
		await timedPosts(5, (i) => command(askers[count + i].user.id, askers[count + i].path));
		await waitFor(() => answers.posts.size >= 5, {
			what: 'the warm-up answers',
			timeoutMs: 30_000,
			instance: n8n,
		});
		const body = Buffer.from(
			new URLSearchParams({ command: '/perks', text: 'balance' }).toString(),
		);
		const form = { 'content-type': 'application/x-www-form-urlencoded' };
		const baseline = await timedPosts(count, () => ({
			url: `${n8n.baseUrl}/webhook/bench-chat-noop`,
			body,
			headers: form,
		}));

		perks.setLatency('/v1/wallets', PERKS_LATENCY_MS);
		const began = performance.now();
		const acks = await timedPosts(count, (i) => command(askers[i].user.id, askers[i].path));
		const measured = askers.slice(0, count);
		const answered = () =>
			measured.filter((a) => (answers.posts.get(a.path)?.length ?? 0) > 0).length;
		await waitFor(() => answered() === count, {
			what: 'every answer',
			timeoutMs: 60_000,
			instance: n8n,
		}).catch(() => undefined);
		const allMs = performance.now() - began;
		await sleep(1_000);
		const got = measured.map((a) => answers.posts.get(a.path) ?? []);
		const missing = got.filter((p) => p.length === 0).length;
		const duplicates = got.reduce((sum, p) => sum + Math.max(0, p.length - 1), 0);
		// The balance is printed with a thousands separator in some languages: compare digits only.
		const wrong = measured.filter(
			(a, i) => got[i].length > 0 && !got[i][0].replace(/\D/g, '').includes(String(a.balance)),
		).length;
		const late = acks.max >= SLACK_ACK_MS;
		const problems = [
			late ? `slowest acknowledgement ${fmt(acks.max)} ms` : '',
			acks.unanswered ? `${acks.unanswered} unanswered in 10 s` : '',
			acks.failed ? `${acks.failed} non-200 acknowledgements` : '',
			missing ? `${missing} answers missing` : '',
			duplicates ? `${duplicates} duplicate answers` : '',
			wrong ? `${wrong} answers with another balance` : '',
		].filter(Boolean);
		return {
			benchmark: `chat commands: ${count} concurrent /perks balance (template, real n8n), perks API answering in ${PERKS_LATENCY_MS / 1000} s`,
			figure: `acks ${show(acks)}; ${count - missing}/${count} answers in ${fmt(allMs / 1000, 1)} s, ${duplicates} duplicates, ${wrong} wrong`,
			baseline: `Webhook → NoOp acks ${show(baseline)}${baseline.failed + baseline.unanswered ? ` (${baseline.failed + baseline.unanswered} not 200 in 10 s)` : ''}`,
			ratio: `p99 ${ratio(acks.p99, baseline.p99)}`,
			target: "every ack < 3 s; every answer once, the asker's balance",
			verdict: problems.length === 0 ? 'met' : `missed (${problems.join('; ')})`,
		};
	} finally {
		await n8n.dispose();
		await Promise.all([perks.stop(), slack.stop(), closeServer(answers.server)]);
	}
}
