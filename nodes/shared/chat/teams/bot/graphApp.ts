/**
 * Microsoft Graph with the bot's own app token (client credentials, application permissions),
 * as a GraphTransport for the Graph client the service-account adapter uses. A 401 fetches a new
 * token and tries once more.
 */
import type { GraphTransport } from '../graphClient';
import type { BotHttp } from './http';
import { GRAPH_APP_SCOPE, type BotTokens } from './tokens';

export function appGraphTransport(http: BotHttp, tokens: BotTokens): GraphTransport {
	return async ({ method, url, headers, body }) => {
		for (let attempt = 0; ; attempt++) {
			const token = await tokens.get(GRAPH_APP_SCOPE);
			const answer = await http({
				method,
				url,
				headers: { ...headers, Authorization: `Bearer ${token}` },
				...(body === undefined ? {} : { body }),
			});
			if (answer.status !== 401 || attempt > 0) return answer;
			tokens.invalidate(GRAPH_APP_SCOPE, token);
		}
	};
}
