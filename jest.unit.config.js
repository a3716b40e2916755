/**
 * Unit tier (`npm run test:unit`): test/unit, pure units and the loopback emulators. Needs no
 * build.
 */
module.exports = require('./jest.base')('unit', {
	testTimeout: 30000,
	// Each file starts its own loopback emulators; two workers suit CI's 2 cores.
	maxWorkers: 2,
});
