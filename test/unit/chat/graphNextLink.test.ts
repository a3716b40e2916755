import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import { relativeNextLink } from '../../../nodes/shared/chat/teams/graphClient';

const GRAPH = 'https://graph.microsoft.com';

describe('relativeNextLink: only links under the Graph API base URL are followed', () => {
	it.each([
		[`${GRAPH}/v1.0/users?$top=999&$skiptoken=abc`, '/users?$top=999&$skiptoken=abc'],
		[`${GRAPH}:443/v1.0/chats/19%3Aa/messages?$top=50`, '/chats/19%3Aa/messages?$top=50'],
		['HTTPS://GRAPH.microsoft.com/v1.0/users', '/users'],
	])('follows %s as %s', (link, path) => {
		expect(relativeNextLink(link, GRAPH)).toBe(path);
	});

	it('keeps a base URL with a path prefix (a test server or proxy)', () => {
		expect(
			relativeNextLink('http://127.0.0.1:9/graph/v1.0/users?x=1', 'http://127.0.0.1:9/graph/'),
		).toBe('/users?x=1');
		expect(() =>
			relativeNextLink('http://127.0.0.1:9/v1.0/users', 'http://127.0.0.1:9/graph'),
		).toThrow(ChatPlatformError);
	});

	it.each([
		'https://evil.test/v1.0/users',
		'https://graph.microsoft.com.evil.test/v1.0/users',
		'https://graph.microsoft.com@evil.test/v1.0/users',
		'https://graph.microsoft.com:8443/v1.0/users',
		'http://graph.microsoft.com/v1.0/users',
		'//evil.test/v1.0/users',
		'https://graph.microsoft.com/beta/users',
		'https://graph.microsoft.com/v1.0/../beta/users',
		'https://graph.microsoft.com/v1.0/%2e%2e/beta/users',
		'https://graph.microsoft.com/v1.0x/users',
		'http://[::1',
	])('refuses %s with foreign_next_link', (link) => {
		let error: unknown;
		try {
			relativeNextLink(link, GRAPH);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ChatPlatformError);
		expect(error).toMatchObject({ code: 'foreign_next_link', platform: 'teams' });
		expect((error as ChatPlatformError).fix).toContain('Graph API Base URL');
	});
});
