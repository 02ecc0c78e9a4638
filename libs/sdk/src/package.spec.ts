import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** `npm pack` of the SDK as a POS developer would install it: compiled JavaScript, declarations, document, README. */
describe('@cloudflow/pos package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cf-sdk-pack-'));
    // The build's JavaScript (swc) plus declarations from tsc, laid out as the package.json says.
    cpSync(join(root, 'dist/libs/sdk/src'), join(dir, 'src'), {
      recursive: true,
      filter: (f) => !f.endsWith('.map'),
    });
    execFileSync(
      join(root, 'node_modules/.bin/tsc'),
      ['-p', join(root, 'libs/sdk/tsconfig.lib.json'), '--outDir', join(dir, 'src')],
      { cwd: root },
    );
    for (const file of ['package.json', 'README.md', 'openapi'])
      cpSync(join(root, 'libs/sdk', file), join(dir, file), { recursive: true });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('packs its entry point, types, the OpenAPI document and the README, and nothing of the workspace', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', dir], { encoding: 'utf8' }),
    ) as Array<{ name: string; files: Array<{ path: string }> }>;
    const files = packed.files.map((f) => f.path);
    expect(packed.name).toBe('@cloudflow/pos');
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'package.json',
        'openapi/client-1.1.yaml',
        'src/index.js',
        'src/index.d.ts',
        'src/generated/client-v1-1.d.ts',
      ]),
    );
    expect(files.filter((f) => /spec|jest|project\.json|tsconfig/.test(f))).toEqual([]);
  });

  it('loads from the packed layout with only its declared dependencies', () => {
    // Exactly the declared dependencies beside it (as npm would install them), nothing else of the workspace.
    const { dependencies } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    mkdirSync(join(dir, 'node_modules'));
    for (const dep of Object.keys(dependencies))
      symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
    const out = execFileSync(
      process.execPath,
      ['-e', `const p = require(${JSON.stringify(dir)}); console.log(Object.keys(p).sort().join(','))`],
      { encoding: 'utf8' },
    );
    expect(out.trim().split(',')).toEqual(
      expect.arrayContaining(['CloudFlowRest', 'PosSocket', 'verifyWebhook', 'retryingFetch']),
    );
  });
});
