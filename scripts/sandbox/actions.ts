/**
 * What a newcomer can fire in the sandbox: one sample of each perks event the templates listen
 * to, and one question per chat template (signed as Slack and Teams sign them, or, for a Teams
 * 1:1 chat, written in the Graph emulator, which notifies n8n's subscription), and a DM sent as the
 * Perks app's bot to someone it must install the app for first. Each action
 * knows what must arrive, so `--once` is a smoke test.
 */
import {
	lowBalanceEvent,
	perkAddedEvent,
	perkRedeemedEvent,
	walletFundedEvent,
	type EventInput,
} from '../../emulators/perksApi';
import {
	send,
	slackEvent,
	slashCommand,
	teamsMention,
	type SignedRequest,
} from '../../emulators/chatRequests';
import type { RecordedMessage as TeamsMessage } from '../../emulators/graphApi';
import { botActivity, personalChat, sendToBot } from '../../emulators/teamsBotInbound';
import { sleep, waitFor, type N8nInstance } from '../../harness/n8n';
import {
	SLACK_SIGNING_SECRET,
	TEAMS_OUTGOING_TOKEN,
	webhookIdOf,
	type ChatSource,
	type Template,
} from '../../harness/n8n/templateSetup';
import type { World } from './world';

export interface Action {
	label: string;
	run(): Promise<Outcome>;
}

export interface Outcome {
	ok: boolean;
	lines: string[];
}

const WAIT_MS = 30_000;

/** A fresh sample event of each type (a new id each time, so it is a new event, not a copy). */
function sampleEvent(type: string, world: World, round: number): EventInput | undefined {
	const person = world.people[round % world.people.length];
	const { employee } = person;
	const perk = () =>
		world.perks.addPerk({
			name: 'Cooking class',
			description: 'Fresh pasta with a chef',
			cost: 60,
			category: 'food',
		});
	switch (type) {
		case 'wallet.funded':
			return walletFundedEvent(employee, { amount: 100, balance: 220 });
		case 'perk.redeemed':
			return perkRedeemedEvent(employee, perk(), { balance: 160 });
		case 'wallet.low_balance':
			return lowBalanceEvent(employee, { balance: 15, threshold: 20 });
		case 'catalog.perk_added':
			return perkAddedEvent(perk());
		default:
			return undefined;
	}
}

/** Shared by every event action, so the samples go round the four employees (and languages). */
let round = 0;

export function perksEventActions(templates: Template[], world: World): Action[] {
	const types = [
		...new Set(templates.flatMap((t) => (t.trigger.kind === 'perksEvent' ? t.trigger.events : []))),
	];
	return types.map((type) => {
		const listeners = templates.filter(
			(t) => t.trigger.kind === 'perksEvent' && t.trigger.events.includes(type),
		);
		return {
			label: `perks event ${type} (${listeners.length} template${listeners.length === 1 ? '' : 's'})`,
			run: async () => {
				const event = sampleEvent(type, world, round++);
				if (!event)
					return {
						ok: false,
						lines: [`no sample ${type} event in scripts/sandbox/actions.ts: add one`],
					};
				const since = snapshot(world);
				const results = await world.perks.deliver(event);
				// One message per listening template ("one event → one destination").
				const arrived = await waitFor(() => newMessages(world, since).length >= listeners.length, {
					what: type,
					timeoutMs: WAIT_MS,
				}).catch(() => false);
				const employee = (event.data as { employee?: { name: string } }).employee;
				const who = employee ? ` for ${employee.name}` : '';
				return {
					ok:
						Boolean(arrived) &&
						results.length === listeners.length &&
						results.every((r) => r.status === 200),
					lines: [
						`${type} ${event.id}${who}: n8n answered ${results.map((r) => r.status).join(', ') || 'nothing (no webhook)'}`,
						...newMessages(world, since),
					],
				};
			},
		};
	});
}

const QUESTIONS: Record<ChatSource, { label: string; asker: number; text: string }> = {
	slackCommand: { label: 'Slack: /perks balance (slash command)', asker: 3, text: 'balance' },
	slackEvents: {
		label: 'Slack: a DM to the bot, "quanti punti ho?"',
		asker: 1,
		text: 'quanti punti ho?',
	},
	teamsOutgoingWebhook: {
		label: 'Teams: "@Perks balance" in a channel (outgoing webhook)',
		asker: 2,
		text: 'balance',
	},
};

