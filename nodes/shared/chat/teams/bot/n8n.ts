/** The Teams bot adapter for a node: the credential's fields, n8n's HTTP, one throttle per credential. */
import { credentialThrottleKey, type ChatContext } from '../../PlatformEntry';
import { botEndpoints, type TeamsBotCredential } from './endpoints';
import { n8nBotHttp } from './http';
import { TeamsBotPlatform } from './TeamsBotPlatform';

export const TEAMS_BOT_CREDENTIAL_TYPE = 'perksTeamsBotApi';

export async function createTeamsBotPlatform(
	context: ChatContext,
	type = TEAMS_BOT_CREDENTIAL_TYPE,
): Promise<TeamsBotPlatform> {
	const credential = await context.getCredentials<TeamsBotCredential & Record<string, string>>(
		type,
	);
	return new TeamsBotPlatform({
		appId: credential.appId ?? '',
		tenantId: credential.tenantId ?? '',
		clientSecret: credential.clientSecret ?? '',
		endpoints: botEndpoints(credential),
		http: n8nBotHttp(context),
		throttleKey: credentialThrottleKey(context, type),
	});
}
