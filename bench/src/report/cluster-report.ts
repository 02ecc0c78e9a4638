import { statuses, type AsyncPhase } from '../async/async-report';
import type { ClusterBenchOptions } from '../cluster/cluster-options';
import { CONCURRENCIES, type Mode, type RunRecord } from '../relay/relay-phase';
import type { DeviceKind } from '../relay/relay-targets';
import { median, summarize } from '../support/stats';
import { rawTable, table } from './tables';
import { cpu, find, p50, p99, ratioPerRep, reps, throughput } from './verdicts';

type Side = 'system' | 'cluster';

export interface ClusterReportInput {
  date: Date;
  command: string;
  options: ClusterBenchOptions;
  machine: Array<[string, string]>;
  /** Process names of each side, in table order. */
  processes: Record<Side, string[]>;
  /** % of one core each process used while its system sat idle. */
  idle: Record<Side, Record<string, number>>;
  idleSampleMs: number;
  records: RunRecord[];
  phases: Record<Side, AsyncPhase[]>;
  incidents: Array<[string, number]>;
  /** 1-minute load averages sampled during the run (start, end) and the machine's core count. */
  load?: { samples: number[]; cores: number };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const KIND_TITLE: Record<DeviceKind, string> = {
  simulator: 'device = testing library DeviceSimulator (delayMs 0, events 0)',
  immediate: 'device = immediate answer in the same tick',
};

function medianOf(
  records: RunRecord[],
  kind: DeviceKind,
  side: Side,
  mode: Mode,
  metric: typeof p50,
): number {
  return median(
    reps(records, kind)
      .map((rep) => find(records, kind, rep, side, mode))
      .filter((r) => r !== undefined)
      .map(metric),
  );
}

/** One-node and cluster medians over repetitions, and the median of the per-repetition cluster ÷ one-node ratios. */
function relayTable(records: RunRecord[], kind: DeviceKind): string {
  const rows: string[][] = [];
  const modes: Array<[Mode, string]> = [
    ...CONCURRENCIES.map((c) => [`c${c}` as Mode, String(c)] as [Mode, string]),
    ['offline', '1 (not connected)'],
  ];
  for (const [mode, label] of modes) {
    for (const [name, metric, digits] of [
      ['throughput (req/s)', throughput, 0],
      ['p50 (ms)', p50, 3],
      ['p99 (ms)', p99, 3],
      ['CPU per request (ms)', cpu, 3],
    ] as const) {
      if (mode === 'offline' && name !== 'p50 (ms)' && name !== 'p99 (ms)') continue;
      const perRep = ratioPerRep(records, kind, mode, metric, 'cluster', 'system');
      rows.push([
        label,
        name,
        fmt(medianOf(records, kind, 'system', mode, metric), digits),
        fmt(medianOf(records, kind, 'cluster', mode, metric), digits),
        ratio(median(perRep)),
        perRep.map((x) => fmt(x)).join(', '),
      ]);
    }
  }
  return table(
    ['concurrency', 'figure', 'one node', 'cluster', 'cluster ÷ one node (median)', 'per repetition'],
    rows,
  );
}

/** Median CPU ms per request of each process at c = 64, both sides, with each side's total. */
function relayCpuTable(input: ClusterReportInput, kind: DeviceKind): string {
  const side = (s: Side) =>
    input.records.filter((r) => r.kind === kind && r.target === s && r.mode === 'c64').map((r) => r.result);
  const cell = (s: Side, name: string) => {
    const runs = side(s);
    return runs.length && name in runs[0].cpuMsPerRequest
      ? fmt(median(runs.map((r) => r.cpuMsPerRequest[name])), 4)
      : '';
  };
  return processTable(input, cell, 'CPU ms per request (c = 64, median)');
}

/** Rows: the one-node processes beside the cluster's (by role), then the totals. */
function processTable(
  input: ClusterReportInput,
  cell: (side: Side, name: string) => string,
  what: string,
): string {
  const rows: string[][] = [];
  const n = Math.max(input.processes.system.length, input.processes.cluster.length);
  for (let i = 0; i < n; i++) {
    const a = input.processes.system[i];
    const b = input.processes.cluster[i];
    rows.push([a ?? '', a ? cell('system', a) : '', b ?? '', b ? cell('cluster', b) : '']);
  }
  rows.push(['**total**', cell('system', 'total'), '**total**', cell('cluster', 'total')]);
  return table(['one-node process', what, 'cluster process', what], rows);
}

interface AsyncFigures {
  accepted: number;
  acceptedPerS: number;
  p50: number;
  p99: number;
  webhookP50: number;
  webhookP99: number;
  missing: number;
  notAccepted: number;
  cpuMsPerAccepted: number;
}

function asyncFigures(p: AsyncPhase): AsyncFigures {
  const accepted = p.samples.filter((s) => s.status === 202);
  const lat = summarize(accepted.map((s) => s.latencyMs));
  const hook = summarize(p.webhookMs);
  return {
    accepted: accepted.length,
    acceptedPerS: accepted.length / (p.durationMs / 1000),
    p50: lat.p50,
    p99: lat.p99,
    webhookP50: hook.p50,
    webhookP99: hook.p99,
    missing: p.webhooksMissing,
    notAccepted: p.samples.length - accepted.length,
    cpuMsPerAccepted: sum(Object.values(p.cpu)) / Math.max(1, accepted.length),
  };
}

function asyncTable(input: ClusterReportInput): string {
  const rows: string[][] = [];
  for (const [i, one] of input.phases.system.entries()) {
    const cl = input.phases.cluster[i];
    if (!cl) continue;
    const a = asyncFigures(one);
    const b = asyncFigures(cl);
    for (const [name, get, digits] of [
      ['202 per s', (f: AsyncFigures) => f.acceptedPerS, 1],
      ['not 202 (of sent)', (f: AsyncFigures) => f.notAccepted, 0],
      ['POST p50 (ms)', (f: AsyncFigures) => f.p50, 1],
      ['POST p99 (ms)', (f: AsyncFigures) => f.p99, 1],
      ['webhook p50 (ms)', (f: AsyncFigures) => f.webhookP50, 1],
      ['webhook p99 (ms)', (f: AsyncFigures) => f.webhookP99, 1],
      ['webhooks missing at the end', (f: AsyncFigures) => f.missing, 0],
      ['CPU per accepted request (ms)', (f: AsyncFigures) => f.cpuMsPerAccepted, 3],
    ] as const) {
      const x = get(a);
      const y = get(b);
      const countLike = name.startsWith('not 202') || name.startsWith('webhooks missing');
      rows.push([String(one.rate), name, fmt(x, digits), fmt(y, digits), countLike ? '' : ratio(y / x)]);
    }
  }
  return table(['offered req/s', 'figure', 'one node', 'cluster', 'cluster ÷ one node'], rows);
}

function asyncCpuTable(input: ClusterReportInput): string {
  const last = (s: Side) => input.phases[s][input.phases[s].length - 1];
  const cell = (s: Side, name: string) => {
    const p = last(s);
    if (!p) return '';
    const accepted = Math.max(1, p.samples.filter((x) => x.status === 202).length);
    const ms = name === 'total' ? sum(Object.values(p.cpu)) : p.cpu[name];
    return ms === undefined ? '' : `${fmt(ms / accepted, 3)} (${fmt((ms / p.wallMs) * 100, 0)} %)`;
  };
  return processTable(input, cell, 'CPU ms per accepted request (% of a core)');
}

function idleTable(input: ClusterReportInput): string {
  const cell = (s: Side, name: string) =>
    fmt(name === 'total' ? sum(Object.values(input.idle[s])) : (input.idle[s][name] ?? NaN), 1);
  return processTable(input, cell, '% of one core, idle');
}

function asyncRaw(input: ClusterReportInput): string {
  const rows: string[][] = [];
  for (const side of ['system', 'cluster'] as const)
    for (const p of input.phases[side]) {
      const f = asyncFigures(p);
      rows.push([
        side === 'system' ? 'one node' : 'cluster',
        String(p.rate),
        String(p.samples.length),
        String(f.accepted),
        fmt(p.wallMs, 0),
        fmt(f.p50, 1),
        fmt(f.p99, 1),
        String(p.webhookMs.length),
        fmt(median(p.outboxMs), 1),
        fmt(Math.max(...p.samples.map((s) => s.lagMs)), 1),
        f.notAccepted ? statuses(p.samples) : '0',
      ]);
    }
  return table(
    [
      'side',
      'offered req/s',
      'sent',
      '202',
      'wall ms',
      'p50 ms',
      'p99 ms',
      'webhooks',
      'outbox p50 ms',
      'max client lag ms',
      'not 202',
    ],
    rows,
  );
}

/**
 * A run on a machine that was already busy says so at the top: its absolute figures are not the
 * system's. Judged by the load average at the start: during the run it counts this benchmark's own
 * 21 processes queued on CPU 0, so its peak is high even on a quiet machine.
 */
function loadWarning(input: ClusterReportInput): string[] {
  const start = input.load?.samples[0] ?? 0;
  const peak = Math.max(...(input.load?.samples ?? [0]));
  if (!input.load || start <= input.load.cores) return [];
  return [
    `**Loaded machine**: the 1-minute load average was ${start.toFixed(1)} at the start and reached ${peak.toFixed(1)} on ${input.load.cores} cores during this run. Other processes competed for CPU 0 with both systems, so latencies and throughputs are mostly queueing for the CPU; the CPU-per-request ratios are the least disturbed figures. Regenerate on a quiet machine before quoting absolute numbers.`,
    '',
  ];
}

export function renderClusterReport(input: ClusterReportInput): string {
  const o = input.options;
  const s = o.sizes;
  const out: string[] = [];
  out.push('# Cluster benchmark (issue 10, "Measure")', '');
  out.push(
    `Generated ${input.date.toISOString()} by \`${input.command}\`${o.quick ? ' — **QUICK RUN: small samples, figures are indicative only**' : ''}.`,
    '',
    ...loadWarning(input),
    'What the production shape costs per request: the relay (sync, websocket) and async',
    '(`POST /client/v1.1/requests` + webhook) benchmarks on the one-node system and on',
    "`npm run start:cluster`'s topology, in the same run, with the same phases, offered load and",
    'CPU pinning. Ratios are cluster ÷ one node: above 1× the cluster costs more (CPU, latency),',
    'below 1× it delivers less (throughput).',
    '',
  );
  out.push('## Topology', '');
  out.push(
    table(
      ['side', 'processes (all pinned to CPU 0)', 'clients reach it'],
      [
        [
          'one node',
          input.processes.system.join(', '),
          'POS sockets on hub A, device sockets on hub B, HTTP to the gateway, all direct (as `bench:relay`); async devices on hub A (its HUB_PUBLIC_URL)',
        ],
        [
          'cluster',
          input.processes.cluster.join(', '),
          'everything through HAProxy (the `balancer`): HTTP round-robin over the gateways and admins, websockets leastconn over the 3 hubs, so a POS and its device are on the same hub about 1 time in 3',
        ],
      ],
    ),
    '',
  );
  if (input.records.length) {
    out.push('## Relay (sync payments over websockets)', '');
    for (const kind of o.kinds) {
      out.push(`### ${KIND_TITLE[kind]}`, '', relayTable(input.records, kind), '');
      out.push(`CPU per request by process (${kind}, c = 64):`, '', relayCpuTable(input, kind), '');
    }
  } else out.push('## Relay', '', 'Skipped (`--skip-relay`).', '');
  if (input.phases.system.length) {
    out.push('## Async requests (open loop, signed webhook per answer)', '', asyncTable(input), '');
    out.push(
      `CPU by process during the ${input.phases.system[input.phases.system.length - 1].rate} requests/s phase (from the first request due to the last answer; ms per accepted request, and % of one core):`,
      '',
      asyncCpuTable(input),
      '',
    );
  } else out.push('## Async requests', '', 'Skipped (`--skip-async`).', '');
  out.push(
    '## Idle cost',
    '',
    `CPU of each system doing nothing for ${input.idleSampleMs / 1000} s before the phases (NATS heartbeats and Raft, presence renewals, HAProxy's health checks): both systems stay up for the whole run on CPU 0, so this is what the idle side takes from the side being measured.`,
    '',
    idleTable(input),
    '',
  );
  out.push('## Machine', '', table(['', ''], input.machine), '');
  out.push(
    '## Method',
    '',
    `- **Both systems** are real processes from \`dist/\` started by \`libs/testing\` \`startSystem\`: the one-node side as \`bench:relay\` starts it (\`{ hubs: 2 }\`); the cluster side with \`{ natsNodes: 3, natsTls: true, auths: 2, admins: 2, gateways: 2, hubs: 3 }\` (cluster routes, JetStream with one store per node, every stream and KV bucket at replicas 3 via NATS_JS_REPLICAS, clients on TLS from a throwaway CA, per-service NATS users, each service attached to a different node first with all listed), then HAProxy (\`bench/src/cluster/balancer.ts\`: the settings of \`tools/start/haproxy.mjs\`, health checks on /readyz every 1 s, \`nbthread 1\`). LOG_LEVEL=warn and the sandbox quota lifted on both. Every process of both (Postgres: postmaster and backends; every thread) is pinned to CPU 0 with \`taskset -a -cp 0\`; this load generator, the POS and device sockets and the webhook receivers run on CPU 1.`,
    `- **Relay**: \`bench/src/relay/relay-phase.ts\` unchanged, with the cluster in the baseline's place: ${o.relayDevices} devices and ${o.posSockets} POS sockets per side; in each of ${s.reps} repetitions, for c = 1, 16, 64, one node and cluster run back to back (the order alternating between repetitions), warm-up ${s.warmup[1]}/${s.warmup[16]}/${s.warmup[64]} then ${s.count[1]}/${s.count[16]}/${s.count[64]} measured payments, then ${s.offlineCount} payments to a registered but never connected device. CPU per request is sampled after the gateways' request-event consumer has drained (every sync payment is recorded via JetStream into Postgres), as in \`bench:relay\`. Ratios are per repetition, then the median.`,
    `- **Async**: \`bench/src/async/async-target.ts\` (the code of \`bench:async\`): ${o.asyncDevices} immediate devices per side on the hub their enrol's connectionUrl names, an account with a webhook to a local receiver, 3 s warm-up at 50 requests/s, then ${o.rates.join(' and ')} requests/s offered for ${o.durationMs / 1000} s each, open loop (latency from the due time), one side after the other, alternating the order between rates. One phase per rate and side: these ratios rest on a single run each.`,
    '- **CPU** is utime+stime (+ reaped children) of each process tree from /proc, so on the cluster side it includes all three NATS nodes (replication, Raft, TLS) and HAProxy.',
    '',
  );
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
  out.push(
    '## Notes',
    '',
    "- The load average at the start says whether anything else ran (during the run it also counts this benchmark's own processes queued on CPU 0); absolute figures move with such load, and the interleaving keeps it out of the ratios as far as it can.",
    "- Both systems share one core: the cluster side has 14 processes where the one-node side has 7, so where the one-node side is CPU-bound the cluster's throughput ratio is roughly the inverse of its CPU-per-request ratio. On real machines each replica and NATS node has its own cores; these ratios are the cost per request, not the scaled-out capacity.",
    '',
  );
  if (input.records.length) out.push('## Raw relay runs', '', rawTable(input.records), '');
  if (input.phases.system.length) out.push('## Raw async phases', '', asyncRaw(input), '');
  return out.join('\n');
}
