/**
 * The recipient directory against the Slack adapter and emulator: what a funding run costs, and
 * how it stays right when people join, change email or leave between loads.
 */
import type { FetchFunction } from '@slack/web-api';

import { SlackPlatform } from '../../../nodes/shared/chat/slack/SlackPlatform';
import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import {
	MISS_RELOAD_MS,
	REFRESH_MS,
	UserDirectory,
	directoryOf,
	sendToRecipient,
} from '../../../nodes/shared/mapping/userDirectory';
import { SlackEmulator } from '../../../emulators/slackApi';

const slack = new SlackEmulator();
let clock = 0;
let keys = 0;

beforeAll(async () => {
	await slack.start();
	slack.addUsers(2500, { namePrefix: 'staff' });
});
afterAll(async () => {
	await slack.stop();
});
beforeEach(() => {
	slack.clearRecords();
	clock = 1_000_000;
});

function platform(): SlackPlatform {
	const signed: FetchFunction = async (url, init) => {
		const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
		headers.set('authorization', `Bearer ${slack.token}`);
		return await fetch(url, { ...(init as RequestInit), headers });
	};
	// A credential of its own per test: the process-wide directory starts empty.
	return new SlackPlatform({ fetch: signed, apiUrl: slack.apiUrl, throttleKey: `dir-${++keys}` });
}

const directory = () => new UserDirectory({ now: () => clock });
const methods = () => slack.calls.map((c) => c.method);
const threePages = ['users.list', 'users.list', 'users.list'];

