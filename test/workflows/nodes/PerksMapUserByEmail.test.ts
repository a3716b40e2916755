import { ExecuteContext } from 'n8n-core';

import { PerksEmulator } from '../../../emulators/perksApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import { runNode } from '../../../harness/inProcess/runNode';
import { TYPE } from '../../../harness/inProcess/workflows';

const slack = new SlackEmulator();
const perks = new PerksEmulator();

beforeAll(async () => {
	await Promise.all([slack.start(), perks.start()]);
});
afterAll(async () => {
	await Promise.all([slack.stop(), perks.stop()]);
});
beforeEach(() => slack.clearRecords());

describe('Map User by Email: one email', () => {
	beforeAll(() => {
		slack.addUser({ id: 'U0LIN', name: 'lin', realName: 'Lin Chen', email: 'lin@example.com' });
		slack.addUser({ id: 'U0LINALT', name: 'lin.alt', email: 'lin.alias@example.com' });
		slack.addUser({ id: 'U0GONE', name: 'gone', email: 'former@example.com', deleted: true });
		slack.addUser({ id: 'B0BOT', name: 'bot', email: 'robot@example.com', isBot: true });
	});

	const map = (email: string, extra: Record<string, unknown> = {}) =>
		runNode(
			TYPE.mapUser,
			{ platform: 'slack', operation: 'mapEmail', email, ...extra } as never,
			[{ keep: 'me' }],
			{ slack },
		);

	it('finds the Slack user, keeping the input fields', async () => {
		const result = await map(' LIN@example.com');
		expect(result.output('Subject')).toEqual([
			{
				keep: 'me',
				email: 'LIN@example.com',
				platform: 'slack',
				chatUserId: 'U0LIN',
				chatUserName: 'lin',
				chatUserRealName: 'Lin Chen',
				chatUserActive: true,
				matchedBy: 'email',
			},
		]);
	});

	it('a manual mapping wins over the lookup', async () => {
		const result = await map('lin@example.com', {
			manualMappings: {
				mapping: [{ perksEmail: 'lin@example.com', chatUser: 'lin.alias@example.com' }],
			},
		});
		expect(result.output('Subject')[0]).toMatchObject({
			chatUserId: 'U0LINALT',
			matchedBy: 'manual_mapping',
		});
	});

	it('never matches a deactivated or bot account, and says why', async () => {
		expect((await map('former@example.com')).error('Subject')?.message).toMatch(/deactivated/);
		expect((await map('robot@example.com')).error('Subject')?.message).toMatch(/bot or app/);
	});

	it('an unknown email: the emails differ, check the mapping', async () => {
		const error = (await map('nobody@example.com')).error('Subject') as Error & {
			description?: string;
		};
		expect(error.description).toMatch(/Manual Mappings/);
	});
});

describe('Map User by Email: unusual but valid emails', () => {
	beforeAll(() => {
		slack.addUser({ id: 'U0JOSE', name: 'jose', email: 'josé.núñez@bücher.example' });
		slack.addUser({ id: 'U0YONG', name: 'yong', email: '用户@例子.广告' });
	});

	const map = (email: string, extra: Record<string, unknown> = {}) =>
		runNode(
			TYPE.mapUser,
			{ platform: 'slack', operation: 'mapEmail', email, ...extra } as never,
			[{}],
			{ slack },
		);

	it('matches Unicode local parts and IDN domains, trimmed and case-insensitively', async () => {
		expect((await map('  JOSÉ.Núñez@Bücher.example\n')).output('Subject')[0]).toMatchObject({
			chatUserId: 'U0JOSE',
		});
		expect((await map('用户@例子.广告')).output('Subject')[0]).toMatchObject({
			chatUserId: 'U0YONG',
		});
	});

	it('a manual mapping keyed in punycode applies to the Unicode email', async () => {
		const result = await map('ada@bücher.example', {
			manualMappings: {
				mapping: [{ perksEmail: 'Ada@xn--bcher-kva.example', chatUser: 'U0JOSE' }],
			},
		});
		expect(result.output('Subject')[0]).toMatchObject({
			chatUserId: 'U0JOSE',
			matchedBy: 'manual_mapping',
		});
	});

	it('refuses an email over 254 characters before any call, without repeating it', async () => {
		const email = `${'a'.repeat(10_000)}@example.com`;
		const error = (await map(email)).error('Subject') as Error & {
			description?: string;
			context?: { code?: string };
		};
		expect(error.message).toMatch(/10,012 characters|10012 characters/);
		expect(error.message).toMatch(/at most 254/);
		expect(error.message.length).toBeLessThan(200);
		expect(error.description!.length).toBeLessThan(200);
		expect(error.context?.code).toBe('invalid_email');
		expect(slack.callCount('users.lookupByEmail')).toBe(0);
	});

	it('an unknown long email is echoed at most once, and cut to 80 characters', async () => {
		const email = `${'b'.repeat(230)}@example.com`;
		const error = (await map(email)).error('Subject') as Error & { description?: string };
		const shown = `${'b'.repeat(79)}…`;
		expect(error.message).toContain(shown);
		expect(error.message).not.toContain('b'.repeat(80));
		expect(error.description ?? '').not.toContain('b'.repeat(80));
	});
});

