/**
 * Reliability tier (`npm run test:reliability`): the exactly-once scenarios and the
 * HTTP fuzzing, against a real n8n (SQLite, and queue mode with PostgreSQL and Redis). CI runs
 * smaller loads; `npm run test:reliability -- --full` runs the loads docs/idempotency.md reports.
 * @type {import('jest').Config}
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: '<rootDir>/test/e2e/environment.ts',
	roots: ['<rootDir>/test/reliability'],
	testMatch: ['<rootDir>/test/reliability/**/*.rel.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
	},
	globalSetup: '<rootDir>/test/e2e/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.ts',
	maxWorkers: 1,
	testTimeout: 300_000,
	verbose: true,
};
