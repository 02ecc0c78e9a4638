// One jest preset for every project: swc with decorator metadata (keeps Nest DI working),
// the same path aliases as tsconfig.base.json.
const path = require('node:path');
const root = path.resolve(__dirname, '..');

exports.preset = (displayName, dir) => ({
  displayName,
  rootDir: dir,
  testEnvironment: 'node',
  // Hooks that stop real processes wait up to 8 s for a polite exit (libs/testing child.stop); under a
  // loaded CI machine jest's 5 s default failed suites whose every test had passed.
  testTimeout: 30_000,
  testMatch: ['<rootDir>/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
        },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@cloudflow/(contracts|platform|testing)$': path.join(root, 'libs/$1/src/index.ts'),
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
});
