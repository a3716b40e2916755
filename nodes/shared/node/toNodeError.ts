/** Turns our typed failures into n8n errors whose description tells the user the fix. */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { isExplainedError } from '../explainedError';
import { PerksApiError } from '../perks/errors';

export { isExplainedError, type ExplainedError } from '../explainedError';

export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (isExplainedError(error)) {
		const details = { code: error.code, message: error.message } as JsonObject;
		const httpCode = error.httpStatus ? String(error.httpStatus) : undefined;
		const options = { message: error.message, description: error.fix, itemIndex, httpCode };
		const nodeError =
			error instanceof PerksApiError || error.httpStatus !== undefined
				? new NodeApiError(node, details, options)
				: new NodeOperationError(node, error.message, { description: error.fix, itemIndex });
		// The stable code travels with the error, for "Continue On Fail" items and error workflows.
		nodeError.context.code = error.code;
		// Which event and person a failed send was for, and whether the platform will try again.
		const delivery = (error as { delivery?: unknown }).delivery;
		if (delivery) nodeError.context.delivery = delivery;
		return nodeError;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), {
		itemIndex,
	});
}
