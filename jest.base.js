/**
 * What every jest tier shares. A tier is a folder of test/: its config names the folder, and
 * every `*.test.ts` (or the tier's suffix) in it belongs to it.
 * @param {string} folder under test/
 * @param {import('jest').Config} extra
 * @returns {import('jest').Config}
 */
module.exports = (folder, extra = {}) => ({
	displayName: folder,
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: [`<rootDir>/test/${folder}`],
	testMatch: [`<rootDir>/test/${folder}/**/*.test.ts`],
	transform: {
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
	},
	...extra,
});
