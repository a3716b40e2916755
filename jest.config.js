/**
 * `npx jest` (CI's first jest run): the unit tier and the in-process tier together, each
 * configured by its own file. The end-to-end and reliability tiers have their own configs.
 * @type {import('jest').Config}
 */
module.exports = {
	projects: ['<rootDir>/jest.unit.config.js', '<rootDir>/jest.workflows.config.js'],
	testTimeout: 30000,
	maxWorkers: 2,
};
