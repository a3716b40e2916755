/** Parameter reads that fail with the field's name instead of letting an empty value through. */
import {
	NodeOperationError,
	type IExecuteFunctions,
	type IGetNodeParameterOptions,
} from 'n8n-workflow';

export function requireString(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
	options?: IGetNodeParameterOptions,
): string {
	const value = context.getNodeParameter(name, itemIndex, '', options);
	const text =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (!text) {
		throw new NodeOperationError(context.getNode(), `"${label}" is empty`, {
			itemIndex,
			description: `Set "${label}", or check that the expression in it resolves for this item.`,
		});
	}
	return text;
}
