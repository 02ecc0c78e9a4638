// Compiles apps/ and libs/ with swc into dist/ (about a second), then makes the
// @cloudflow/* aliases resolvable at run time through dist/node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// No wipe first: helpers and tests may be running the previous build while this one writes.
execFileSync(
  join(root, 'node_modules/.bin/swc'),
  [
    'apps',
    'libs',
    'bench',
    '-d',
    'dist',
    '--copy-files',
    '--ignore',
    '**/*.spec.ts',
    '--ignore',
    '**/static/**',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
// Files served to browsers as they are (swc would rewrite their JavaScript into CommonJS).
for (const dir of ['apps/admin/src/portal-web/static']) {
  cpSync(join(root, dir), join(dist, dir), { recursive: true });
}
for (const [name, lib] of [
  ['contracts', 'contracts'],
  ['platform', 'platform'],
  ['presence', 'presence'],
  ['access', 'access'],
  ['testing', 'testing'],
  ['pos', 'sdk'],
]) {
  const dir = join(dist, 'node_modules/@cloudflow', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@cloudflow/${name}`, main: `../../../libs/${lib}/src/index.js` }),
  );
}
// The SDK's REST types follow the gateway's Client API document (needs the compiled gateway above).
execFileSync(process.execPath, [join(root, 'tools/sdk-openapi.mjs')], { cwd: root, stdio: 'inherit' });
if (!process.argv.includes('--quiet')) console.log('built dist/');
