module.exports = {
  projects: ['<rootDir>/libs/*', '<rootDir>/apps/*', '<rootDir>/e2e', '<rootDir>/bench'],
  reporters: ['default', '<rootDir>/tools/jest-count-reporter.js'],
};
