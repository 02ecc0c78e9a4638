import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const frameworkPackages = [
  '@nestjs/*',
  'typeorm',
  'nats',
  'pg',
  'ws',
  'express',
  'pino',
  'prom-client',
  'argon2',
  'jose',
];

// The domain libraries shared by some services only (ARCHITECTURE.md, Libraries): presence is the
// hubs' and the gateways' (admin and auth never see a socket); access guards the HTTP APIs of
// gateway and admin and bills the hubs' sync payments, and auth, which answers its questions,
// never takes it.
const domainLibraryBans = [
  { sourceTag: 'scope:auth', notDependOnLibsWithTags: ['type:presence', 'type:access'] },
  { sourceTag: 'scope:admin', notDependOnLibsWithTags: ['type:presence'] },
];
const appLibraries = ['type:contracts', 'type:platform', 'type:presence', 'type:access'];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.data/**',
      '**/.nx/**',
      '**/*.js',
      '**/*.mjs',
      'bench/out/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/unbound-method': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // The contract: pure classes and data, no framework, no other project.
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: frameworkPackages,
            },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:presence', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform'] },
            { sourceTag: 'type:access', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform'] },
            // The SDK is published on its own: it imports no workspace project.
            { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:sdk'],
            },
            // Apps never import apps (nor the test harness outside their specs).
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: appLibraries },
            ...domainLibraryBans,
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:testing', 'type:platform', 'type:sdk'],
            },
          ],
        },
      ],
    },
  },
  {
    // Specs beside app code, and their helpers under src/testing/, may use the real-process test harness.
    files: ['apps/**/*.spec.ts', 'apps/*/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...appLibraries, 'type:testing'] },
            // auth's usage-ledger spec drives the ledger with the real reporter its callers run.
            { sourceTag: 'scope:auth', notDependOnLibsWithTags: ['type:presence'] },
            { sourceTag: 'scope:admin', notDependOnLibsWithTags: ['type:presence'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
