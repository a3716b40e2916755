/**
 * Perks API failures with a stable `code` (the contract's, or ours for transport failures) and
 * the fix a user should apply. Messages never carry the API key or a webhook secret.
 */
export type PerksErrorCode =
	| 'unauthorized'
	| 'forbidden'
	| 'employee_not_found'
	| 'webhook_not_found'
	| 'validation_failed'
	| 'rate_limited'
	| 'internal'
	| 'unreachable'
	| 'redirect_refused'
	| 'invalid_response';

/** What to do about each code: kept as data so every node explains failures the same way. */
export const PERKS_ERROR_FIXES: Record<PerksErrorCode, string> = {
	unauthorized:
		'The perks platform rejected the API key. Check the "API Key" of the Perks API credential, or create a new key in the perks admin console.',
	forbidden:
		'The API key is valid but not allowed to do this. Ask a perks admin for a key with access to employees, wallets and webhooks.',
	employee_not_found:
		'No perks employee has this email or id. Check for typos or an alias (the perks email can differ from the chat email); Map User by Email has a "Manual Mappings" table for aliases.',
	webhook_not_found:
		'The webhook is already gone on the perks platform. Deactivate and re-activate the workflow to register it again.',
	validation_failed:
		'The perks platform refused the request as invalid: see the message for the field.',
	rate_limited:
		'The perks platform is rate limiting this API key. Wait a little and retry, or lower how often the workflow runs.',
	internal:
		'The perks platform had an internal error. Retry later; if it persists, contact the perks platform.',
	unreachable:
		'Could not reach the perks platform. Check the "Base URL" of the Perks API credential (for example https://perks.example.com/api) and the network.',
	redirect_refused:
		'The perks API answered with a redirect, which is not followed: the API key would go along to wherever it points. Set the "Base URL" of the Perks API credential to the address the API really answers at (for example https:// instead of http://, or without a trailing path the server rewrites).',
	invalid_response:
		'The perks platform answered with something this node does not understand. Check that the "Base URL" points at the perks API (it usually ends in /api).',
};

const KNOWN_CODES = new Set(Object.keys(PERKS_ERROR_FIXES));

export class PerksApiError extends Error {
	readonly code: PerksErrorCode;
	readonly fix: string;

	constructor(
		code: string,
		message: string,
		readonly httpStatus?: number,
		readonly retryAfterSeconds?: number,
	) {
		const known = (KNOWN_CODES.has(code) ? code : codeForStatus(httpStatus)) as PerksErrorCode;
		super(message);
		this.name = 'PerksApiError';
		this.code = known;
		this.fix = PERKS_ERROR_FIXES[known];
	}
}

function codeForStatus(status: number | undefined): PerksErrorCode {
	if (status === 401) return 'unauthorized';
	if (status === 403) return 'forbidden';
	if (status === 404) return 'employee_not_found';
	if (status === 422) return 'validation_failed';
	if (status === 429) return 'rate_limited';
	if (status !== undefined && status >= 500) return 'internal';
	if (status !== undefined && status >= 300 && status < 400) return 'redirect_refused';
	return 'invalid_response';
}
