// One jest preset for every project: swc with decorator metadata (keeps Nest DI working),
// the same path aliases as tsconfig.base.json.
const path = require('node:path');
const root = path.resolve(__dirname, '..');

exports.preset = (displayName, dir) => ({
  displayName,
  rootDir: dir,
  testEnvironment: 'node',
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
    '^@cloudflow/(contracts|platform|presence|access|testing)$': path.join(root, 'libs/$1/src/index.ts'),
    // The SDK's npm name, not its folder's.
    '^@cloudflow/pos$': path.join(root, 'libs/sdk/src/index.ts'),
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
});
