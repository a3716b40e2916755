/** The shape of every failure we raise on purpose: a stable code and the fix for it. */
export interface ExplainedError extends Error {
	code: string;
	fix: string;
	httpStatus?: number;
}

export function isExplainedError(error: unknown): error is ExplainedError {
	return (
		error instanceof Error &&
		typeof (error as Partial<ExplainedError>).code === 'string' &&
		typeof (error as Partial<ExplainedError>).fix === 'string'
	);
}
