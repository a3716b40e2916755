/**
 * Fan-out through the Perks app's bot: the shipped Teams wallet-funded template switched to the
 * bot credential, as its sticky note says, in a real n8n, against the Bot Connector emulator with
 * Teams' published bot limits (50 requests a second per app, 7 per conversation). The floor is
 * what those limits allow for the Connector calls the run made (a 1:1 conversation opened once
 * per person, then the activity): calls / 50 per second.
 */
import { BOT_PUBLISHED_LIMITS, BotConnectorEmulator } from '../emulators/botConnector';
import { GraphEmulator } from '../emulators/graphApi';
import { PerksEmulator } from '../emulators/perksApi';
import { N8nInstance, waitFor } from '../harness/n8n';
import {
	catalogCredentials,
	loadTemplate,
	switchToTeamsBot,
	webhookIdOf,
} from '../harness/n8n/templateSetup';
import { envInt, fmt } from './common';
import { burst, exact, exactness, type Destination } from './fanout';
import { ratio, type Row } from './table';

const BOT_DM = switchToTeamsBot(loadTemplate('wallet-funded-to-teams-dm.json', 'benchFanoutBot01'));
const CONNECTOR_ROUTES = ['POST /v3/conversations', 'POST /v3/conversations/{id}/activities'];

function botDestination(graph: GraphEmulator, bot: BotConnectorEmulator, url: string): Destination {
	return {
		url,
		// The app is installed for them (as an admin's setup policy does): the Connector is measured.
		add: (count) =>
			graph.addUsers(count, 'teams.test').map((u) => {
				graph.installAppForUser(u.id, bot.catalogApp!.id);
				return { email: u.mail!, name: u.displayName, key: u.id };
			}),
		received: (recipients) => recipients.map((r) => bot.activitiesFor(r.key).length),
	};
}

const connectorCalls = (bot: BotConnectorEmulator) =>
	CONNECTOR_ROUTES.reduce((sum, route) => sum + bot.callCount(route), 0);

export async function fanoutBot(): Promise<Row> {
	const events = envInt('BENCH_FANOUT_LIMITED_EVENTS', 1_000);
	const concurrency = envInt('BENCH_FANOUT_CONCURRENCY', 20);
	const perks = new PerksEmulator();
	const graph = new GraphEmulator();
	await Promise.all([perks.start(), graph.start()]);
	const bot = new BotConnectorEmulator({ graph });
	await bot.start();
	const n8n = await N8nInstance.launch({
		name: 'bench-fanout-bot',
		credentials: catalogCredentials({ perks, graph, bot }, [BOT_DM]),
		workflows: [BOT_DM],
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	try {
		const to = botDestination(graph, bot, n8n.webhookUrl(webhookIdOf(BOT_DM)));
		await waitFor(() => perks.webhooks.some((w) => w.url === to.url), {
			what: 'the template to register',
			timeoutMs: 60_000,
			instance: n8n,
		});
		// Warm-up (tokens, code paths), not counted.
		await burst(perks, to, n8n, to.add(20, 'warm'), concurrency);
		const callsBefore = connectorCalls(bot);
		const refusedBefore = bot.rateLimitedCount;
		const b = await burst(perks, to, n8n, to.add(events, 'bot'), concurrency);
		const calls = connectorCalls(bot) - callsBefore;
		const refused = bot.rateLimitedCount - refusedBefore;
		const floorMs = (calls / BOT_PUBLISHED_LIMITS.perApp) * 1000;
		const slow = b.ms > 1.2 * floorMs;
		const misses = [
			slow
				? `slower than 1.2×: ${fmt((events * 1000) / b.ms, 1)} DMs/s end to end${refused === 0 ? ', and no 429: n8n, not the Connector, set the pace' : ''}`
				: '',
			exact(b) ? '' : exactness(b),
		].filter(Boolean);
		return {
			benchmark: `fan-out: ${fmt(events)} Teams DMs through the Perks app (bot), Bot Connector at its published limits (${BOT_PUBLISHED_LIMITS.perApp}/s per app, ${BOT_PUBLISHED_LIMITS.perConversation}/s per conversation)`,
			figure: `${fmt(b.ms / 1000, 1)} s; ${exactness(b)}; ${fmt(calls)} Connector calls, ${fmt(refused)} answered 429`,
			baseline: `${fmt(floorMs / 1000, 1)} s (those calls at ${BOT_PUBLISHED_LIMITS.perApp}/s)`,
			ratio: ratio(b.ms, floorMs),
			target: '≤ 1.2×, 0 lost, 0 duplicates',
			verdict: misses.length ? `missed (${misses.join('; ')})` : 'met',
		};
	} finally {
		await n8n.dispose();
		await bot.stop();
		await Promise.all([perks.stop(), graph.stop()]);
	}
}
