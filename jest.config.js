module.exports = {
  projects: ['<rootDir>/libs/*', '<rootDir>/apps/*', '<rootDir>/e2e'],
  reporters: ['default', '<rootDir>/tools/jest-count-reporter.js'],
};
