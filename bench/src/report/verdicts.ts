import type { IdleResult } from '../idle/idle-phase';
import type { LoadResult } from '../load/load-run';
import type { Mode, RunRecord } from '../relay/relay-phase';
import type { DeviceKind } from '../relay/relay-targets';
import { median } from '../support/stats';

export interface Verdict {
  what: string;
  measured: number;
  /** How `measured` is printed, e.g. "×" or " KiB". */
  unit: string;
  target: string;
  prototype: string;
  pass: boolean;
  /** The per-repetition values the median was taken of. */
  perRep?: number[];
}

type Metric = (r: LoadResult) => number;
export const p50: Metric = (r) => r.latency.p50;
export const p99: Metric = (r) => r.latency.p99;
export const throughput: Metric = (r) => r.throughput;
export const cpu: Metric = (r) => r.cpuMsPerRequest.total;

export function find(
  records: RunRecord[],
  kind: DeviceKind,
  rep: number,
  target: RunRecord['target'],
  mode: Mode,
): LoadResult | undefined {
  return records.find((r) => r.kind === kind && r.rep === rep && r.target === target && r.mode === mode)
    ?.result;
}

export function reps(records: RunRecord[], kind: DeviceKind): number[] {
  return [...new Set(records.filter((r) => r.kind === kind).map((r) => r.rep))].sort((a, b) => a - b);
}

/** system ÷ baseline (or `over` ÷ `under`) of one metric, one value per repetition. */
export function ratioPerRep(
  records: RunRecord[],
  kind: DeviceKind,
  mode: Mode,
  metric: Metric,
  over: RunRecord['target'] = 'system',
  under: RunRecord['target'] = 'baseline',
): number[] {
  return reps(records, kind).map((rep) => {
    const s = find(records, kind, rep, over, mode);
    const b = find(records, kind, rep, under, mode);
    return s && b ? metric(s) / metric(b) : NaN;
  });
}

/** The not-connected answer's p50 ÷ the successful round trip's p50 (c=1), both on the system. */
export function offlinePerRep(records: RunRecord[], kind: DeviceKind): number[] {
  return reps(records, kind).map((rep) => {
    const off = find(records, kind, rep, 'system', 'offline');
    const ok = find(records, kind, rep, 'system', 'c1');
    return off && ok ? off.latency.p50 / ok.latency.p50 : NaN;
  });
}

function ratioVerdict(
  what: string,
  perRep: number[],
  target: string,
  prototype: string,
  pass: (m: number) => boolean,
): Verdict {
  const measured = median(perRep);
  return { what, measured, unit: '×', target, prototype, pass: pass(measured), perRep };
}

export function relayVerdicts(records: RunRecord[], kind: DeviceKind): Verdict[] {
  const offline = records.filter((r) => r.kind === kind && r.target === 'system' && r.mode === 'offline');
  const wrongOffline = offline.reduce((n, r) => n + r.result.failures, 0);
  const offlineVerdict = ratioVerdict(
    'not-connected answer ÷ successful round trip (p50, c=1)',
    offlinePerRep(records, kind),
    '≤ 0.8×',
    '—',
    (m) => m <= 0.8,
  );
  if (wrongOffline > 0) {
    offlineVerdict.pass = false;
    offlineVerdict.what += ` — ${wrongOffline} answers were not connectionLost (timeouts or other)`;
  }
  return [
    ratioVerdict(
      'p50 at concurrency 1, system ÷ baseline',
      ratioPerRep(records, kind, 'c1', p50),
      '≤ 3×',
      '3.0×',
      (m) => m <= 3,
    ),
    ratioVerdict(
      'p99 at concurrency 16, system ÷ baseline',
      ratioPerRep(records, kind, 'c16', p99),
      '≤ 2×',
      '2.1–2.6× (p99 or CPU)',
      (m) => m <= 2,
    ),
    ratioVerdict(
      'p99 at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', p99),
      '≤ 2×',
      '2.1–2.6× (p99 or CPU)',
      (m) => m <= 2,
    ),
    ratioVerdict(
      'throughput at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', throughput),
      '≥ 0.45×',
      '0.47×',
      (m) => m >= 0.45,
    ),
    ratioVerdict(
      'CPU per request at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', cpu),
      '≤ 2.5×',
      '2.1–2.6× (p99 or CPU)',
      (m) => m <= 2.5,
    ),
    offlineVerdict,
  ];
}

/** Issue 11's targets for the sync relay (simulator device), with the figures of the report it started from. */
export const ISSUE11_RELAY = {
  cpuC64: { max: 6, before: '17.65×' },
  throughputC64: { min: 0.4, before: '0.20×' },
  p99C16: { max: 2, before: '2.31×' },
  p99C64: { max: 2, before: '3.79×' },
  connect: { max: 2, before: '9.10×, then 4.2×' },
  rssKiB: { max: 10, before: '6.79 KiB' },
} as const;

