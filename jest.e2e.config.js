/**
 * End-to-end tier: a real n8n (scripts/e2e/install-n8n.sh) on loopback, with this package
 * installed as a community package. Slow (n8n starts take 10-60 s), so kept apart from the
 * unit tier (jest.config.js); run with `npm run test:e2e` (which puts Node.js 24 first on PATH).
 * @type {import('jest').Config}
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: '<rootDir>/test/e2e/environment.ts',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
	},
	globalSetup: '<rootDir>/test/e2e/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.ts',
	// Each file runs its own n8n (CPU-heavy start): one at a time suits CI's 2 cores.
	maxWorkers: 1,
	testTimeout: 120_000,
	verbose: true,
};
