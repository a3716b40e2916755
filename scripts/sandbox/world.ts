/**
 * The sandbox's loopback world: the perks platform, Slack (with a response_url for slash
 * commands) and Microsoft Graph (a Teams service account, a team with its channels) emulated,
 * seeded with four employees, one per language, who exist in all three; and, for the AI Agent
 * template, an OpenAI-compatible model that is scripted (it calls the balance tool, then answers
 * with the number the tool returned), not OpenAI.
 */
import { BotConnectorEmulator } from '../../emulators/botConnector';
import { GraphEmulator, type EmulatedGraphUser, type EmulatedTeam } from '../../emulators/graphApi';
import { ResponseUrlRecorder } from '../../emulators/chatRequests';
import { OpenAiEmulator } from '../../emulators/openAi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator, type EmulatedUser } from '../../emulators/slackApi';
import type { Employee } from '../../nodes/shared/perks/contract';

export interface Person {
	name: string;
	employee: Employee;
	slack: EmulatedUser;
	teams: EmulatedGraphUser;
}

export interface World {
	perks: PerksEmulator;
	slack: SlackEmulator;
	graph: GraphEmulator;
	/** The Perks Teams app's bot (Bot Connector, Entra tokens); the app is added to `team`, installed for nobody yet. */
	bot: BotConnectorEmulator;
	openAi: OpenAiEmulator;
	responseUrl: ResponseUrlRecorder;
	team: EmulatedTeam;
	people: Person[];
	/** The admin the report templates write to (their "admin@example.com"). */
	admin: { slack: EmulatedUser; teams: EmulatedGraphUser };
	stop(): Promise<void>;
}

const PEOPLE = [
	{ name: 'Ada Lovelace', email: 'ada@perks.local', locale: 'en' },
	{ name: 'Marta Rossi', email: 'marta@perks.local', locale: 'it' },
	{ name: 'Inês Costa', email: 'ines@perks.local', locale: 'pt' },
	{ name: 'Lucía García', email: 'lucia@perks.local', locale: 'es' },
];

export async function startWorld(): Promise<World> {
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	const graph = new GraphEmulator({
		serviceAccount: { displayName: 'Perks Bot', userPrincipalName: 'perks-bot@perks.local' },
	});
	const bot = new BotConnectorEmulator({ graph });
	const responseUrl = new ResponseUrlRecorder();
	const openAi = new OpenAiEmulator();
	await Promise.all([
		perks.start(),
		slack.start(),
		graph.start(),
		responseUrl.start(),
		openAi.start(),
		bot.start(),
	]);
	slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	const team = graph.addTeam({
		displayName: 'Perks Company',
		channels: ['General', 'Celebrations'],
	});
	graph.installAppInTeam(team.id, bot.catalogApp!.id);
	const people = PEOPLE.map((person) => {
		const handle = person.email.split('@')[0];
		return {
			name: person.name,
			employee: perks.addEmployee(person, { balance: 120 }),
			slack: slack.addUser({ name: handle, realName: person.name, email: person.email }),
			teams: graph.addUser({
				displayName: person.name,
				userPrincipalName: person.email,
				mail: person.email,
			}),
		};
	});
	const admin = {
		slack: slack.addUser({ name: 'admin', realName: 'Perks Admin', email: 'admin@example.com' }),
		teams: graph.addUser({
			displayName: 'Perks Admin',
			userPrincipalName: 'admin@example.com',
			mail: 'admin@example.com',
		}),
	};
	// In perks only: the user sync reports have someone to report as unmatched.
	perks.addEmployee({ name: 'Noor Haddad', email: 'noor@perks.local', locale: 'en' });
	return {
		perks,
		slack,
		graph,
		bot,
		openAi,
		responseUrl,
		team,
		people,
		admin,
		stop: async () => {
			await Promise.all([
				perks.stop(),
				slack.stop(),
				graph.stop(),
				responseUrl.stop(),
				openAi.stop(),
				bot.stop(),
			]);
		},
	};
}
