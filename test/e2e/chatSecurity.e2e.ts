/**
 * The Teams outgoing webhook template in a real n8n 2.41.1, attacked: a correctly signed
 * activity replayed after the trigger's id memory forgot it (older than 5 minutes), and a
 * trigger whose credential holds a security token that is not base64 (any key it "decodes" to,
 * even the empty one, would otherwise sign). Also the credential's "Test" button on such a token.
 */
import { randomUUID } from 'node:crypto';

import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { send, teamsMention } from '../../emulators/chatRequests';
import { N8nInstance } from '../../harness/n8n';
import {
	catalogCredentials,
	EditorSession,
	loadTemplate,
	TEAMS_OUTGOING_TOKEN,
	waitUntilServed,
	webhookIdOf,
	withOwnTeamsCredential,
} from '../../harness/n8n/templateSetup';

const perks = new PerksEmulator();
const graph = new GraphEmulator();
const TEMPLATE = loadTemplate('perks-balance-teams-outgoing-webhook.json', 'chatSecTeams0001');
const NOT_BASE64 = 'abc.def.ghi';
const BROKEN = withOwnTeamsCredential(
	TEMPLATE,
	{ workflowId: 'chatSecBadTok001', credentialId: 'notBase64TeamsToken' },
	NOT_BASE64,
);
let n8n: N8nInstance;

beforeAll(async () => {
	await Promise.all([perks.start(), graph.start()]);
	n8n = await N8nInstance.launch({
		name: 'chat-security',
		credentials: [...catalogCredentials({ perks, graph }, [TEMPLATE]), BROKEN.credential],
		workflows: [TEMPLATE, BROKEN.workflow],
	});
	await waitUntilServed(n8n, [TEMPLATE, BROKEN.workflow]);
}, 900_000);

afterAll(async () => {
	await n8n?.dispose();
	await Promise.all([perks.stop(), graph.stop()]);
});

/** A Teams user with a perks wallet. */
function asker(balance: number) {
	const email = `sec-${randomUUID().slice(0, 8)}@contoso.test`;
	const user = graph.addUser({ displayName: 'Sec Asker', userPrincipalName: email, mail: email });
	perks.addEmployee(
		{ email, name: 'Sec Asker', locale: 'en' },
		{ balance, low_balance_threshold: 0 },
	);
	return user;
}

const executionsOf = async (workflowId: string) => await n8n.executions(workflowId);

it('a correctly signed activity older than 5 minutes is refused (401 stale_request); a fresh one is answered', async () => {
	const url = n8n.webhookUrl(webhookIdOf(TEMPLATE));
	const user = asker(321);
	for (const ageMs of [6 * 60_000, 3600_000, 86_400_000]) {
		const replayed = teamsMention(TEAMS_OUTGOING_TOKEN, {
			aadObjectId: user.id,
			text: 'balance',
			timestamp: new Date(Date.now() - ageMs).toISOString(),
		});
		const result = await send(url, replayed);
		expect(result.status).toBe(401);
		expect(JSON.parse(result.text)).toMatchObject({ error: 'stale_request', reason: 'stale' });
	}
	expect(await executionsOf(TEMPLATE.id!)).toHaveLength(0);
	const fresh = await send(
		url,
		teamsMention(TEAMS_OUTGOING_TOKEN, { aadObjectId: user.id, text: 'balance' }),
	);
	expect(fresh.status).toBe(200);
	expect(JSON.parse(fresh.text)).toMatchObject({
		type: 'message',
		text: expect.stringContaining('321 points') as unknown,
	});
});

it('a trigger whose security token is not base64 refuses every request, even one signed with the empty key, and says how to fix it', async () => {
	const url = n8n.webhookUrl(webhookIdOf(BROKEN.workflow));
	const user = asker(654);
	for (const key of [NOT_BASE64, '', TEAMS_OUTGOING_TOKEN]) {
		const result = await send(url, teamsMention(key, { aadObjectId: user.id, text: 'balance' }));
		expect(result.status).toBe(500);
		expect(JSON.parse(result.text)).toMatchObject({
			error: 'invalid_security_token',
			reason: 'not_base64',
			fix: expect.stringMatching(/Paste the Security Token again/) as unknown,
		});
		expect(result.text).not.toContain(NOT_BASE64);
	}
	expect(await executionsOf(BROKEN.workflow.id!)).toHaveLength(0);
	// n8n's log names the problem and the fix, never the token.
	const log = n8n.logTail(400);
	expect(log).toMatch(/Security Token is not base64/);
	expect(log).not.toContain(NOT_BASE64);
});

it('the credential\'s "Test" button refuses a token that is not base64 and passes a real one', async () => {
	const editor = await EditorSession.ofNewOwner(
		n8n,
		{ email: 'owner@perks.local', firstName: 'Sec', lastName: 'Owner', password: 'E2e-Sec-Pass-1' },
		'chat-security-browser',
	);
	const refused = await editor.testCredential(BROKEN.credential);
	expect(refused.status).toBe('Error');
	expect(refused.message).toMatch(/not base64.*Paste the Security Token again/);
	const passed = await editor.testCredential({
		...BROKEN.credential,
		data: { securityToken: TEAMS_OUTGOING_TOKEN },
	});
	expect(passed.status).toBe('OK');
});
