/** Binds the Perks API client to n8n: the credential's base URL and n8n's authenticated request helper. */
import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { PerksClient, type PerksClientOptions } from './client';

export const PERKS_CREDENTIAL = 'perksApi';

export interface PerksCredential {
	baseUrl: string;
	apiKey: string;
	webhookSecret?: string;
}

type PerksContext = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions;

export async function perksClientFor(
	context: PerksContext,
	options?: PerksClientOptions,
): Promise<PerksClient> {
	const credential = await context.getCredentials<PerksCredential>(PERKS_CREDENTIAL);
	const baseUrl = normalizeBaseUrl(credential.baseUrl);
	return new PerksClient(async (request) => {
		const response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			PERKS_CREDENTIAL,
			{
				method: request.method as IHttpRequestMethods,
				url: `${baseUrl}${request.path}`,
				qs: request.qs,
				body: request.body as IDataObject | undefined,
				json: true,
				headers: { Accept: 'application/json' },
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// n8n would send the API key on to wherever a redirect points.
				disableFollowRedirect: true,
			},
		)) as IN8nHttpFullResponse;
		return {
			statusCode: response.statusCode,
			headers: response.headers as Record<string, string | string[] | undefined>,
			body: response.body,
		};
	}, options);
}

/** "https://perks.example.com/api/" and "…/api" name the same API. */
export function normalizeBaseUrl(url: string): string {
	return String(url ?? '')
		.trim()
		.replace(/\/+$/, '');
}
