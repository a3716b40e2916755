/**
 * A node subtitle built from the same option list the parameter shows, so the canvas and the
 * panel always use one name for one choice.
 */
export function optionSubtitle(
	parameter: string,
	options: ReadonlyArray<{ name: string; value: string }>,
): string {
	const names = JSON.stringify(Object.fromEntries(options.map((o) => [o.value, o.name])));
	return `={{ (${names})[$parameter["${parameter}"]] }}`;
}

/** The same for a multi-choice parameter: the chosen names, comma-separated. */
export function multiOptionSubtitle(
	parameter: string,
	options: ReadonlyArray<{ name: string; value: string }>,
): string {
	const names = JSON.stringify(Object.fromEntries(options.map((o) => [o.value, o.name])));
	// Parenthesised: after `=>` a bare `{` would open a block, not an object.
	return `={{ ($parameter["${parameter}"] || []).map((v) => (${names})[v] || v).join(", ") }}`;
}
