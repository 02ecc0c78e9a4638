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

export function idleVerdicts(idle: IdleResult, steps: number[]): Verdict[] {
  const hub = idle.servers.find((s) => s.server === 'hub');
  const plain = idle.servers.find((s) => s.server === 'plain ws server');
  if (!hub || !plain) return [];
  const last = hub.steps[hub.steps.length - 1];
  const kib = last.perSocketBytes / 1024;
  const complete = last.sockets === steps[steps.length - 1];
  const connectRatio = hub.steps[0].batch.ms / plain.steps[0].batch.ms;
  return [
    {
      what: `RSS per idle device socket on one hub at ${last.sockets} sockets${complete ? '' : ` (wanted ${steps[steps.length - 1]})`}`,
      measured: kib,
      unit: ' KiB',
      target: '≤ 10 KiB',
      prototype: '6–8 KB',
      pass: complete && kib <= 10,
    },
    {
      what: `time for ${hub.steps[0].sockets} devices to connect, hub ÷ plain ws server`,
      measured: connectRatio,
      unit: '×',
      target: '≤ 1.5×',
      prototype: '—',
      pass: hub.steps[0].batch.failed === 0 && connectRatio <= 1.5,
    },
  ];
}
