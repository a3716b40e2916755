/** Parameter reads that fail with the field's name instead of letting an empty value through. */
import {
	NodeOperationError,
	type IExecuteFunctions,
	type IGetNodeParameterOptions,
} from 'n8n-workflow';

/** `={{ $json.name }}` or `={{ $json["name"] }}`: one field of the item, nothing computed. */
const ITEM_FIELD =
	/^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\])\s*\}\}$/;

/**
 * The parameter's value for this item. A parameter that only names a string or number field of the
 * item (the templates' `{{ $json.employeeEmail }}`) is read here: n8n would build an expression
 * isolate for the run to evaluate it, and with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE a run that
 * evaluates no expression builds none, which halves n8n's CPU per message. Anything else, a missing
 * field included, is n8n's to evaluate, so the result is always the one n8n would give.
 */
function readParameter(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback: unknown,
	options?: IGetNodeParameterOptions,
): unknown {
	if (!options) {
		const raw = context.getNodeParameter(name, itemIndex, fallback, { rawExpressions: true });
		const match = typeof raw === 'string' ? ITEM_FIELD.exec(raw) : null;
		const json = match ? context.getInputData()[itemIndex]?.json : undefined;
		const field = match?.[1] ?? match?.[2] ?? match?.[3];
		if (json && field !== undefined && Object.hasOwn(json, field)) {
			const value = json[field];
			if (typeof value === 'string' || typeof value === 'number') return value;
		}
	}
	return context.getNodeParameter(name, itemIndex, fallback, options);
}

export function requireString(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
	options?: IGetNodeParameterOptions,
): string {
	const value = readParameter(context, name, itemIndex, '', options);
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
