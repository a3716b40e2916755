import { multiOptionSubtitle, optionSubtitle } from '../../../nodes/shared/node/subtitle';

/** Evaluates a subtitle expression as n8n does for the canvas: `$parameter` in scope, JavaScript inside `{{ }}`. */
function render(subtitle: string, parameters: Record<string, unknown>): unknown {
	const body = /^=\{\{(.*)\}\}$/s.exec(subtitle)?.[1];
	if (body === undefined) throw new Error(`Not an expression: ${subtitle}`);
	// eslint-disable-next-line @typescript-eslint/no-implied-eval
	return new Function('$parameter', `return (${body});`)(parameters);
}

const OPTIONS = [
	{ name: 'Wallet Funded', value: 'wallet.funded' },
	{ name: 'New Perk Added', value: 'catalog.perk_added' },
];

describe('subtitles built from option lists', () => {
	it('one choice: the option name the panel shows', () => {
		expect(render(optionSubtitle('event', OPTIONS), { event: 'catalog.perk_added' })).toBe(
			'New Perk Added',
		);
	});

	it('several choices: their names, comma-separated; an unknown value shows as itself', () => {
		const subtitle = multiOptionSubtitle('events', OPTIONS);
		expect(render(subtitle, { events: ['wallet.funded', 'catalog.perk_added'] })).toBe(
			'Wallet Funded, New Perk Added',
		);
		expect(render(subtitle, { events: ['wallet.funded', 'x.y'] })).toBe('Wallet Funded, x.y');
		expect(render(subtitle, {})).toBe('');
	});
});

it("Perks Trigger's output schema is the same for versions 1 and 2 (the editor asks for each)", () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	expect(require('../../../nodes/PerksTrigger/__schema__/v2.0.0.json')).toEqual(
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		require('../../../nodes/PerksTrigger/__schema__/v1.0.0.json'),
	);
});
