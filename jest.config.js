/**
 * `npx jest` (CI's first jest run): the unit tier and the in-process tier together
 * (jest.unit.config.js, jest.workflows.config.js). The end-to-end and reliability tiers have
 * their own configs.
 * @type {import('jest').Config}
 */
const { unit, workflows, inProcessRun } = require('./jest.base');

module.exports = { projects: [unit, workflows], ...inProcessRun };
