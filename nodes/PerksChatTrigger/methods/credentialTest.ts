/** The offline credential tests the question sources declare. */
import type { ICredentialTestFunction } from 'n8n-workflow';

import { questionSources } from '../../shared/chat/platforms';

export function credentialTest(): Record<string, ICredentialTestFunction> {
	const tests: Record<string, ICredentialTestFunction> = {};
	for (const { source } of questionSources())
		if (source.credentialTest) tests[source.credentialTest.name] = source.credentialTest.test;
	return tests;
}
