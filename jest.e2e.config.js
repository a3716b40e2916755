/**
 * End-to-end tier: test/e2e, a real n8n (scripts/e2e/install-n8n.sh) on loopback, with this
 * package installed as a community package (globalSetup builds dist/ first when its sources are
 * newer). Slow (n8n starts take 10-60 s), so kept apart from the unit tier (jest.config.js); run
 * with `npm run test:e2e` (which puts Node.js 24 first on PATH). Test files end in `.e2e.ts`; the
 * folder's other files are the tier's jest plumbing.
 */
module.exports = require('./jest.base').tier('e2e', {
	testEnvironment: '<rootDir>/test/e2e/environment.ts',
	testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'],
	globalSetup: '<rootDir>/test/e2e/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.ts',
	// Each file runs its own n8n (CPU-heavy start): one at a time suits CI's 2 cores.
	maxWorkers: 1,
	testTimeout: 120_000,
	verbose: true,
});
