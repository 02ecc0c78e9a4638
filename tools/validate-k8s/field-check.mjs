// Field stage: unknown fields. The Kubernetes OpenAPI schemas do not forbid extra properties, so a
// misspelt `revisionHistoryLimt` or `readynessProbe` passes the schema stage — and the API server
// drops it silently (kubectl only warns). kubeconform's -strict closes that gap by forbidding
// properties a schema does not name; we do the same with the TypeScript interfaces
// kubernetes-models generates from the same OpenAPI schemas: every object becomes one object
// literal `satisfies` its kind's interface, and the TypeScript compiler reports every property a
// type does not have (excess property checks reach every nested literal).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, modelPath } from './schema-check.mjs';

// One property per line, so a diagnostic's line names the field path it is about.
function write(value, path, prefix, indent, sink, trailing, keys = []) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return sink(`${pad}${prefix}[]${trailing}`, path, keys);
    sink(`${pad}${prefix}[`, path, keys);
    value.forEach((item, i) => write(item, `${path}[${i}]`, '', indent + 1, sink, ',', [...keys, i]));
    return sink(`${pad}]${trailing}`, path, keys);
  }
  if (value !== null && typeof value === 'object') {
    const names = Object.keys(value);
    if (names.length === 0) return sink(`${pad}${prefix}{}${trailing}`, path, keys);
    sink(`${pad}${prefix}{`, path, keys);
    for (const key of names) {
      write(value[key], path ? `${path}.${key}` : key, `${JSON.stringify(key)}: `, indent + 1, sink, ',', [
        ...keys,
        key,
      ]);
    }
    return sink(`${pad}}${trailing}`, path, keys);
  }
  // YAML null means "not set" to the API server; TypeScript's optional fields take undefined.
  const text = value === null || value === undefined ? 'undefined' : JSON.stringify(value);
  return sink(`${pad}${prefix}${text}${trailing}`, path, keys);
}

function generate(objects) {
  const lines = [];
  const where = []; // per line: { object index, field path, the same as keys }
  const sink = (text, path, index, keys = []) => {
    lines.push(text);
    where.push({ index, path, keys });
  };
  const imports = new Map();
  objects.forEach((obj) => {
    const path = modelPath(obj);
    if (!imports.has(path)) imports.set(path, `T${imports.size}`);
  });
  for (const [path, alias] of imports) {
    const kind = path.slice(path.lastIndexOf('/') + 1);
    sink(`import type { I${kind} as ${alias} } from 'kubernetes-models/${path}';`, '', -1);
  }
  objects.forEach((obj, index) => {
    sink(`// ${describe(obj)}`, '', index);
    write(obj, '', `export const o${index} = `, 0, (text, path, keys) => sink(text, path, index, keys), '');
    lines[lines.length - 1] += ` satisfies ${imports.get(modelPath(obj))};`;
  });
  return { text: lines.join('\n') + '\n', where };
}

// TypeScript stops checking an object literal at its first excess property, so a run finds at
// most one unknown field per object: drop each one found and check again, a few rounds at most.
const ROUNDS = 8;
const EXCESS_PROPERTY = new Set([2353, 2561]);

function unset(obj, keys) {
  let node = obj;
  for (const key of keys.slice(0, -1)) node = node?.[key];
  if (node && typeof node === 'object') delete node[keys[keys.length - 1]];
}

/** Problems as strings ("Deployment cloudflow/hub: spec.template.spec.readynessProbe: …"). */
export function checkFields(root, input) {
  if (input.length === 0) return [];
  const require = createRequire(join(root, 'package.json'));
  const ts = require('typescript');
  const objects = structuredClone(input);
  // A virtual file at the repository root, so `kubernetes-models` resolves from its node_modules.
  const file = join(root, '.k8s-objects.generated.mts');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  let text = '';
  let source;
  host.getSourceFile = (name, ...rest) => (name === file ? source : getSourceFile.call(host, name, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));

  const problems = [];
  let program;
  for (let round = 0; round < ROUNDS; round++) {
    const generated = generate(objects);
    text = generated.text;
    source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    program = ts.createProgram([file], options, host, program);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    let dropped = 0;
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      const at =
        d.file === source && d.start !== undefined
          ? generated.where[source.getLineAndCharacterOfPosition(d.start).line]
          : undefined;
      if (!at || at.index < 0) {
        problems.push(`field check: ${message}`);
        continue;
      }
      problems.push(`${describe(objects[at.index])}: ${at.path || '/'}: ${message}`);
      if (EXCESS_PROPERTY.has(d.code) && at.keys.length) {
        unset(objects[at.index], at.keys);
        dropped += 1;
      }
    }
    // Anything but unknown fields (a type the schema stage let through) is reported once, not looped on.
    if (dropped === 0 || dropped < diagnostics.length) break;
  }
  return problems;
}
