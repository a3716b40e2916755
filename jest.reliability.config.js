/**
 * Reliability tier (issues 6 and 9): test/reliability/*.rel.ts against a real n8n, like the e2e
 * tier (same environment, global set-up and teardown). `npm run test:reliability` runs CI's
 * smaller loads; `npm run test:reliability -- --full` (or RELIABILITY_FULL=1) the stated ones.
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
	// Each file runs its own real n8n: one at a time on CI's 2 cores.
	maxWorkers: 1,
	testTimeout: 600_000,
	verbose: true,
};

// Run as a script (`node jest.reliability.config.js [--full] [jest args]`, what the npm script does):
// jest refuses an unknown `--full`, so it becomes RELIABILITY_FULL=1 and the rest goes to jest.
if (require.main === module) {
	const args = process.argv.slice(2);
	const env = args.includes('--full') ? { ...process.env, RELIABILITY_FULL: '1' } : process.env;
	const jest = require.resolve('jest/bin/jest');
	const { status } = require('node:child_process').spawnSync(
		process.execPath,
		[jest, '-c', __filename, ...args.filter((arg) => arg !== '--full')],
		{ stdio: 'inherit', env },
	);
	process.exit(status ?? 1);
}
