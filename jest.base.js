/**
 * What the jest tiers share. A tier is a folder of test/: its config names the folder, and every
 * `*.test.ts` (or the tier's suffix) in it belongs to it.
 */

/**
 * @param {string} folder under test/
 * @param {import('jest').Config} extra
 * @returns {import('jest').Config}
 */
const tier = (folder, extra = {}) => ({
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

module.exports = {
	tier,
	/** test/unit: pure units and the loopback emulators; needs no build. */
	unit: tier('unit'),
	/**
	 * test/workflows: our built package run by n8n-core in this process. It loads dist/, so
	 * globalSetup builds it first when nodes/ or credentials/ changed since the last build.
	 */
	workflows: tier('workflows', { globalSetup: '<rootDir>/test/workflows/globalSetup.ts' }),
	/** Run-wide options of those two (jest allows them only outside a project). */
	inProcessRun: {
		testTimeout: 30000,
		// Each file starts its own loopback emulators; two workers suit CI's 2 cores.
		maxWorkers: 2,
	},
};
