/**
 * The fault campaign of issue 9 from the command line: real processes, random seeded faults
 * under load, the invariants checked over the whole history, bench/reports/chaos.md written.
 * Run: npm run chaos -- --minutes N --seed S [--rate 8] [--devices 100] [--accounts 4] [--every 3000-7000] [--out FILE]
 * Exit code 1 when any invariant was violated.
 */
import { REPO_ROOT, renderReport, runCampaign } from '@cloudflow/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';

const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      seed: { type: 'string' },
      rate: { type: 'string', default: '8' },
      devices: { type: 'string', default: '100' },
      accounts: { type: 'string', default: '4' },
      every: { type: 'string', default: '3000-7000' },
      out: { type: 'string', default: 'bench/reports/chaos.md' },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const [min, max] = values.every.split('-').map(Number);
  const out = isAbsolute(values.out) ? values.out : join(REPO_ROOT, values.out);
  const historyFile = join(REPO_ROOT, 'bench/out', `chaos-${seed}-${Date.now()}.jsonl`);
  log(`seed ${seed} (replay: npm run chaos -- --minutes ${values.minutes} --seed ${seed})`);
  const result = await runCampaign({
    seed,
    faultMs: Number(values.minutes) * 60_000,
    rate: Number(values.rate),
    devices: Number(values.devices),
    accounts: Number(values.accounts),
    faultEveryMs: [min, max ?? min],
    historyFile,
    log,
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(result, `npm run chaos -- --minutes ${values.minutes} --seed ${seed}`));
  const byInvariant = result.violations.reduce<Record<string, number>>(
    (acc, v) => ({ ...acc, [v.invariant]: (acc[v.invariant] ?? 0) + 1 }),
    {},
  );
  log(
    `${result.requests.length} requests, ${Object.values(result.faults).reduce((a, b) => a + b, 0)} faults, ${result.violations.length} violations ${JSON.stringify(byInvariant)}`,
  );
  log(`report ${out}; history ${historyFile}`);
  process.exitCode = result.violations.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