describe('recipient directory', () => {
	it('concurrent first callers share one load; every later DM costs no lookup', async () => {
		const dir = directory();
		const chat = platform();
		const found = await Promise.all(
			Array.from({ length: 40 }, async (_, n) => await dir.find(`staff${n + 1}@example.com`, chat)),
		);
		expect(found.map((u) => u?.name)).toEqual(
			Array.from({ length: 40 }, (_, n) => `staff${n + 1}`),
		);
		// 2,500 people (and a few added by later tests): three pages of 1,000, once.
		expect(methods()).toEqual(threePages);
		await dir.find('STAFF2000@Example.com ', chat);
		expect(methods()).toHaveLength(3);
	});

	it('a new hire after the load: one lookupByEmail, then remembered', async () => {
		const dir = directory();
		const chat = platform();
		await dir.find('staff1@example.com', chat);
		const hire = slack.addUser({ name: 'newhire', email: 'new.hire@example.com' });
		slack.clearRecords();
		clock += MISS_RELOAD_MS / 2; // too soon after the load to list everyone again
		expect((await dir.find('new.hire@example.com', chat))?.id).toBe(hire.id);
		expect((await dir.find('New.Hire@example.com', chat))?.id).toBe(hire.id);
		expect(methods()).toEqual(['users.lookupByEmail']);
	});

	it('misses a minute after the load reload the listing once, for all concurrent callers', async () => {
		const dir = directory();
		const chat = platform();
		await dir.find('staff1@example.com', chat);
		const hires = Array.from({ length: 5 }, (_, n) =>
			slack.addUser({ name: `hire${n}`, email: `hire${n}@example.com` }),
		);
		slack.clearRecords();
		clock += MISS_RELOAD_MS;
		const found = await Promise.all(hires.map(async (h) => await dir.find(h.email!, chat)));
		expect(found.map((u) => u?.id)).toEqual(hires.map((h) => h.id));
		expect(methods()).toEqual(threePages);
	});

	it('reloads every 15 minutes, and never more often than once a minute for unknown addresses', async () => {
		const dir = directory();
		const chat = platform();
		await dir.find('staff1@example.com', chat);
		clock += MISS_RELOAD_MS + 1;
		expect(await dir.find('nobody@example.com', chat)).toBeUndefined();
		slack.clearRecords();
		clock += 1000;
		expect(await dir.find('nobody@example.com', chat)).toBeUndefined();
		expect(methods()).toEqual(['users.lookupByEmail']);
		slack.clearRecords();
		clock += REFRESH_MS;
		await dir.find('staff1@example.com', chat);
		expect(methods()).toEqual(threePages);
	});

	it('an email changed since the load: the new address reaches the same person; the old one stops matching at the next load', async () => {
		const dir = directory();
		const chat = platform();
		const person = slack.addUser({ name: 'renamed', email: 'old.name@example.com' });
		await dir.find('old.name@example.com', chat);
		slack.changeEmail(person.id, 'new.name@example.com');
		clock += 1000;
		expect((await dir.find('new.name@example.com', chat))?.id).toBe(person.id);
		// Until the next load the old address still names the same (live) account.
		expect((await dir.find('old.name@example.com', chat))?.id).toBe(person.id);
		clock += REFRESH_MS;
		expect(await dir.find('old.name@example.com', chat)).toBeUndefined();
		expect((await dir.find('new.name@example.com', chat))?.id).toBe(person.id);
	});

	it('someone deactivated since the load: the post says so, and the cache never matches them again', async () => {
		const chat = platform();
		const leaver = slack.addUser({ name: 'leaver', email: 'leaver@example.com' });
		const dir = directoryOf(chat)!;
		expect((await dir.find('leaver@example.com', chat))?.active).toBe(true);
		leaver.deleted = true;
		slack.clearRecords();
		const failed = await sendToRecipient(chat, leaver.id, { text: 'Your wallet was funded' }).catch(
			(error: unknown) => error,
		);
		expect(failed).toBeInstanceOf(ChatPlatformError);
		expect((failed as ChatPlatformError).code).toBe('recipient_disabled');
		expect(slack.messages).toHaveLength(0);
		// Asked afresh: Slack's own answer (deactivated) decides, not the cache.
		const again = await dir.find('leaver@example.com', chat);
		expect(again).toMatchObject({ id: leaver.id, active: false });
		expect(methods()).toEqual(['chat.postMessage', 'users.lookupByEmail']);
	});

	it('deactivated accounts in the listing are never a hit: the platform lookup answers', async () => {
		const dir = directory();
		const chat = platform();
		slack.addUser({ name: 'gone', email: 'gone.before@example.com', deleted: true });
		await dir.find('staff1@example.com', chat);
		slack.clearRecords();
		expect(await dir.find('gone.before@example.com', chat)).toMatchObject({ active: false });
		expect(methods()).toEqual(['users.lookupByEmail']);
	});

	it('a workspace too big to list: single lookups, no reload on misses, the listing tried again at the refresh', async () => {
		const dir = new UserDirectory({ now: () => clock, maxUsers: 1000 });
		const chat = platform();
		expect((await dir.find('staff3@example.com', chat))?.name).toBe('staff3');
		// Given up after the page that went past 1,000 people.
		expect(methods()).toEqual(['users.list', 'users.list', 'users.lookupByEmail']);
		slack.clearRecords();
		clock += MISS_RELOAD_MS * 2;
		await dir.find('staff4@example.com', chat);
		expect(methods()).toEqual(['users.lookupByEmail']);
		slack.clearRecords();
		clock += REFRESH_MS;
		await dir.find('staff5@example.com', chat);
		expect(methods()).toEqual(['users.list', 'users.list', 'users.lookupByEmail']);
	});

	it('a listing that fails never fails a DM: single lookups carry on, the listing is tried again a minute later', async () => {
		const dir = directory();
		const chat = platform();
		slack.failNext('users.list', 1, { error: 'missing_scope' });
		expect((await dir.find('staff7@example.com', chat))?.name).toBe('staff7');
		expect(methods()).toEqual(['users.list', 'users.lookupByEmail']);
		slack.clearRecords();
		clock += 1000;
		await dir.find('staff8@example.com', chat);
		expect(methods()).toEqual(['users.lookupByEmail']);
		clock += MISS_RELOAD_MS;
		slack.clearRecords();
		await dir.find('staff9@example.com', chat);
		expect(methods()).toEqual(threePages);
	});
});
