/** A small seeded generator (mulberry32), so a failure replays. */
export function random(seed: number) {
	let state = seed;
	const next = (): number => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (max: number): number => Math.floor(next() * max);
	const pick = <T>(values: readonly T[]): T => values[int(values.length)];
	return { next, int, pick };
}