export function chatActions(templates: Template[], world: World, n8n: N8nInstance): Action[] {
	return templates.flatMap((template) => {
		if (template.trigger.kind !== 'chat') return [];
		const source = template.trigger.source;
		if (source === 'teamsBot') return [botQuestion(template, world, n8n)];
		if (template.trigger.ai) return [aiQuestion(template, world, n8n)];
		if (source === 'teamsChat') return [teamsChatQuestion(template, world, n8n)];
		const question = QUESTIONS[source];
		const url = n8n.webhookUrl(webhookIdOf(template.workflow));
		return [
			{
				label: `${question.label} [${template.file}]`,
				run: async () => {
					const person = world.people[question.asker];
					const since = snapshot(world);
					const response = await send(url, chatRequest(source, person, question.text, world));
					const header = `${person.name} asks "${question.text}": n8n answered ${response.status}`;
					if (source === 'teamsOutgoingWebhook') {
						// Teams shows the HTTP answer as the reply in the channel thread.
						const reply = parse(response.text)?.text;
						const lines = [header, ...(reply ? [`  Teams, reply in the thread: ${reply}`] : [])];
						return {
							ok: response.status === 200 && typeof reply === 'string' && reply.length > 0,
							lines,
						};
					}
					const arrived = await waitFor(() => newMessages(world, since).length > 0, {
						what: source,
						timeoutMs: WAIT_MS,
					}).catch(() => false);
					return {
						ok: response.status === 200 && Boolean(arrived),
						lines: [header, ...newMessages(world, since)],
					};
				},
			},
		];
	});
}

/**
 * A DM to the AI bot. The asker's wallet gets a fresh balance first, so the number in the answer
 * can only have come through the Balance Lookup tool's live read.
 */
function aiQuestion(template: Template, world: World, n8n: N8nInstance): Action {
	const person = world.people[0];
	const text = 'How many points do I have left?';
	const url = n8n.webhookUrl(webhookIdOf(template.workflow));
	return {
		label: `Slack: ask the AI bot "${text}" (scripted model emulator) [${template.file}]`,
		run: async () => {
			const balance = 100 + Math.floor(Math.random() * 900);
			world.perks.setBalance(person.employee.id, balance);
			const since = snapshot(world);
			const calls = world.openAi.toolCalls.length;
			const response = await send(url, chatRequest('slackEvents', person, text, world));
			const channel = () => world.slack.dmChannelFor(person.slack.id);
			const answered = () =>
				world.slack.messages
					.slice(since.slack)
					.some((m) => m.channel === channel() && m.text?.includes(String(balance)));
			// The first run loads n8n's AI nodes, which takes longer than the other templates.
			const arrived = await waitFor(answered, {
				what: 'the AI answer',
				timeoutMs: 2 * WAIT_MS,
			}).catch(() => false);
			const tools = world.openAi.toolCalls.slice(calls);
			return {
				ok: response.status === 200 && Boolean(arrived) && tools.length === 1,
				lines: [
					`${person.name} (live balance ${balance}) asks "${text}": n8n answered ${response.status}`,
					`  model emulator: called ${tools.join(', ') || 'no tool'}`,
					...newMessages(world, since),
				],
			};
		},
	};
}

/**
 * A 1:1 message to the Perks app's bot, signed as the Bot Connector signs: exactly one answer must
 * come back through the Bot Connector in that chat, with the asker's fresh balance (read live).
 */
function botQuestion(template: Template, world: World, n8n: N8nInstance): Action {
	const person = world.people[1];
	const text = 'quanti punti ho?';
	const url = n8n.webhookUrl(webhookIdOf(template.workflow));
	const { bot, graph } = world;
	return {
		label: `Teams: a 1:1 message to the Perks app's bot, "${text}"${template.trigger.kind === 'chat' && template.trigger.ai ? ' (scripted model emulator)' : ''} [${template.file}]`,
		run: async () => {
			const balance = 100 + Math.floor(Math.random() * 900);
			world.perks.setBalance(person.employee.id, balance);
			const conversationId = await personalChat(bot, graph, person.teams.id);
			const since = snapshot(world);
			const answers = () =>
				bot.activities.slice(since.bot).filter((a) => a.conversationId === conversationId);
			const activity = botActivity({
				bot,
				conversationId,
				conversationType: 'personal',
				aadObjectId: person.teams.id,
				text,
			});
			const response = await sendToBot(url, bot, activity);
			const arrived = await waitFor(() => answers().length > 0, {
				what: "the bot's answer",
				timeoutMs: 2 * WAIT_MS,
			}).catch(() => false);
			await sleep(1000);
			const [answer, ...extra] = answers();
			return {
				ok:
					response.status === 202 &&
					Boolean(arrived) &&
					extra.length === 0 &&
					String(answer?.activity.text).includes(String(balance)),
				lines: [
					`${person.name} (live balance ${balance}) writes "${text}" to the bot: n8n answered ${response.status}`,
					...newMessages(world, since),
				],
			};
		},
	};
}

