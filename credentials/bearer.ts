import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	IHttpRequestOptions,
} from 'n8n-workflow';

/**
 * `Authorization: Bearer <field>`, set in code instead of n8n's generic `=Bearer {{$credentials.…}}`:
 * n8n evaluates that expression in an expression isolate on every request, so a run that makes one
 * call would need an isolate for it alone.
 */
export function bearerAuth(field: string): IAuthenticate {
	return async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => ({
		...requestOptions,
		headers: {
			...requestOptions.headers,
			Authorization: `Bearer ${String(credentials[field] ?? '')}`,
		},
	});
}
