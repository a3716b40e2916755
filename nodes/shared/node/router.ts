/**
 * The execute() of every action node: open what the run needs once (a chat platform, the perks
 * client), pick the operation, and run it in the shared item loop. Operation modules
 * (actions/<name>.operation.ts) only say what to do with one item.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';

import { runOnce, runPerItem } from './runPerItem';

/** An operation run once per input item, with what the node opened for the run. */
export interface ItemOperation<Opened> {
	description: INodeProperties[];
	execute(
		this: IExecuteFunctions,
		itemIndex: number,
		opened: Opened,
	): Promise<IDataObject | IDataObject[]>;
}

/** An operation run once per execution, whatever the number of input items (a directory sync). */
export interface RunOnceOperation<Opened> {
	description: INodeProperties[];
	executeOnce(this: IExecuteFunctions, opened: Opened): Promise<IDataObject[]>;
}

export type NodeOperation<Opened> = ItemOperation<Opened> | RunOnceOperation<Opened>;

/** Keyed by the "Operation" parameter's values; a node with one operation has no such parameter. */
export type Operations<Opened> = Record<string, NodeOperation<Opened>>;

/** The "Operation" parameter that pick() below reads, offering `options`. */
export function operationProperty(
	options: INodePropertyOptions[],
	defaultValue: string,
): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options,
		default: defaultValue,
	};
}

export async function route<Opened>(
	context: IExecuteFunctions,
	open: (context: IExecuteFunctions) => Promise<Opened>,
	operations: Operations<Opened>,
): Promise<INodeExecutionData[][]> {
	const operation = pick(context, operations);
	const opened = await open(context);
	if ('executeOnce' in operation) {
		return [
			await runOnce(context, async function () {
				return await operation.executeOnce.call(this, opened);
			}),
		];
	}
	return [
		await runPerItem(context, async function (itemIndex) {
			return await operation.execute.call(this, itemIndex, opened);
		}),
	];
}

function pick<Opened>(
	context: IExecuteFunctions,
	operations: Operations<Opened>,
): NodeOperation<Opened> {
	const names = Object.keys(operations);
	if (names.length === 1) return operations[names[0]];
	const name = context.getNodeParameter('operation', 0) as string;
	const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
	if (!operation)
		throw new NodeOperationError(context.getNode(), `The operation "${name}" is not supported`);
	return operation;
}
