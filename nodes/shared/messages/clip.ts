/** User input echoed in an error stays short: an email of 10,000 characters is not repeated. */
export function clip(text: string, max = 80): string {
	const characters = Array.from(text);
	return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}
