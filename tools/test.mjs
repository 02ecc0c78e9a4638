// `npm test`: build, typecheck, lint, then every jest project, failing fast with a banner per
// step. CI reads only the last line, "N passed, N failed", so it is always printed last, even
// when a step before jest failed (a failed build/typecheck/lint step counts as 1 failed).
// Arguments after `npm test --` go to jest (e.g. `npm test -- --selectProjects auth`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const countsDir = mkdtempSync(join(tmpdir(), 'cf-test-counts-'));
const countsFile = join(countsDir, 'counts.jsonl');
const env = {
  ...process.env,
  CLOUDFLOW_TEST_COUNTS: countsFile,
  NX_NO_CLOUD: 'true',
  NX_DAEMON: 'false',
  SCARF_ANALYTICS: 'false',
};

const steps = [
  { name: 'build', cmd: process.execPath, args: [join(root, 'tools/build.mjs')] },
  { name: 'typecheck', cmd: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
  // @nx/enforce-module-boundaries reads Nx's cached project graph and silently skips itself when
  // there is none (a fresh clone, CI): compute it first so the boundaries are really checked.
  { name: 'project graph', cmd: bin('nx'), args: ['show', 'projects'], quiet: true, partOf: 'lint' },
  { name: 'lint', cmd: bin('eslint'), args: ['.'] },
  // The formatter, enforced: `npm run format` fixes what this finds.
  { name: 'format', cmd: bin('prettier'), args: ['--check', '.', '--log-level', 'warn'] },
  // Every OpenAPI document the services serve, through Redocly's `recommended` rules (no problem allowed).
  { name: 'openapi lint', cmd: process.execPath, args: [join(root, 'tools/lint-openapi.mjs')] },
  // deploy/k8s rendered by the real kubectl kustomize, every object checked against the Kubernetes
  // API schemas (tools/validate-k8s.mjs; offline, a few seconds).
  { name: 'k8s', cmd: process.execPath, args: [join(root, 'tools/validate-k8s.mjs')] },
  {
    name: 'jest',
    cmd: bin('jest'),
    args: [
      '--ci',
      '--maxWorkers=2',
      '--testPathIgnorePatterns',
      'chaos\\.e2e\\.spec\\.ts',
      ...process.argv.slice(2),
    ],
    jest: true,
  },
  // The fault campaign runs alone: its time bounds (timeout + 10 s) are about the system, not
  // about sharing two cores with another suite's dozen processes.
  {
    name: 'fault campaign',
    cmd: bin('jest'),
    args: ['--ci', 'e2e/src/chaos.e2e.spec.ts'],
    jest: true,
    skipWithArgs: true,
  },
];

function banner(text) {
  const line = '='.repeat(Math.max(60, text.length + 4));
  console.log(`\n${line}\n  ${text}\n${line}`);
}

function jestCounts() {
  const totals = { passed: 0, failed: 0, skipped: 0, runs: 0 };
  if (!existsSync(countsFile)) return totals;
  for (const line of readFileSync(countsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const run = JSON.parse(line);
    totals.passed += run.passed ?? 0;
    totals.failed += run.failed ?? 0;
    totals.skipped += run.skipped ?? 0;
    totals.runs += 1;
  }
  return totals;
}

// For quick local loops only (e.g. CLOUDFLOW_TEST_SKIP=typecheck,lint): CI never sets it.
const skip = new Set(
  (process.env.CLOUDFLOW_TEST_SKIP ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

let stepFailures = 0;
let exitCode = 0;
for (const step of steps) {
  // `npm test -- <jest args>` is a focused run: the campaign runs only in the full suite.
  if (step.skipWithArgs && process.argv.length > 2) continue;
  if (skip.has(step.partOf ?? step.name)) {
    banner(`npm test: ${step.name} SKIPPED (CLOUDFLOW_TEST_SKIP)`);
    continue;
  }
  banner(`npm test: ${step.name}`);
  const started = Date.now();
  const res = spawnSync(step.cmd, step.args, {
    cwd: root,
    env,
    stdio: step.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const status = res.status ?? 1;
  if (res.error) console.error(`could not run ${step.cmd}: ${res.error.message}`);
  if (status === 0) {
    console.log(`\n${step.name}: ok (${seconds} s)`);
    continue;
  }
  exitCode = status || 1;
  banner(`npm test: ${step.name} FAILED (exit ${res.status ?? res.signal}, ${seconds} s)`);
  // Jest counts its own failures; a jest that dies before reporting still must not read as green.
  if (!step.jest || jestCounts().failed === 0) stepFailures += 1;
  break;
}

const counts = jestCounts();
rmSync(countsDir, { recursive: true, force: true });
if (counts.skipped) console.log(`(${counts.skipped} skipped)`);
console.log(`${counts.passed} passed, ${counts.failed + stepFailures} failed`);
process.exit(exitCode);