/**
 * A wallet.funded event to the DM template switched to the Perks app only, for someone the app is
 * not installed for yet: the bot installs it (Graph) and sends exactly one DM.
 */
export function botActions(templates: Template[], world: World, n8n: N8nInstance): Action[] {
	const template = templates.find(
		(t) =>
			t.trigger.kind === 'perksEvent' &&
			t.workflow.nodes.some((n) => n.credentials?.perksTeamsBotApi),
	);
	if (!template) return [];
	const { bot, graph } = world;
	return [
		{
			label: `Teams as the Perks app: wallet.funded → a DM from the bot [${template.file}]`,
			run: async () => {
				const person =
					world.people.find((p) => !graph.botInstalledForUser(p.teams.id, bot.appId)) ??
					world.people[0];
				const installedBefore = graph.botInstalledForUser(person.teams.id, bot.appId);
				const sentBefore = bot.activitiesFor(person.teams.id).length;
				const sent = () => bot.activitiesFor(person.teams.id).slice(sentBefore);
				const since = snapshot(world);
				const [result] = await world.perks.deliver(
					walletFundedEvent(person.employee, { amount: 75, balance: 195 }),
					{ url: n8n.webhookUrl(webhookIdOf(template.workflow)) },
				);
				const arrived = await waitFor(() => sent().length > 0, {
					what: 'the DM from the bot',
					timeoutMs: WAIT_MS,
				}).catch(() => false);
				await sleep(500);
				return {
					ok: result?.status === 200 && Boolean(arrived) && sent().length === 1,
					lines: [
						`wallet.funded for ${person.name} (the app ${installedBefore ? 'already installed' : 'not yet installed: the bot installs it'}): n8n answered ${result?.status ?? 'nothing'}`,
						...newMessages(world, since),
					],
				};
			},
		},
	];
}

/**
 * A 1:1 Teams chat message to the service account: Graph notifies n8n's subscription, and exactly
 * one answer must come back in that chat, with the asker's fresh balance (so it was read live).
 */
function teamsChatQuestion(template: Template, world: World, n8n: N8nInstance): Action {
	const person = world.people[3];
	const text = '¿cuántos puntos tengo?';
	const url = n8n.webhookUrl(webhookIdOf(template.workflow));
	const { graph } = world;
	return {
		label: `Teams: 1:1 chat question "${text}" to ${graph.serviceAccount.displayName} (Graph change notification) [${template.file}]`,
		run: async () => {
			const balance = 100 + Math.floor(Math.random() * 900);
			world.perks.setBalance(person.employee.id, balance);
			const chatId = graph.oneOnOneChat(person.teams.id);
			const deliveries = graph.deliveries.length;
			graph.sendChatMessage(person.teams.id, chatId, text);
			// After the question, so only what came back is listed.
			const since = snapshot(world);
			const answers = () =>
				graph.messages
					.slice(since.teams)
					.filter((m) => m.target === `chat:${chatId}` && m.from === graph.serviceAccount.id);
			const arrived = await waitFor(() => answers().length > 0, {
				what: 'the answer in the 1:1 chat',
				timeoutMs: WAIT_MS,
			}).catch(() => false);
			// The answer's own notification reaches n8n too and must start nothing: wait so a second answer shows.
			await graph.settled();
			await sleep(1500);
			const statuses = graph.deliveries
				.slice(deliveries)
				.filter((d) => d.url === url)
				.map((d) => d.status);
			const [answer, ...extra] = answers();
			return {
				ok:
					Boolean(arrived) &&
					extra.length === 0 &&
					teamsText(answer).includes(String(balance)) &&
					statuses.length > 0 &&
					statuses.every((s) => s === 202),
				lines: [
					`${person.name} (live balance ${balance}) writes "${text}" in a 1:1 chat: n8n answered Graph's notifications ${statuses.join(', ') || '(none)'} (the answer's own included)`,
					...newMessages(world, since),
				],
			};
		},
	};
}

function chatRequest(
	source: ChatSource,
	person: World['people'][number],
	text: string,
	world: World,
): SignedRequest {
	if (source === 'slackCommand')
		return slashCommand(SLACK_SIGNING_SECRET, {
			userId: person.slack.id,
			text,
			responseUrl: world.responseUrl.url,
		});
	if (source === 'slackEvents') {
		return slackEvent(SLACK_SIGNING_SECRET, {
			type: 'message',
			channel_type: 'im',
			channel: 'D0SANDBOX1',
			user: person.slack.id,
			text,
		});
	}
	return teamsMention(TEAMS_OUTGOING_TOKEN, { aadObjectId: person.teams.id, text });
}

