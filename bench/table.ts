/** The one table `npm run bench` prints: figure, same-run baseline, ratio, target, verdict. */
export interface Row {
	benchmark: string;
	figure: string;
	baseline: string;
	ratio: string;
	target: string;
	/** "met", "missed (why)", "skipped (why)" or "n/a". */
	verdict: string;
}

export function ratio(ours: number, baseline: number, digits = 2): string {
	return baseline > 0 ? `${(ours / baseline).toFixed(digits)}×` : 'n/a';
}

/** A Markdown table, so the same text goes into docs/benchmarks.md. */
export function render(rows: Row[]): string {
	const head: Row = {
		benchmark: 'benchmark',
		figure: 'figure',
		baseline: 'baseline (same run)',
		ratio: 'ratio',
		target: 'target',
		verdict: 'verdict',
	};
	const keys = Object.keys(head) as Array<keyof Row>;
	const line = (row: Row) => `| ${keys.map((k) => row[k].replace(/\|/g, '/')).join(' | ')} |`;
	return [line(head), `| ${keys.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}