describe('Map User by Email: Manual Mappings from an expression', () => {
	beforeAll(() => slack.addUser({ id: 'U0TABLE', name: 'table', email: 'from.table@example.com' }));

	// 200 rows written as expressions that do not depend on the item (as a generated workflow has them).
	const table = {
		mapping: Array.from({ length: 200 }, (_, i) => ({
			perksEmail: `={{ 'p${i}' }}@example.com`,
			chatUser: i === 7 ? '={{ "U0" + "TABLE" }}' : `={{ 'x${i}' }}@example.com`,
		})),
	};
	const inputs = Array.from({ length: 60 }, () => ({ email: 'p7@example.com' }));

	function countMappingReads(): { reads: () => number; restore: () => void } {
		const prototype = ExecuteContext.prototype as unknown as {
			_getNodeParameter: (name: string, ...rest: unknown[]) => unknown;
		};
		const spy = jest.spyOn(prototype, '_getNodeParameter');
		return {
			reads: () => spy.mock.calls.filter(([name]) => name === 'manualMappings').length,
			restore: () => spy.mockRestore(),
		};
	}

	it('evaluates an item-independent expression once per run, for every item', async () => {
		const counter = countMappingReads();
		try {
			const result = await runNode(
				TYPE.mapUser,
				{
					platform: 'slack',
					operation: 'mapEmail',
					email: '={{ $json.email }}',
					manualMappings: table,
				} as never,
				inputs,
				{ slack },
			);
			expect(result.error('Subject')).toBeUndefined();
			const output = result.output('Subject');
			expect(output).toHaveLength(inputs.length);
			for (const item of output)
				expect(item).toMatchObject({ chatUserId: 'U0TABLE', matchedBy: 'manual_mapping' });
			expect(counter.reads()).toBe(1);
		} finally {
			counter.restore();
		}
	});

	it('still reads per item a mapping that refers to the item', async () => {
		const counter = countMappingReads();
		try {
			const perItem = [
				{ email: 'one@example.com', alias: 'lin@example.com' },
				{ email: 'two@example.com', alias: 'lin.alias@example.com' },
			];
			const result = await runNode(
				TYPE.mapUser,
				{
					platform: 'slack',
					operation: 'mapEmail',
					email: '={{ $json.email }}',
					manualMappings: {
						mapping: [{ perksEmail: '={{ $json.email }}', chatUser: '={{ $json.alias }}' }],
					},
				} as never,
				perItem,
				{ slack },
			);
			expect(result.output('Subject').map((item) => item.chatUserId)).toEqual([
				'U0LIN',
				'U0LINALT',
			]);
			expect(counter.reads()).toBe(2);
		} finally {
			counter.restore();
		}
	});
});

