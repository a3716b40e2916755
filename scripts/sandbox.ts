/**
 * The main job on a developer's machine: a real n8n 2.x with this package installed as a
 * community package, both Slack templates imported and published, and loopback emulators of
 * the perks platform and Slack seeded with a few people. Press Enter to send the next perks
 * event and see what Slack received; Ctrl+C stops everything.
 *
 * Run it with `bash scripts/sandbox.sh` (it installs and builds what it needs first).
 * `--once` sends one of each event, prints the Slack messages and exits (a smoke test).
 */
import { createInterface } from 'node:readline';

import { PerksEmulator, perkAddedEvent, perkRedeemedEvent, walletFundedEvent, lowBalanceEvent } from '../test/emulators/perksApi';
import { SlackEmulator } from '../test/emulators/slackApi';
import { N8nInstance, waitFor } from '../test/e2e/n8nInstance';
import { loadTemplate, setUpOwner, templateCredentials } from '../test/e2e/templateSetup';

const OWNER = { email: 'admin@perks.local', firstName: 'Sandbox', lastName: 'Admin', password: 'Sandbox-Perks-1' };

async function main(): Promise<void> {
	const once = process.argv.includes('--once');
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	await Promise.all([perks.start(), slack.start()]);
	slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	const people = [
		{ name: 'Ada Lovelace', email: 'ada@perks.local', locale: 'en' },
		{ name: 'Marta Rossi', email: 'marta@perks.local', locale: 'it' },
		{ name: 'Inês Costa', email: 'ines@perks.local', locale: 'pt' },
		{ name: 'Lucía García', email: 'lucia@perks.local', locale: 'es' },
	].map((person) => {
		slack.addUser({ name: person.email.split('@')[0], realName: person.name, email: person.email });
		return perks.addEmployee(person, { balance: 120 });
	});

	console.log('Starting n8n with n8n-nodes-perks and the Slack templates (about 30 s)…');
	const n8n = await N8nInstance.launch({
		name: 'sandbox',
		credentials: templateCredentials(perks, slack),
		workflows: [loadTemplate('wallet-funded-to-slack-dm.json', 'sandboxWalletDm01'), loadTemplate('new-perk-to-slack-channel.json', 'sandboxPerkChan01')],
		env: { N8N_LOG_LEVEL: 'info' },
	});
	const stop = async () => {
		await n8n.dispose();
		await Promise.all([perks.stop(), slack.stop()]);
	};
	process.once('SIGINT', () => void stop().then(() => process.exit(0)));

	try {
		await waitFor(() => perks.webhooks.length >= 2, { what: 'both templates to register with the perks emulator', timeoutMs: 60_000, instance: n8n });
		await setUpOwner(n8n, OWNER, 'perks-sandbox');
		console.log(`\nn8n editor: ${n8n.baseUrl}  (sign in as ${OWNER.email} / ${OWNER.password})`);
		console.log(`perks API emulator: ${perks.baseUrl} (API key ${perks.apiKey}); Slack emulator: ${slack.apiUrl}`);
		console.log(`n8n log: ${n8n.logFile}\n`);

		const [ada, marta, ines, lucia] = people;
		const perk = perks.addPerk({ name: 'Cooking class', description: 'Fresh pasta with a chef', cost: 60, category: 'food' });
		const events = [
			walletFundedEvent(marta, { amount: 100, balance: 220, period: '2026-11' }),
			perkAddedEvent(perk),
			walletFundedEvent(ines, { amount: 100, balance: 220, period: '2026-11' }),
			walletFundedEvent(lucia, { amount: 1250, balance: 1370, period: '2026-11' }),
			walletFundedEvent(ada, { amount: 100, balance: 220, period: '2026-11' }),
			perkRedeemedEvent(ada, perk, { balance: 160 }),
			lowBalanceEvent(marta, { balance: 15, threshold: 20 }),
		];

		const send = async (index: number) => {
			const event = events[index % events.length];
			const before = slack.messages.length;
			const results = await perks.deliver(event);
			console.log(`→ ${event.type} ${event.id}: ${results.map((r) => r.status).join(', ') || 'no workflow listens to it'}`);
			await new Promise((resolve) => setTimeout(resolve, 1500));
			for (const message of slack.messages.slice(before)) console.log(`  Slack ${message.channel}: ${message.text}`);
		};

		if (once) {
			for (let i = 0; i < events.length; i++) await send(i);
			return await stop();
		}
		console.log('Press Enter to send the next perks event (Ctrl+C to stop).');
		let next = 0;
		for await (const _line of createInterface({ input: process.stdin })) await send(next++);
	} catch (error) {
		await stop();
		throw error;
	}
}

void main().catch((error) => {
	console.error(error);
	process.exit(1);
});
