/**
 * "Show my balance" is opt-in: Send DM's default message offers it only when "Show My Balance
 * Button" is on; Slack then needs the signing secret to bind it, and refuses without one.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { ChatPlatformError } from '../../../nodes/shared/chat/errors';
import { bindRecipient } from '../../../nodes/shared/chat/recipientBinding';
import { renderSlack } from '../../../nodes/shared/chat/slack/render';
import { SlackPlatform } from '../../../nodes/shared/chat/slack/SlackPlatform';
import { toBotActivity } from '../../../nodes/shared/chat/teams/bot/activity';
import { withShowBalanceCard } from '../../../nodes/shared/chat/teams/bot/cardAction';
import { PLATFORMS } from '../../../nodes/shared/chat/platforms';
import { readMessage } from '../../../nodes/shared/node/messageProperties';
import { items } from './fixtures';

const OFFERING = ['wallet.funded', 'wallet.low_balance'] as const;

/** The parameters a saved Send DM node has; an absent one falls back like n8n's getNodeParameter. */
function context(item: IDataObject, parameters: IDataObject): IExecuteFunctions {
	return {
		getNodeParameter: (name: string, _index: number, fallback?: unknown) =>
			name in parameters ? parameters[name] : fallback,
		getInputData: () => [{ json: item }],
	} as unknown as IExecuteFunctions;
}

const read = (type: (typeof OFFERING)[number], parameters: IDataObject) =>
	readMessage(
		context(items[type] as IDataObject, { messageSource: 'default', ...parameters }),
		0,
		'personal',
		PLATFORMS[0],
	);

const slackButtons = (blocks: unknown[]) =>
	JSON.stringify(blocks).split('"action_id":"perks.showBalance"').length - 1;

describe.each(OFFERING)('%s default DM', (type) => {
	it.each([{}, { showBalanceButton: false }])(
		'offers no button without the option (%o): none in Slack blocks or a Teams bot card',
		(parameters) => {
			const message = read(type, parameters);
			expect(message.doc?.showBalance).toBeUndefined();
			expect(slackButtons(renderSlack(message.doc!, 'any-bound-value').blocks)).toBe(0);
			const activity = withShowBalanceCard(toBotActivity(message), message, 'secret', 'aad-ana');
			expect(JSON.stringify(activity)).not.toContain('perks.showBalance');
		},
	);

	it('with the option, the button is bound to the recipient on Slack and the Teams bot', () => {
		const message = read(type, { showBalanceButton: true });
		expect(message.doc?.showBalance).toEqual({ label: 'Show my balance' });
		const forAna = bindRecipient('secret', 'U_ANA');
		expect(JSON.stringify(renderSlack(message.doc!, forAna).blocks)).toContain(
			`"value":"${forAna}"`,
		);
		const activity = withShowBalanceCard(toBotActivity(message), message, 'secret', 'aad-ana');
		const data = JSON.stringify(activity.attachments);
		expect(data).toContain(JSON.stringify(bindRecipient('secret', 'aad-ana')));
	});
});

describe('Slack without the signing secret', () => {
	const slack = (signingSecret?: string) =>
		new SlackPlatform({
			fetch: () => Promise.reject(new Error('no call')),
			throttleKey: 'btn',
			signingSecret,
		});

	it.each([undefined, '', '   '])(
		'refuses a DM asking for the button (secret %p) with signing_secret_required',
		(secret) => {
			const message = read('wallet.funded', { showBalanceButton: true });
			let error: unknown;
			try {
				slack(secret).validateMessage(message);
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(ChatPlatformError);
			expect((error as ChatPlatformError).code).toBe('signing_secret_required');
			expect((error as ChatPlatformError).fix).toContain('"Signing Secret"');
			expect((error as ChatPlatformError).fix).toContain('"Show My Balance Button"');
		},
	);

	it('sends the same DM without the option, and with it once the secret is set', () => {
		expect(() => slack().validateMessage(read('wallet.funded', {}))).not.toThrow();
		const asked = read('wallet.funded', { showBalanceButton: true });
		expect(() => slack('0123abcd').validateMessage(asked)).not.toThrow();
	});
});