/**
 * Every successful sync payment of the system's measured runs has its request row, completed, in
 * Postgres once the recording drained (the request log and idempotency depend on it). Runs
 * without a count (a target that does not record) are left out; none counted at all is a MISS.
 */
export function recordedVerdict(records: RunRecord[], kind: DeviceKind): Verdict {
  const runs = records.filter(
    (r) =>
      r.kind === kind && r.target === 'system' && r.mode !== 'offline' && r.result.recorded !== undefined,
  );
  const ok = runs.reduce((n, r) => n + (r.result.results['paymentResponse:FULFILLED'] ?? 0), 0);
  const recorded = runs.reduce((n, r) => n + (r.result.recorded ?? 0), 0);
  return {
    what: `every sync payment recorded (completed request rows ÷ fulfilled payments, ${runs.length} measured runs: ${recorded} of ${ok})`,
    measured: ok ? recorded / ok : NaN,
    unit: '×',
    target: '= 1×',
    prototype: '—',
    pass: runs.length > 0 && ok > 0 && recorded === ok,
  };
}

/** Issue 11's verdicts for one device kind; `prototype` holds the figure of the report issue 11 started from. */
export function relayIssue11Verdicts(records: RunRecord[], kind: DeviceKind): Verdict[] {
  const T = ISSUE11_RELAY;
  const before = (b: string) => (kind === 'simulator' ? b : '—');
  return [
    ratioVerdict(
      'CPU per payment at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', cpu),
      `≤ ${T.cpuC64.max}×`,
      before(T.cpuC64.before),
      (m) => m <= T.cpuC64.max,
    ),
    ratioVerdict(
      'throughput at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', throughput),
      `≥ ${T.throughputC64.min.toFixed(2)}×`,
      before(T.throughputC64.before),
      (m) => m >= T.throughputC64.min,
    ),
    ratioVerdict(
      'p99 at concurrency 16, system ÷ baseline',
      ratioPerRep(records, kind, 'c16', p99),
      `≤ ${T.p99C16.max}×`,
      before(T.p99C16.before),
      (m) => m <= T.p99C16.max,
    ),
    ratioVerdict(
      'p99 at concurrency 64, system ÷ baseline',
      ratioPerRep(records, kind, 'c64', p99),
      `≤ ${T.p99C64.max}×`,
      before(T.p99C64.before),
      (m) => m <= T.p99C64.max,
    ),
    recordedVerdict(records, kind),
  ];
}

/** Issue 3's targets that issue 11 did not replace (p50 at c=1, the not-connected answer). */
export function relayIssue3Remaining(records: RunRecord[], kind: DeviceKind): Verdict[] {
  return relayVerdicts(records, kind).filter((v) => /^p50 at concurrency 1|^not-connected/.test(v.what));
}

/**
 * RSS per idle socket and the connect time against the plain ws server. `connectMax` is the
 * target (issue 3: 1.5×, issue 11: 2×); the prototype column holds `before` when given.
 */
export function idleVerdicts(
  idle: IdleResult,
  steps: number[],
  connectMax: number = ISSUE11_RELAY.connect.max,
  before?: { rss: string; connect: string },
): Verdict[] {
  const hub = idle.servers.find((s) => s.server === 'hub');
  const plain = idle.servers.find((s) => s.server === 'plain ws server');
  if (!hub || !plain) return [];
  const last = hub.steps[hub.steps.length - 1];
  const kib = last.perSocketBytes / 1024;
  const complete = last.sockets === steps[steps.length - 1];
  const connectRatio = hub.steps[0].batch.ms / plain.steps[0].batch.ms;
  return [
    {
      // RSS that fell while sockets were added (a GC between the samples) measures nothing: never a PASS.
      what: `RSS per idle device socket on one hub at ${last.sockets} sockets${complete ? '' : ` (wanted ${steps[steps.length - 1]})`}${kib > 0 ? '' : ' — RSS fell, not measurable'}`,
      measured: kib,
      unit: ' KiB',
      target: '≤ 10 KiB',
      prototype: before?.rss ?? '6–8 KB',
      pass: complete && kib > 0 && kib <= 10,
    },
    {
      what: `time for ${hub.steps[0].sockets} devices to connect, hub ÷ plain ws server`,
      measured: connectRatio,
      unit: '×',
      target: `≤ ${connectMax}×`,
      prototype: before?.connect ?? '—',
      pass: hub.steps[0].batch.failed === 0 && connectRatio <= connectMax,
    },
  ];
}
