/** Reading what n8n's HTTP helpers throw: the HTTP answer inside, or the network failure's code. */

export interface HttpAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** Raw text, or the JSON already parsed (as n8n's helpers return it). */
	body: unknown;
}

/** The HTTP answer inside n8n's error (the error itself, or the cause NodeApiError wraps). */
export function httpAnswerOf(error: unknown): HttpAnswer | undefined {
	for (
		let e = error as { response?: unknown; cause?: unknown } | undefined, depth = 0;
		e && depth < 4;
		depth++
	) {
		const response = e.response as
			| { status?: unknown; headers?: unknown; data?: unknown }
			| undefined;
		if (response && typeof response.status === 'number') {
			return {
				status: response.status,
				headers: { ...(response.headers as HttpAnswer['headers']) },
				body: bodyText(response.data),
			};
		}
		e = e.cause as typeof e;
	}
	return undefined;
}

/** The system code (ECONNREFUSED, ETIMEDOUT, …) of a request that got no answer, if n8n's error keeps one. */
export function networkCodeOf(error: unknown): string | undefined {
	for (
		let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
		e && depth < 4;
		depth++
	) {
		if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
		e = e.cause as typeof e;
	}
	return undefined;
}

export function bodyText(body: unknown): unknown {
	return Buffer.isBuffer(body) ? body.toString('utf8') : body;
}
