/** Runs one of our nodes inside the in-process n8n, fed with the given input items. */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeParameters,
} from 'n8n-workflow';

import { instantiate, loadPackage, runFromTrigger, type RunResult } from './n8nRuntime';
import type { GraphEmulator } from '../../emulators/graphApi';
import type { PerksEmulator } from '../../emulators/perksApi';
import type { SlackEmulator } from '../../emulators/slackApi';
import { chain, node, TYPE } from './workflows';

export interface Services {
	slack?: SlackEmulator;
	perks?: PerksEmulator;
	graph?: GraphEmulator;
}

const teamsCredentials = new WeakMap<GraphEmulator, ICredentialDataDecryptedObject>();

/**
 * The Teams credential as n8n holds it after "Connect": the token URL its expression resolves
 * to, and a signed-in token pair. One object per emulator, so a refreshed token n8n saves is
 * what the next run uses.
 */
export function teamsCredentialFor(graph: GraphEmulator): ICredentialDataDecryptedObject {
	let credential = teamsCredentials.get(graph);
	if (!credential) {
		const { accessToken, refreshToken } = graph.issueTokens();
		credential = {
			clientId: graph.clientId,
			clientSecret: graph.clientSecret,
			grantType: 'authorizationCode',
			authentication: 'body',
			accessTokenUrl: `${graph.loginBaseUrl}/common/oauth2/v2.0/token`,
			scope: 'offline_access User.Read',
			graphApiBaseUrl: graph.graphBaseUrl,
			oauthTokenData: {
				token_type: 'Bearer',
				access_token: accessToken,
				refresh_token: refreshToken,
			},
		};
		teamsCredentials.set(graph, credential);
	}
	return credential;
}

export function credentialsFor({ slack, perks, graph }: Services) {
	return {
		...(slack
			? {
					perksSlackApi: {
						accessToken: slack.token,
						apiUrl: slack.apiUrl,
						signingSecret: 'slack-signing-secret',
					},
				}
			: {}),
		...(perks ? { perksApi: { baseUrl: perks.baseUrl, apiKey: perks.apiKey } } : {}),
		...(graph ? { perksMicrosoftTeamsOAuth2Api: teamsCredentialFor(graph) } : {}),
	};
}

export const credentialRefs = {
	perksSlackApi: { id: 'cred-slack', name: 'Perks Slack Bot API' },
	perksApi: { id: 'cred-perks', name: 'Perks API' },
	perksMicrosoftTeamsOAuth2Api: { id: 'cred-teams', name: 'Perks Microsoft Teams OAuth2 API' },
};

let workflowCount = 0;

/** A fresh workflow each call (so the deduplication ledger starts empty) unless `workflowId` is reused. */
export async function runNode(
	type: string,
	parameters: INodeParameters,
	inputs: IDataObject[],
	services: Services,
	extra: Partial<INode> & {
		workflowId?: string;
		/** Credential data laid over the services' (a credential missing a field). */
		credentialData?: Record<string, ICredentialDataDecryptedObject>;
	} = {},
): Promise<RunResult> {
	const pkg = await loadPackage();
	const { workflowId, credentialData, ...nodeExtra } = extra;
	// Items enter through a Perks Trigger, as in a published workflow, so the subject has a predecessor.
	const trigger = node('Perks Trigger', TYPE.trigger, {}, { webhookId: 'hook-run-node' });
	const subject = node('Subject', type, parameters, {
		credentials: credentialRefs,
		id: 'subject',
		...nodeExtra,
	});
	const workflow = instantiate(
		pkg,
		chain(workflowId ?? `wf-run-${++workflowCount}`, trigger, subject),
	);
	return await runFromTrigger(
		pkg,
		workflow,
		'Perks Trigger',
		inputs.map((json) => ({ json })),
		{ credentials: { ...credentialsFor(services), ...credentialData } },
	);
}

/** The item a Perks Trigger emits for wallet.funded, as flat fields. */
export function walletFundedItem(overrides: IDataObject = {}): IDataObject {
	return {
		eventId: `evt_${Math.random().toString(16).slice(2)}`,
		eventType: 'wallet.funded',
		eventCreatedAt: '2026-11-01T08:00:00Z',
		employeeId: 'emp_1',
		employeeEmail: 'ada@example.com',
		employeeName: 'Ada Lovelace',
		employeeLocale: 'en',
		amount: 100,
		balance: 220,
		currency: 'points',
		period: '2026-11',
		...overrides,
	};
}
