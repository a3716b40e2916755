/**
 * The item loop every action node shares: one call per input item, results paired to their
 * item, and "Continue On Fail" honoured (the failed item carries the error and its fix; the
 * other items still run). Operations only say what to do with one item.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import { toNodeError } from './toNodeError';

export type ItemOperation = (
	this: IExecuteFunctions,
	itemIndex: number,
) => Promise<IDataObject | IDataObject[]>;

export async function runPerItem(
	context: IExecuteFunctions,
	operation: ItemOperation,
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const results: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const output = await operation.call(context, itemIndex);
			for (const json of Array.isArray(output) ? output : [output]) {
				results.push({ json, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			const nodeError = toNodeError(context.getNode(), error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			results.push(failedItem(nodeError, itemIndex));
		}
	}
	return results;
}

/** For operations that run once per execution (e.g. a directory sync), with the same error handling. */
export async function runOnce(
	context: IExecuteFunctions,
	operation: (this: IExecuteFunctions) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	try {
		return (await operation.call(context)).map((json) => ({ json, pairedItem: { item: 0 } }));
	} catch (error) {
		const nodeError = toNodeError(context.getNode(), error);
		if (!context.continueOnFail()) throw nodeError;
		return [failedItem(nodeError, 0)];
	}
}

/**
 * Only `error` and `details` keys: n8n then routes the item to the error output ("On Error:
 * Continue (using error output)") with the input item's fields merged in.
 */
function failedItem(
	nodeError: NodeApiError | NodeOperationError,
	itemIndex: number,
): INodeExecutionData {
	const details: IDataObject = {
		code: nodeError.context.code ?? null,
		fix: nodeError.description ?? null,
	};
	if (nodeError.context.delivery) details.delivery = nodeError.context.delivery as IDataObject;
	return { json: { error: nodeError.message, details }, pairedItem: { item: itemIndex } };
}
