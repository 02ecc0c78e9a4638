import { parseArgs } from 'node:util';
import type { RelaySizes } from '../relay/relay-phase';
import type { DeviceKind } from '../relay/relay-targets';
import { relaySizes } from '../support/bench-options';

export interface ClusterBenchOptions {
  quick: boolean;
  out: string;
  kinds: DeviceKind[];
  sizes: RelaySizes;
  skipRelay: boolean;
  skipAsync: boolean;
  /** Offered requests/s of the async phases, and how long each lasts. */
  rates: number[];
  durationMs: number;
  asyncDevices: number;
  relayDevices: number;
  posSockets: number;
  /** How long each system's idle CPU is sampled before the phases. */
  idleSampleMs: number;
  deadlineMs: number;
}

const USAGE =
  'npm run bench:cluster [-- --quick] [--reps N] [--devices simulator,immediate] [--rates 100,500] [--duration MS] [--skip-relay] [--skip-async] [--out FILE]';

export function clusterBenchOptions(argv = process.argv.slice(2)): ClusterBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      devices: { type: 'string', default: 'simulator,immediate' },
      rates: { type: 'string', default: '100,500' },
      duration: { type: 'string' },
      'skip-relay': { type: 'boolean', default: false },
      'skip-async': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/reports/cluster.md' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const reps = Number(values.reps ?? (quick ? 2 : 3));
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error(`--reps must be 1..20\n${USAGE}`);
  const kinds = values.devices.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (k !== 'simulator' && k !== 'immediate') throw new Error(`unknown device kind ${k}\n${USAGE}`);
  const rates = values.rates.split(',').map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0 || r > 5000))
    throw new Error(`--rates takes requests/s between 1 and 5000\n${USAGE}`);
  const durationMs = Number(values.duration ?? (quick ? 4000 : 10_000));
  if (!Number.isFinite(durationMs) || durationMs < 1000)
    throw new Error(`--duration must be ≥ 1000 ms\n${USAGE}`);
  return {
    quick,
    out: values.out,
    kinds: kinds as DeviceKind[],
    // Full: smaller than bench:relay's runs, since the cluster side is ~3× slower per request on one core
    // and a full run must stay within ~15 minutes; three repetitions, medians of per-repetition ratios.
    sizes: quick
      ? relaySizes(true, reps)
      : {
          reps,
          warmup: { 1: 100, 16: 500, 64: 1000 },
          count: { 1: 600, 16: 3000, 64: 5000 },
          offlineCount: 200,
        },
    skipRelay: values['skip-relay'],
    skipAsync: values['skip-async'],
    rates,
    durationMs,
    asyncDevices: quick ? 100 : 300,
    relayDevices: 100,
    posSockets: 64,
    idleSampleMs: quick ? 3000 : 10_000,
    deadlineMs: (quick ? 15 : 45) * 60_000,
  };
}
