/**
 * The answer to a "Show my balance" click, through the click's response_url. The DM's recipient
 * gets the message replaced (`replace_original`) by their balance with the button kept, so it
 * can be clicked again; when Slack refuses the replacement (the message is gone) the answer comes
 * privately (ephemeral), as it does for anyone else's click, whose original stays unchanged.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { ChatPlatformError } from '../errors';
import type { AnswerRoute, InPlaceAnswer } from '../QuestionSource';
import { bindRecipient } from '../recipientBinding';
import { SHOW_BALANCE_ACTION_ID } from './buttonClick';
import { slackCredentialType } from './credentials';
import { SLACK_SOURCE } from './fixes';
import { buttonBlock, slackLiteral } from './render';
import { slackResponseUrl } from './responseUrl';

type Post = (body: Record<string, unknown>) => Promise<unknown>;

/** The replaced message: the answer as plain (literal) text, then the same button. */
export function replacedMessage(text: string, label: string, buttonValue: string) {
	return {
		replace_original: true,
		text: slackLiteral(text),
		blocks: [
			{ type: 'section', text: { type: 'plain_text', text, emoji: false } },
			buttonBlock(label, SHOW_BALANCE_ACTION_ID, { value: buttonValue }),
		],
	};
}

async function signingSecretOf(context: IExecuteFunctions): Promise<string> {
	const authentication = context.getNodeParameter('authentication', 0, 'accessToken') as string;
	const { signingSecret } = await context.getCredentials<{ signingSecret?: string }>(
		slackCredentialType(authentication),
	);
	const secret = typeof signingSecret === 'string' ? signingSecret.trim() : '';
	if (!secret)
		throw new ChatPlatformError(SLACK_SOURCE, {
			code: 'signing_secret_required',
			message: 'The "Show my balance" button needs the Slack credential\'s Signing Secret',
		});
	return secret;
}

async function answerClick(
	post: Post,
	text: string,
	inPlace: InPlaceAnswer | undefined,
	replacement: (inPlace: InPlaceAnswer) => Record<string, unknown>,
): Promise<void> {
	if (inPlace) {
		try {
			await post(replacement(inPlace));
			return;
		} catch {
			// The message cannot be replaced (deleted, or its response_url used up): answer privately.
		}
	}
	await post({ response_type: 'ephemeral', replace_original: false, text: slackLiteral(text) });
}

export const clickAnswer: AnswerRoute = {
	check: (item) =>
		typeof item.responseUrl === 'string' ? undefined : 'A Slack click item needs "responseUrl"',
	async prepare(context, _platform, question) {
		const url = await slackResponseUrl(context, question.responseUrl as string);
		const secret = question.button?.for ? await signingSecretOf(context) : '';
		const post: Post = async (body) =>
			await context.helpers.httpRequest({
				method: 'POST',
				url,
				body,
				json: true,
				// A redirect could lead off Slack's hosts.
				disableFollowRedirect: true,
			});
		return async (text, inPlace) => {
			await answerClick(post, text, secret ? inPlace : undefined, (how) =>
				replacedMessage(text, how.buttonLabel, bindRecipient(secret, question.askerId)),
			);
			return undefined;
		};
	},
};
