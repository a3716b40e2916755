/**
 * Where a slash command's answer may be posted. The item's responseUrl is only as trustworthy as
 * the node before Perks Chat Reply: anything else there could send someone's balance to any host.
 * Slack's own (`https://hooks.slack.com/`), or the Slack credential's API host or its `hooks.`
 * host (GovSlack), on the same scheme and port (any port for a loopback test server).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { ChatPlatformError } from '../errors';
import { slackCredentialType } from './credentials';
import { SLACK_SOURCE } from './fixes';
import { normalizeApiUrl } from './SlackPlatform';

const SLACK_HOOKS = 'https://hooks.slack.com';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const refused = (where: string) =>
	new ChatPlatformError(SLACK_SOURCE, {
		code: 'response_url_not_slack',
		message: `The question's responseUrl (${where}) is not a Slack address, so nothing was sent there`,
	});

export function checkResponseUrl(responseUrl: string, apiUrl: string | undefined): string {
	const apiBase = normalizeApiUrl(apiUrl);
	if (!URL.canParse(responseUrl) || !URL.canParse(apiBase)) throw refused('not a URL');
	const url = new URL(responseUrl);
	const api = new URL(apiBase);
	const slackHooks = url.origin === SLACK_HOOKS;
	// A loopback test server answers response_urls on ports of its own.
	const sameHost = LOOPBACK.has(api.hostname)
		? url.hostname === api.hostname
		: url.host === api.host || url.host === `hooks.${api.host}`;
	const apiHost = url.protocol === api.protocol && sameHost;
	// The origin only: the path and query are the answer's capability, never printed.
	if (!(slackHooks || apiHost) || url.username || url.password)
		throw refused(url.origin === 'null' ? url.protocol : url.origin);
	return url.href;
}

/** The responseUrl checked against the node's Slack credential. */
export async function slackResponseUrl(
	context: IExecuteFunctions,
	responseUrl: string,
): Promise<string> {
	const authentication = context.getNodeParameter('authentication', 0, 'accessToken') as string;
	const { apiUrl } = await context.getCredentials<{ apiUrl?: string }>(
		slackCredentialType(authentication),
	);
	return checkResponseUrl(responseUrl, apiUrl);
}
