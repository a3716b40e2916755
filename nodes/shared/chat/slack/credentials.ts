/** Credential type names for the two "Authentication" choices. */
export const SLACK_BOT_TYPE = 'perksSlackApi';
export const SLACK_CONNECTED_APP_TYPE = 'perksSlackOAuth2Api';

export const slackCredentialType = (authentication: string) =>
	authentication === 'oAuth2' ? SLACK_CONNECTED_APP_TYPE : SLACK_BOT_TYPE;
