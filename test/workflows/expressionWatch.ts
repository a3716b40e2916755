/** Which expressions n8n-core is asked to evaluate (`={{ … }}` strings), from now until mocks are restored. */
import { WorkflowExpression } from 'n8n-workflow';

export function watchExpressions(): () => string[] {
	const spy = jest.spyOn(WorkflowExpression.prototype, 'resolveSimpleParameterValue');
	return () =>
		spy.mock.calls
			.map(([value]) => value)
			.filter((value): value is string => typeof value === 'string' && value.startsWith('='));
}
