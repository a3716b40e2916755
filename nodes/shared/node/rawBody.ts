import type { IWebhookFunctions } from 'n8n-workflow';

type RawRequest = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

/**
 * The request's exact bytes, which signatures cover. For a trigger of version 2 or later n8n
 * skips an expression per request but leaves a body it does not parse (no or another content
 * type) unread, so read it here as n8n reads it for version 1.
 */
export async function rawBodyOf(context: IWebhookFunctions): Promise<Buffer | undefined> {
	const request = context.getRequestObject() as RawRequest;
	if (!request.rawBody) await request.readRawBody?.();
	return request.rawBody;
}
