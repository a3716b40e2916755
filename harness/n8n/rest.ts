/** HTTP calls to a running n8n: production webhooks of published workflows. */

export interface WebhookResponse {
	status: number;
	headers: Headers;
	text: string;
	/** Parsed JSON body, or undefined when it is not JSON. */
	json: unknown;
}

/** POSTs to a webhook URL as a platform would. */
export async function postWebhook(
	url: string,
	body: string | Buffer | object,
	options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<WebhookResponse> {
	const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...options.headers },
		body: raw,
		signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}
