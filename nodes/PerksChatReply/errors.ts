/** An item that did not come from a Perks Chat Trigger. */
export class ChatQuestionError extends Error {
	readonly code = 'not_a_chat_question';
	readonly fix =
		'Connect Perks Chat Reply directly after a Perks Chat Trigger (or pass its item through unchanged).';

	constructor(message: string) {
		super(message);
		this.name = 'ChatQuestionError';
	}
}

/** A Teams question given to a node set to Slack, or the other way round: the asker id means nothing there. */
export class PlatformMismatchError extends Error {
	readonly code = 'platform_mismatch';
	readonly fix: string;

	constructor(asked: string, configured: string) {
		super(`The question came from ${asked}, but Perks Chat Reply's Platform is ${configured}`);
		this.name = 'PlatformMismatchError';
		this.fix = `Set Perks Chat Reply's Platform to ${asked === 'teams' ? 'Microsoft Teams' : 'Slack'} and pick that platform's credential.`;
	}
}

/** A slash command's response_url that is not Slack's: the answer (a balance) would go elsewhere. */
export class ResponseUrlError extends Error {
	readonly code = 'response_url_not_slack';
	readonly fix =
		'Connect Perks Chat Reply directly after a Perks Chat Trigger set to "Slack Slash Command" and leave the item\'s responseUrl as Slack sent it (https://hooks.slack.com/…). For GovSlack or a test server, set the Slack credential\'s API URL to that host.';

	constructor(where: string) {
		super(
			`The question's responseUrl (${where}) is not a Slack address, so nothing was sent there`,
		);
		this.name = 'ResponseUrlError';
	}
}
