/**
 * In-process tier (`npm run test:workflows`): test/workflows, whole workflows run by n8n-core on
 * our built package; builds dist/ first when its sources are newer.
 */
const { workflows, inProcessRun } = require('./jest.base');

module.exports = { ...workflows, ...inProcessRun };
