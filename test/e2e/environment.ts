/**
 * Jest environment for the e2e tier: node's, plus
 * - when a test or hook fails, the tail of every n8n log the file opened is printed;
 * - at teardown, any n8n process group a test left running is killed.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';

import { E2E_GLOBAL_KEYS, killLeftovers, tailOf } from '../../harness/n8n';

const TAIL_LINES = Number(process.env.N8N_E2E_TAIL_LINES ?? 60);

export default class N8nE2eEnvironment extends NodeEnvironment {
	constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
		super(config, context);
	}

	async handleTestEvent(event: Circus.Event): Promise<void> {
		if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
			const where =
				event.name === 'test_fn_failure' ? `test "${event.test.name}"` : `${event.hook.type} hook`;
			for (const file of this.registered(E2E_GLOBAL_KEYS.logFiles) as Iterable<string>) {
				process.stderr.write(
					`\n----- ${where} failed; last ${TAIL_LINES} lines of ${file} -----\n${tailOf(file, TAIL_LINES)}\n-----\n`,
				);
			}
		}
	}

	async teardown(): Promise<void> {
		killLeftovers(this.registered(E2E_GLOBAL_KEYS.livePids) as Iterable<number>);
		await super.teardown();
	}

	private registered(key: string): Iterable<unknown> {
		return ((this.global as Record<string, unknown>)[key] as Set<unknown> | undefined) ?? [];
	}
}
