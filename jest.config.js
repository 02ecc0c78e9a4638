module.exports = {
  // A global option (ignored inside projects). Hooks that stop real processes wait up to 8 s for a
  // polite exit (libs/testing child.stop); on a loaded CI machine jest's 5 s default failed suites
  // whose every test had passed.
  testTimeout: 30_000,
  projects: ['<rootDir>/libs/*', '<rootDir>/apps/*', '<rootDir>/e2e', '<rootDir>/bench', '<rootDir>/deploy'],
  reporters: ['default', '<rootDir>/tools/jest-count-reporter.js'],
};
