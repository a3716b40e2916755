/**
 * The Teams OAuth2 credential as the nodes read it. Credentials saved before it had Authorization
 * and Access Token URL fields keep a Tenant and a Login Base URL instead, which nothing derives
 * the URLs from any more: n8n would refresh at `/common`, which a single-tenant app registration
 * refuses. While both URLs are still at their defaults and the old fields said otherwise, the
 * credential is refused here, before any Graph call, with the two URLs to set; once someone has
 * edited a URL, it is theirs.
 */
import {
	ENTRA_AUTH_URL,
	ENTRA_LOGIN_URL,
	ENTRA_TOKEN_URL,
} from '../../../../credentials/PerksMicrosoftTeamsOAuth2Api.credentials';
import { ChatPlatformError } from '../errors';
import { TEAMS_SOURCE } from './fixes';

export interface GraphCredential {
	graphApiBaseUrl?: string;
	authUrl?: string;
	accessTokenUrl?: string;
	/** Only in credentials saved before the URL fields. */
	tenant?: string;
	loginBaseUrl?: string;
}

const untouched = (value: string | undefined, fallback: string) =>
	value === undefined || value.trim() === '' || value.trim() === fallback;

/** The URLs an old credential's Tenant and Login Base URL stood for. */
function urlsOf(credential: GraphCredential): { authUrl: string; accessTokenUrl: string } {
	const login = (credential.loginBaseUrl?.trim() || ENTRA_LOGIN_URL).replace(/\/+$/, '');
	const base = `${login}/${credential.tenant?.trim() || 'common'}/oauth2/v2.0`;
	return { authUrl: `${base}/authorize`, accessTokenUrl: `${base}/token` };
}

/** The Graph base URL to call; throws `credential_outdated` for an old credential not yet moved to the URLs. */
export function graphBaseUrlOf(credential: GraphCredential): string | undefined {
	const wanted = urlsOf(credential);
	if (
		wanted.accessTokenUrl !== ENTRA_TOKEN_URL &&
		untouched(credential.authUrl, ENTRA_AUTH_URL) &&
		untouched(credential.accessTokenUrl, ENTRA_TOKEN_URL)
	) {
		throw new ChatPlatformError(TEAMS_SOURCE, {
			code: 'credential_outdated',
			message: `The Teams credential was saved with a Tenant and Login Base URL, which are now its Authorization URL and Access Token URL: set them to ${wanted.authUrl} and ${wanted.accessTokenUrl}`,
		});
	}
	return credential.graphApiBaseUrl;
}
