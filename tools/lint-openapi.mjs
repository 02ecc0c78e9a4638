// `npm test` step: every OpenAPI document the services serve, checked by Redocly's linter with its
// `recommended` rules. Any problem, warning or error, fails the step: a document a generator or a
// reader trips over is a bug of the API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocuments, toYaml } from './openapi-documents.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'cf-openapi-'));
let problems = 0;
try {
  const documents = await openApiDocuments();
  for (const { name, document } of documents) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, toYaml(document));
    let out;
    try {
      out = execFileSync(
        join(root, 'node_modules/.bin/redocly'),
        ['lint', '--extends', 'recommended', '--format', 'json', file],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      );
    } catch (error) {
      out = error.stdout;
    }
    const found = JSON.parse(out).problems ?? [];
    problems += found.length;
    for (const p of found)
      console.log(`${name}: ${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);
    console.log(`${name}: ${found.length === 0 ? 'valid' : `${found.length} problem(s)`}`);
  }
  if (documents.length < 6) throw new Error(`expected 6 documents, built ${documents.length}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(problems === 0 ? 0 : 1);