describe('Map User by Email: sync users', () => {
	it('joins thousands of employees in bulk calls and reports every unmatched reason', async () => {
		const bulk = slack.addUsers(3000, { emailDomain: 'bulk.example.com' });
		const employees = perks.seedEmployees(3000, (i) => ({ email: bulk[i].email!.toUpperCase() }));
		// One of each unmatched reason, and one alias fixed by a manual mapping.
		perks.addEmployee({ email: 'not-in-slack@example.com' });
		slack.addUser({ name: 'left', email: 'left@example.com', deleted: true });
		perks.addEmployee({ email: 'left@example.com' });
		slack.addUser({ name: 'onlybot', email: 'bot-only@example.com', isBot: true });
		perks.addEmployee({ email: 'bot-only@example.com' });
		slack.addUser({ name: 'twin', email: 'twin@example.com' });
		perks.addEmployee({ email: 'twin@example.com' });
		perks.addEmployee({ email: 'TWIN@Example.com' });
		perks.addEmployee({ email: 'inactive@example.com', active: false });
		slack.addUser({ id: 'U0ALIAS', name: 'alias', email: 'someone.else@example.com' });
		perks.addEmployee({ email: 'aliased@example.com' });

		const result = await runNode(
			TYPE.mapUser,
			{
				platform: 'slack',
				operation: 'syncUsers',
				manualMappings: { mapping: [{ perksEmail: 'aliased@example.com', chatUser: 'U0ALIAS' }] },
			} as never,
			[{}],
			{ slack, perks },
		);
		expect(result.error('Subject')).toBeUndefined();
		const items = result.output('Subject');
		const rows = items.filter((i) => i.kind === 'employee');
		const summary = items[items.length - 1];

		expect(rows).toHaveLength(perks.employees.length);
		const reasonOf = (email: string) => rows.find((r) => r.employeeEmail === email)?.reason;
		expect(reasonOf('not-in-slack@example.com')).toBe('not_in_chat');
		expect(reasonOf('left@example.com')).toBe('deactivated_in_chat');
		expect(reasonOf('bot-only@example.com')).toBe('bot_account');
		expect(rows.filter((r) => r.reason === 'duplicate_email').map((r) => r.employeeEmail)).toEqual([
			'twin@example.com',
			'TWIN@Example.com',
		]);
		expect(reasonOf('inactive@example.com')).toBe('inactive_in_perks');
		expect(rows.find((r) => r.employeeEmail === 'aliased@example.com')).toMatchObject({
			matched: true,
			matchedBy: 'manual_mapping',
			chatUserId: 'U0ALIAS',
		});
		const firstBulk = rows.find((r) => r.employeeId === employees[0].id);
		expect(firstBulk).toMatchObject({ matched: true, chatUserId: bulk[0].id, matchedBy: 'email' });

		expect(summary).toMatchObject({
			kind: 'summary',
			employees: perks.employees.length,
			byReason: {
				not_in_chat: 1,
				deactivated_in_chat: 1,
				bot_account: 1,
				duplicate_email: 2,
				inactive_in_perks: 1,
			},
		});
		expect(summary.matched).toBe(rows.filter((r) => r.matched).length);

		// Bulk, not per user: ceil(users / 1000) users.list calls and no per-user lookups.
		// 4 + 3000 + 4 Slack accounts in all.
		expect(slack.callCount('users.list')).toBe(Math.ceil(3008 / 1000));
		expect(slack.callCount('users.lookupByEmail')).toBe(0);
		expect(slack.callCount('users.info')).toBe(0);
		expect(slack.calls.length).toBeLessThanOrEqual(10);
	});
});

describe('Map User by Email: pagination cannot hang', () => {
	it('Sync Users stops with pagination_loop when Slack repeats a users.list cursor', async () => {
		const looping = new SlackEmulator();
		await looping.start();
		try {
			looping.addUsers(3);
			looping.repeatCursor('users.list');
			const result = await runNode(
				TYPE.mapUser,
				{ platform: 'slack', operation: 'syncUsers' } as never,
				[{}],
				{
					slack: looping,
					perks,
				},
			);
			const error = result.error('Subject') as Error & { context?: { code?: string } };
			expect(error.context?.code).toBe('pagination_loop');
			expect(error.message).toMatch(/users\.list repeated a page cursor/);
			expect(looping.callCount('users.list')).toBeLessThanOrEqual(3);
		} finally {
			await looping.stop();
		}
	});
});
