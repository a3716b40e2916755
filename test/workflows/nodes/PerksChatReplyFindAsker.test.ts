/**
 * Perks Chat Reply's "Find the Asker" operation in-process: the Slack user from the question →
 * their Slack email (users.info) → the perks employee, Manual Mappings first. Its askerEmail is
 * what the AI Agent template gives the Balance Lookup tool, so it must be the asker's and nobody else's.
 */
import type { IDataObject } from 'n8n-workflow';

import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import { runNode } from '../../../harness/inProcess/runNode';

const REPLY = 'n8n-nodes-perks.perksChatReply';
const perks = new PerksEmulator();
const slack = new SlackEmulator();

beforeAll(async () => {
	await Promise.all([perks.start(), slack.start()]);
});
afterAll(async () => {
	await Promise.all([perks.stop(), slack.stop()]);
});

/** The item Perks Chat Trigger emits for a DM to the bot. */
function question(askerId: string): IDataObject {
	return {
		platform: 'slack',
		source: 'slackEvents',
		askerId,
		askerName: null,
		text: 'how many points do I have?',
		intent: 'balance',
		language: 'en',
		responseUrl: null,
		channelId: 'D0ASKER001',
	};
}

async function findAsker(
	askerId: string,
	mappings: Array<{ perksEmail: string; chatUser: string }> = [],
) {
	const run = await runNode(
		REPLY,
		{ operation: 'findAsker', manualMappings: { mapping: mappings } },
		[question(askerId)],
		{ slack, perks },
	);
	return { run, out: run.output('Subject')[0] };
}

describe('Perks Chat Reply: Find the Asker', () => {
	it('maps the Slack user to the perks employee by email, keeps the question, reads no wallet and sends nothing', async () => {
		const employee = perks.addEmployee({ email: 'ana.mapped@example.com', locale: 'es' });
		const user = slack.addUser({ name: 'ana', email: 'Ana.Mapped@Example.com' });
		const sentBefore = slack.messages.length;
		const { run, out } = await findAsker(user.id);
		expect(run.error('Subject')).toBeUndefined();
		expect(out).toEqual({ ...question(user.id), askerEmail: employee.email, askerMapped: true });
		expect(slack.callCount('users.info')).toBeGreaterThan(0);
		expect(perks.requests.some((r) => r.path.includes('/wallet'))).toBe(false);
		expect(slack.messages).toHaveLength(sentBefore);
	});

	it('a Manual Mapping by Slack user ID wins over the Slack email, even one another employee has', async () => {
		const other = perks.addEmployee({ email: 'shared.inbox@example.com' });
		const real = perks.addEmployee({ email: 'real.person@example.com' });
		const user = slack.addUser({ name: 'shared', email: other.email });
		const { out } = await findAsker(user.id, [{ perksEmail: real.email, chatUser: user.id }]);
		expect(out).toMatchObject({ askerEmail: real.email, askerMapped: true });
	});

	it('a Manual Mapping by the Slack email (an alias) gives the perks email next to it', async () => {
		const employee = perks.addEmployee({ email: 'maria.rossi@example.com', locale: 'it' });
		const user = slack.addUser({ name: 'maria', email: 'm.rossi@alias.example' });
		const { out } = await findAsker(user.id, [
			{ perksEmail: employee.email, chatUser: 'M.Rossi@alias.example' },
		]);
		expect(out).toMatchObject({ askerEmail: employee.email, askerMapped: true });
	});

	it('someone the perks platform does not know: askerEmail null, askerMapped false, not an error', async () => {
		const user = slack.addUser({ name: 'stranger', email: 'stranger@elsewhere.example' });
		const { run, out } = await findAsker(user.id);
		expect(run.error('Subject')).toBeUndefined();
		expect(out).toMatchObject({ askerEmail: null, askerMapped: false });
	});

	it("a Manual Mapping to a perks email nobody has is unmapped, not the Slack email's employee", async () => {
		const employee = perks.addEmployee({ email: 'left.company@example.com' });
		const user = slack.addUser({ name: 'left', email: employee.email });
		const { out } = await findAsker(user.id, [
			{ perksEmail: 'gone@example.com', chatUser: user.id },
		]);
		expect(out).toMatchObject({ askerEmail: null, askerMapped: false });
	});

	it('an item that is not a chat question fails with not_a_chat_question and its fix', async () => {
		const run = await runNode(
			REPLY,
			{ operation: 'findAsker' },
			[{ email: 'someone@example.com' }],
			{ slack, perks },
		);
		const error = run.error('Subject') as Error & {
			context?: { code?: string };
			description?: string;
		};
		expect(error.context?.code).toBe('not_a_chat_question');
		expect(error.description).toMatch(/Perks Chat Trigger/);
	});
});
