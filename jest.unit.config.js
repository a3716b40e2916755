/** Unit tier (`npm run test:unit`): test/unit, pure units and the loopback emulators. */
const { unit, inProcessRun } = require('./jest.base');

module.exports = { ...unit, ...inProcessRun };
