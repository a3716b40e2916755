/**
 * In-process tier (`npm run test:workflows`): test/workflows, our built package run by n8n-core
 * in this process. It loads dist/, so globalSetup builds it first when nodes/ or credentials/
 * changed since the last build.
 */
module.exports = require('./jest.base')('workflows', {
	globalSetup: '<rootDir>/test/workflows/globalSetup.ts',
	testTimeout: 30000,
	maxWorkers: 2,
});
