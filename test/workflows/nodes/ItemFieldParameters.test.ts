/**
 * A parameter that only names a field of the item (`{{ $json.employeeEmail }}`, as every DM
 * template has it) is read by our nodes, not evaluated by n8n: n8n builds an expression isolate for
 * each run that evaluates one. Here in n8n-core's own execution: the value is the one n8n's
 * evaluation gives, for every kind of field, and n8n is asked to evaluate nothing. (That the Teams
 * credential holds no expression is a unit test; that a real n8n then builds no isolate, an e2e test.)
 */
import type { IDataObject } from 'n8n-workflow';

import { GraphEmulator } from '../../../emulators/graphApi';
import { SlackEmulator } from '../../../emulators/slackApi';
import { watchExpressions } from '../expressionWatch';
import { runNode, walletFundedItem } from '../../../harness/inProcess/runNode';
import { TYPE } from '../../../harness/inProcess/workflows';

const slack = new SlackEmulator();
const graph = new GraphEmulator();

beforeAll(async () => {
	await Promise.all([slack.start(), graph.start()]);
	slack.addUser({ id: 'U0ADA', name: 'ada', email: 'ada@example.com' });
	graph.addUser({
		displayName: 'Ada',
		userPrincipalName: 'ada@example.com',
		mail: 'ada@example.com',
	});
});
afterAll(async () => {
	await Promise.all([slack.stop(), graph.stop()]);
});

/** The expressions n8n was asked to evaluate while `run` ran. */
async function evaluatedDuring(run: () => Promise<unknown>): Promise<string[]> {
	const evaluated = watchExpressions();
	try {
		await run();
		return evaluated();
	} finally {
		jest.restoreAllMocks();
	}
}

/** Map User by Email's outcome for one item: its output, or its error's message and description. */
async function mapped(email: string, json: IDataObject) {
	const result = await runNode(
		TYPE.mapUser,
		{ platform: 'slack', operation: 'mapEmail', email } as never,
		[json],
		{ slack },
	);
	const error = result.error('Subject') as (Error & { description?: string }) | undefined;
	return error
		? { error: error.message, description: error.description }
		: result.output('Subject');
}

describe('a parameter that names one field of the item', () => {
	const fields: Array<[string, IDataObject]> = [
		['an email', { employeeEmail: 'ada@example.com' }],
		['spaces and capitals', { employeeEmail: '  ADA@Example.com ' }],
		['an empty string', { employeeEmail: '' }],
		['no such field', { other: 'ada@example.com' }],
		['null', { employeeEmail: null }],
		['a number', { employeeEmail: 42 }],
		['true', { employeeEmail: true }],
		['an object', { employeeEmail: { address: 'ada@example.com' } }],
		['a list', { employeeEmail: ['ada@example.com'] }],
		['a field named like a prototype member', { constructor: 'ada@example.com' }],
	];

	it.each(fields)('gives what n8n gives for %s', async (_kind, json) => {
		const asN8n = await mapped('={{ ($json.employeeEmail) }}', json);
		expect(await mapped('={{ $json.employeeEmail }}', json)).toEqual(asN8n);
		expect(await mapped('={{$json["employeeEmail"]}}', json)).toEqual(asN8n);
		expect(await mapped("={{ $json['employeeEmail'] }}", json)).toEqual(asN8n);
	});

	it('is not handed to n8n when the field holds a string or number; anything else is', async () => {
		const plain = await evaluatedDuring(() =>
			mapped('={{ $json.employeeEmail }}', { employeeEmail: 'ada@example.com' }),
		);
		expect(plain).toEqual([]);
		const computed = await evaluatedDuring(() =>
			mapped('={{ $json.employeeEmail.trim() }}', { employeeEmail: 'ada@example.com' }),
		);
		expect(computed).toContain('={{ $json.employeeEmail.trim() }}');
		const missing = await evaluatedDuring(() => mapped('={{ $json.employeeEmail }}', {}));
		expect(missing).toContain('={{ $json.employeeEmail }}');
	});

	it('a Teams DM as the template sends it asks n8n to evaluate nothing', async () => {
		let output: IDataObject[] = [];
		const evaluated = await evaluatedDuring(async () => {
			const result = await runNode(
				TYPE.sendDm,
				{
					platform: 'teams',
					recipientBy: 'email',
					email: '={{ $json.employeeEmail }}',
					messageSource: 'default',
				} as never,
				[walletFundedItem({ employeeEmail: 'ada@example.com' })],
				{ graph },
			);
			output = result.output('Subject');
		});
		expect(output).toEqual([expect.objectContaining({ sent: true })]);
		expect(evaluated).toEqual([]);
	});
});
