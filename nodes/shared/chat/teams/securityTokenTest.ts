/** The Teams outgoing webhook credential's "Test": the token's format, the only thing checkable offline. */
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import {
	describeSecurityTokenProblem,
	SECURITY_TOKEN_FIX,
	securityTokenProblem,
} from './outgoingWebhookSignature';

export async function teamsSecurityToken(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const token = credential.data?.securityToken;
	// Trimmed as the trigger reads it.
	const problem = securityTokenProblem(typeof token === 'string' ? token.trim() : '');
	if (problem)
		return {
			status: 'Error',
			message: `${describeSecurityTokenProblem(problem)}. ${SECURITY_TOKEN_FIX}`,
		};
	return {
		status: 'OK',
		message:
			'The token has the right format (Teams can only check the signature itself, on its first request)',
	};
}
