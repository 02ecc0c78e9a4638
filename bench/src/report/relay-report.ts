import type { IdleResult } from '../idle/idle-phase';
import { CONCURRENCIES, type Mode, type RunRecord } from '../relay/relay-phase';
import type { DeviceKind } from '../relay/relay-targets';
import { median } from '../support/stats';
import {
  cpu,
  find,
  idleVerdicts,
  ISSUE11_RELAY,
  p50,
  p99,
  ratioPerRep,
  relayIssue11Verdicts,
  relayIssue3Remaining,
  reps,
  throughput,
  type Verdict,
} from './verdicts';
import type { ProfileSummary } from '../support/cpu-profile';
import { profileSection } from './profile-section';
import { idleSection, rawTable, table } from './tables';

export interface ReportInput {
  date: Date;
  command: string;
  quick: boolean;
  machine: Array<[string, string]>;
  method: string[];
  kinds: DeviceKind[];
  records: RunRecord[];
  idle?: IdleResult;
  idleSteps: number[];
  notes: string[];
  /** Survived failures (stalled calls retried), by kind. */
  incidents: Array<[string, number]>;
  profile?: { dir: string; summaries: ProfileSummary[] };
  /** The "History" section's Markdown (bench/history/relay.md), kept across regenerations. */
  history: string;
}

const KIND_TITLE: Record<DeviceKind, string> = {
  simulator:
    'device = testing library DeviceSimulator (delayMs 0, events 0) — the configuration the brief asks for',
  immediate: 'device = immediate answer in the same tick (no 1 ms timer floor)',
};

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function verdictTable(verdicts: Verdict[], reference = 'prototype'): string {
  return table(
    ['target', 'measured (median)', 'goal', reference, 'result', 'per repetition'],
    verdicts.map((v) => [
      v.what,
      `${fmt(v.measured)}${v.unit}`,
      v.target,
      v.prototype,
      v.pass ? '**PASS**' : '**MISS**',
      v.perRep?.map((x) => fmt(x)).join(', ') ?? '',
    ]),
  );
}

/** Medians over repetitions of each side's figures, with the median of per-repetition ratios. */
function figures(records: RunRecord[], kind: DeviceKind): string {
  const rows: string[][] = [];
  const med = (
    target: RunRecord['target'],
    mode: Mode,
    metric: (r: NonNullable<ReturnType<typeof find>>) => number,
  ) =>
    median(
      reps(records, kind)
        .map((rep) => find(records, kind, rep, target, mode))
        .filter((r) => r !== undefined)
        .map(metric),
    );
  for (const c of CONCURRENCIES) {
    const mode = `c${c}` as Mode;
    for (const [label, metric, digits] of [
      ['throughput (req/s)', throughput, 0],
      ['p50 (ms)', p50, 3],
      ['p99 (ms)', p99, 3],
      ['CPU per request (ms)', cpu, 3],
    ] as const) {
      rows.push([
        String(c),
        label,
        fmt(med('system', mode, metric), digits),
        fmt(med('baseline', mode, metric), digits),
        `${fmt(median(ratioPerRep(records, kind, mode, metric)))}×`,
      ]);
    }
  }
  for (const [label, metric] of [
    ['not-connected answer p50 (ms)', p50],
    ['not-connected answer p99 (ms)', p99],
  ] as const) {
    rows.push([
      '1',
      label,
      fmt(med('system', 'offline', metric), 3),
      fmt(med('baseline', 'offline', metric), 3),
      '',
    ]);
  }
  return table(['concurrency', 'figure', 'system', 'baseline', 'ratio (median of per-rep ratios)'], rows);
}

/** Where the system's CPU goes at concurrency 64 (median ms per request per process). */
function cpuBreakdown(records: RunRecord[], kind: DeviceKind): string {
  const runs = records.filter((r) => r.kind === kind && r.target === 'system' && r.mode === 'c64');
  const names = Object.keys(runs[0]?.result.cpuMsPerRequest ?? {});
  return table(
    ['process', 'CPU ms per request (c=64, median)'],
    names.map((n) => [n, fmt(median(runs.map((r) => r.result.cpuMsPerRequest[n])), 4)]),
  );
}

export function renderReport(input: ReportInput): string {
  const out: string[] = [];
  out.push('# Relay benchmark (issues 3 and 11)', '');
  out.push(
    `Generated ${input.date.toISOString()} by \`${input.command}\`${input.quick ? ' — **QUICK SMOKE RUN: tiny samples, figures are not meaningful**' : ''}.`,
    '',
  );
  out.push('## Machine', '', table(['', ''], input.machine), '');
  out.push('## Method', '', ...input.method.map((m) => `- ${m}`), '');
  const before = 'before (report issue 11 started from)';
  out.push(
    '## Results against the targets of issue 11',
    '',
    "Issue 11 judges the simulator device; the immediate device's rows are shown by the same rules. Postgres runs with fsync=off and synchronous_commit=off (the test harness, libs/testing/src/postgres.ts): the recording of sync payments costs no disk flush here.",
    '',
  );
  for (const kind of input.kinds)
    out.push(
      `### ${KIND_TITLE[kind]}`,
      '',
      verdictTable(relayIssue11Verdicts(input.records, kind), before),
      '',
    );
  if (input.idle)
    out.push(
      '### Idle device sockets',
      '',
      verdictTable(
        idleVerdicts(input.idle, input.idleSteps, ISSUE11_RELAY.connect.max, {
          rss: ISSUE11_RELAY.rssKiB.before,
          connect: ISSUE11_RELAY.connect.before,
        }),
        before,
      ),
      '',
    );
  else out.push('### Idle device sockets', '', 'Skipped (`--skip-idle`).', '');
  out.push("### Issue 3's other targets (not replaced by issue 11)", '');
  for (const kind of input.kinds)
    out.push(`${kind}:`, '', verdictTable(relayIssue3Remaining(input.records, kind)), '');
  out.push('## Figures', '');
  for (const kind of input.kinds) {
    out.push(
      `### ${KIND_TITLE[kind]}`,
      '',
      figures(input.records, kind),
      '',
      `System CPU per request by process (${kind}):`,
      '',
      cpuBreakdown(input.records, kind),
      '',
    );
  }
  if (input.idle) out.push(idleSection(input.idle), '');
  out.push('## Incidents during the run', '');
  out.push(
    input.incidents.length
      ? table(
          ['what failed (and was retried)', 'times'],
          input.incidents.map(([what, n]) => [what, String(n)]),
        )
      : 'None: no call had to be retried.',
    '',
  );
  if (input.profile) out.push(...profileSection(input.profile.summaries, input.profile.dir));
  out.push('## Notes', '', ...input.notes.map((n) => `- ${n}`), '');
  out.push('## Raw per-repetition numbers', '', rawTable(input.records), '');
  out.push('## History', '', input.history.trim(), '');
  return out.join('\n');
}
