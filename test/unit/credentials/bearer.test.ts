import type { IAuthenticate, IHttpRequestOptions } from 'n8n-workflow';

import { PerksApi } from '../../../credentials/PerksApi.credentials';
import { PerksSlackApi } from '../../../credentials/PerksSlackApi.credentials';

/**
 * The API-key credentials sign requests in code: n8n's generic `=Bearer {{$credentials.…}}` is an
 * expression, evaluated in an isolate on every request (test/e2e/expressionIsolates.e2e.ts counts them).
 */
describe.each([
	['Perks API', new PerksApi(), 'apiKey'],
	['Perks Slack Bot API', new PerksSlackApi(), 'accessToken'],
])('%s', (_name, credential, field) => {
	const sign = credential.authenticate as Extract<IAuthenticate, (...args: never[]) => unknown>;

	it('adds the bearer header, keeps the other headers, and leaves the request it was given alone', async () => {
		const request: IHttpRequestOptions = {
			url: 'https://example.test/x',
			headers: { 'Content-Type': 'application/json', Authorization: 'Basic old' },
		};
		const signed = await sign({ [field]: 'tok-123' }, request);
		expect(signed.headers).toEqual({
			'Content-Type': 'application/json',
			Authorization: 'Bearer tok-123',
		});
		expect(signed.url).toBe(request.url);
		expect(request.headers?.Authorization).toBe('Basic old');
	});

	it('holds no expression n8n would evaluate on a node run', () => {
		expect(typeof credential.authenticate).toBe('function');
		const expressions = credential.properties.filter((p) => String(p.default).startsWith('='));
		expect(expressions).toEqual([]);
	});
});
