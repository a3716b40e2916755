/**
 * Reliability tier (`npm run test:reliability`): test/reliability, the exactly-once scenarios and
 * the HTTP fuzzing, against a real n8n (SQLite, and queue mode with PostgreSQL and Redis), with
 * the e2e tier's environment and set-up. CI runs smaller loads; `npm run test:reliability --
 * --full` runs the loads docs/idempotency.md reports. Test files end in `.rel.ts`.
 */
module.exports = require('./jest.base').tier('reliability', {
	testEnvironment: '<rootDir>/test/e2e/environment.ts',
	testMatch: ['<rootDir>/test/reliability/**/*.rel.ts'],
	globalSetup: '<rootDir>/test/e2e/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.ts',
	maxWorkers: 1,
	testTimeout: 300_000,
	verbose: true,
});
