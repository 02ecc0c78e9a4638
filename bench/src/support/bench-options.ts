import { parseArgs } from 'node:util';
import type { RelaySizes } from '../relay/relay-phase';
import type { DeviceKind } from '../relay/relay-targets';

export interface BenchOptions {
  quick: boolean;
  skipIdle: boolean;
  /** `--only idle`: the idle-socket phase alone (no relay runs, no report: the result as JSON in --out). */
  onlyIdle: boolean;
  /** `--idle-hub-cpu-prof DIR`: a V8 CPU profile of the idle phase's hub, written to DIR when it stops. */
  idleHubCpuProf?: string;
  /** `--profile DIR`: CPU profiles of every service (CLOUDFLOW_CPU_PROF), summarised into the report. */
  profileDir?: string;
  out: string;
  kinds: DeviceKind[];
  sizes: RelaySizes;
  /** Idle sockets held at each step; the first step is also the timed connect. */
  idleSteps: number[];
  idleParallel: number;
  devices: number;
  posSockets: number;
  /** The whole run stops itself after this long. */
  deadlineMs: number;
}

const USAGE = `npm run bench:relay [-- --quick] [--skip-idle] [--only idle] [--idle-hub-cpu-prof DIR] [--profile DIR] [--reps N] [--devices simulator,immediate] [--idle 10000,18000] [--out FILE]`;

/** Payments per relay run at c = 1/16/64: the smoke sizes of --quick, or a full run's (shared with bench:cluster). */
export function relaySizes(quick: boolean, reps: number): RelaySizes {
  return quick
    ? { reps, warmup: { 1: 20, 16: 64, 64: 128 }, count: { 1: 60, 16: 300, 64: 600 }, offlineCount: 30 }
    : {
        reps,
        warmup: { 1: 300, 16: 1000, 64: 2000 },
        count: { 1: 1500, 16: 6000, 64: 10000 },
        offlineCount: 300,
      };
}

export function benchOptions(argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'skip-idle': { type: 'boolean', default: false },
      only: { type: 'string' },
      'idle-hub-cpu-prof': { type: 'string' },
      profile: { type: 'string' },
      reps: { type: 'string' },
      devices: { type: 'string', default: 'simulator,immediate' },
      idle: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  if (values.only !== undefined && values.only !== 'idle') throw new Error(`--only takes "idle"\n${USAGE}`);
  const onlyIdle = values.only === 'idle';
  if (onlyIdle && values['skip-idle'])
    throw new Error(`--only idle and --skip-idle exclude each other\n${USAGE}`);
  const reps = Number(values.reps ?? (quick ? 3 : 5));
  if (!Number.isInteger(reps) || reps < 1 || reps > 50) throw new Error(`--reps must be 1..50\n${USAGE}`);
  const kinds = values.devices.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (k !== 'simulator' && k !== 'immediate') throw new Error(`unknown device kind ${k}\n${USAGE}`);
  const idleSteps = (values.idle ?? (quick ? '400,720' : '10000,18000')).split(',').map(Number);
  if (
    idleSteps.some((n, i) => !Number.isInteger(n) || n < 1 || n > 19_000 || (i > 0 && n <= idleSteps[i - 1]))
  ) {
    throw new Error(
      `--idle takes increasing socket counts up to 19000 (the container's open-file limit is 20000)\n${USAGE}`,
    );
  }
  const sizes = relaySizes(quick, reps);
  return {
    quick,
    skipIdle: values['skip-idle'],
    onlyIdle,
    ...(values['idle-hub-cpu-prof'] ? { idleHubCpuProf: values['idle-hub-cpu-prof'] } : {}),
    ...(values.profile ? { profileDir: values.profile } : {}),
    out: values.out ?? (onlyIdle ? 'bench/reports/idle-only.json' : 'bench/reports/relay.md'),
    kinds: kinds as DeviceKind[],
    sizes,
    idleSteps,
    idleParallel: 64,
    devices: 100,
    posSockets: 64,
    deadlineMs: (quick ? 15 : 90) * 60_000,
  };
}