/** Scheduled templates run now, as the editor's "Execute workflow" does (signed in as the owner). */
export function runNowActions(
	templates: Template[],
	world: World,
	n8n: N8nInstance,
	session: Session,
): Action[] {
	return templates.flatMap(({ file, workflow, trigger }) => {
		if (trigger.kind !== 'manual' || !trigger.runNow) return [];
		const headers = {
			cookie: session.cookie,
			'browser-id': session.browserId,
			'content-type': 'application/json',
		};
		const rest = `${n8n.baseUrl}/rest/workflows/${workflow.id}`;
		const run = async (): Promise<Outcome> => {
			const since = snapshot(world);
			const stored = (await (await fetch(rest, { headers })).json()) as { data: unknown };
			const body = JSON.stringify({
				workflowData: stored.data,
				triggerToStartFrom: { name: trigger.runNow },
			});
			const response = await fetch(`${rest}/run`, { method: 'POST', headers, body });
			const arrived = await waitFor(() => newMessages(world, since).length > 0, {
				what: file,
				timeoutMs: WAIT_MS,
			}).catch(() => false);
			return {
				ok: response.status === 200 && Boolean(arrived),
				lines: [`${workflow.name}: n8n answered ${response.status}`, ...newMessages(world, since)],
			};
		};
		return [{ label: `run now: ${workflow.name} [${file}]`, run }];
	});
}

export interface Session {
	cookie: string;
	browserId: string;
}

// ---- what Slack and Teams received ----

interface Snapshot {
	bot: number;
	slack: number;
	teams: number;
	responseUrl: number;
}

function snapshot(world: World): Snapshot {
	return {
		bot: world.bot.activities.length,
		slack: world.slack.messages.length,
		teams: world.graph.messages.length,
		responseUrl: world.responseUrl.posts.length,
	};
}

/** One line per message that arrived since the snapshot. */
function newMessages(world: World, since: Snapshot): string[] {
	const slackName = (channel: string) =>
		(world.slack.dmChannelFor(world.admin.slack.id) === channel ? 'the admin' : undefined) ??
		world.people.find((p) => world.slack.dmChannelFor(p.slack.id) === channel)?.name ??
		(channel === 'C0PERKS01' ? '#perks' : channel);
	return [
		...world.slack.messages
			.slice(since.slack)
			.map((m) => `  Slack, ${slackName(m.channel)}: ${oneLine(m.text ?? '(blocks only)')}`),
		...world.responseUrl.posts
			.slice(since.responseUrl)
			.map((p) => `  Slack, privately (${String(p.response_type)}): ${oneLine(String(p.text))}`),
		...world.graph.messages
			.slice(since.teams)
			.map((m) => `  Teams, ${teamsPlace(world, m)}: ${oneLine(teamsText(m))}`),
	];
}

function teamsPlace(world: World, message: TeamsMessage): string {
	const [kind, id] = message.target.split(/:(.*)/s);
	if (kind === 'channel') {
		const channel = world.team.channels.find((c) => id.endsWith(`/${c.id}`));
		return `${world.team.displayName} › ${channel?.displayName ?? id}`;
	}
	const person = world.people.find((p) => id.includes(p.teams.id));
	if (message.from?.startsWith('app:')) return `the Perks app's chat with ${person?.name ?? id}`;
	return `chat with ${person?.name ?? (id.includes(world.admin.teams.id) ? 'the admin' : id)}`;
}

/** The HTML body's text, or the Adaptive Card's text blocks when the body only points at it. */
function teamsText(message: TeamsMessage): string {
	const texts: string[] = [];
	const collect = (value: unknown): void => {
		if (Array.isArray(value)) value.forEach(collect);
		else if (value && typeof value === 'object') {
			const record = value as Record<string, unknown>;
			if (typeof record.text === 'string') texts.push(record.text);
			Object.values(record).forEach(collect);
		}
	};
	for (const attachment of message.attachments ?? [])
		collect(parse(String(attachment.content ?? '')));
	const html = message.body.content
		.replace(/<attachment[^>]*><\/attachment>/g, '')
		.replace(/<[^>]+>/g, ' ');
	return [html.trim(), ...texts].filter(Boolean).join(' | ');
}

function parse(text: string): Record<string, unknown> | undefined {
	try {
		return JSON.parse(text) as Record<string, unknown>;
	} catch {
		return undefined;
	}
}

/** Whitespace folded; the invisible tag the sending nodes hide in each message (to find it again) left out. */
function oneLine(text: string): string {
	return text
		.replace(/[\u200b-\u200d\u2060\ufeff]/g, '')
		.replace(/\s+/g, ' ')
		.trim();
}
