import { profileSection } from '../report/profile-section';
import { table } from '../report/tables';
import type { ProfileSummary } from '../support/cpu-profile';
import { summarize } from '../support/stats';
import { asyncVerdicts, durableRatio, phaseFacts, statusList, type AsyncRun } from './async-verdicts';
import type { Sample } from './open-loop';

export interface AsyncPhase {
  /** Which part of the run: `step-up`, `500/s`, `overload`, `durable`, or `<rate>/s`. */
  label?: string;
  rate: number;
  /** Refused requests (not 202) that nevertheless reached a device, or got a webhook: both must be 0. */
  refusedDispatched?: number;
  refusedWebhooks?: number;
  /** Postgres's commit settings of the system this phase ran on (SHOW fsync / synchronous_commit). */
  durability?: { fsync: string; synchronousCommit: string };
  durationMs: number;
  devices: number;
  samples: Sample[];
  /** POST due → the paymentResponse webhook accepted by the receiver, per 202'd request. */
  webhookMs: number[];
  webhooksMissing: number;
  /** Outbox row created → delivered (the worker's share), from the gateway's timestamps. */
  outboxMs: number[];
  /** CPU ms of the system's processes during the phase, by process. */
  cpu: Record<string, number>;
  /** CPU ms by process from the first request due until its webhooks were delivered (or the wait for them gave up). */
  cpuDrained?: Record<string, number>;
  /** Wall time from the first request due to the last answer (CPU shares are over this). */
  wallMs: number;
  /** NATS messages published (in) and received (out) during the phase, by user (all hubs as `hub`). */
  natsMessages?: Record<string, { inMsgs: number; outMsgs: number }>;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : n > 0 ? '∞' : 'n/a');

export interface AsyncReportInput {
  date: Date;
  command: string;
  quick: boolean;
  /** Every phase in the order it ran. */
  phases: AsyncPhase[];
  run: AsyncRun;
  machine: Array<[string, string]>;
  notes: string[];
  profile?: { dir: string; summaries: ProfileSummary[] };
  /** The "History" section's Markdown (bench/history/async.md), kept across regenerations. */
  history: string;
}

const durabilityOf = (p: AsyncPhase) =>
  p.durability ? `fsync ${p.durability.fsync}, sync commit ${p.durability.synchronousCommit}` : '?';

export function renderAsyncReport(input: AsyncReportInput): string {
  const { phases } = input;
  const facts = phases.map(phaseFacts);
  const verdicts = asyncVerdicts(input.run);
  const rows = phases.map((p, k) => {
    const x = facts[k];
    return [
      x.label,
      String(p.rate),
      durabilityOf(p),
      String(x.sent),
      f(x.acceptedPerS),
      f(x.postP50),
      f(x.postP99),
      f(x.postMax),
      x.notAcceptedTotal ? statusList(x.notAccepted) : '0',
      String(x.refusalsWithoutRetryAfter),
      String(x.answeredOver1s),
      f(Math.max(...p.samples.map((s) => s.lagMs))),
    ];
  });
  const hooks = phases.map((p, k) => {
    const o = summarize(p.outboxMs);
    return [
      facts[k].label,
      String(p.rate),
      String(p.webhookMs.length),
      String(p.webhooksMissing),
      f(facts[k].webhookP50),
      f(facts[k].webhookP99),
      f(summarize(p.webhookMs).max),
      f(o.p50),
      f(o.p99),
    ];
  });
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.cpu)))];
  const cpu = phases.map((p, k) => [
    facts[k].label,
    String(p.rate),
    ...names.map((name) => f(((p.cpu[name] ?? NaN) / p.wallMs) * 100, 0)),
  ]);
  // CPU ms per accepted request: the number issue 11 is judged by (it survives a loaded machine better than latency).
  const perRequest = phases.map((p, k) => {
    const accepted = facts[k].accepted;
    const c = p.cpuDrained ?? p.cpu;
    return [
      facts[k].label,
      String(p.rate),
      durabilityOf(p),
      ...names.map((name) => f((c[name] ?? NaN) / accepted, 2)),
      f(facts[k].cpuMsPerAccepted, 2),
    ];
  });
  // NATS messages per accepted request: each one is a syscall-sized write on both ends.
  const users = [...new Set(phases.flatMap((p) => Object.keys(p.natsMessages ?? {})))].sort();
  const messages = phases
    .map((p, k) => ({ p, x: facts[k] }))
    .filter(({ p }) => p.natsMessages)
    .map(({ p, x }) => [
      x.label,
      String(p.rate),
      ...users.map(
        (u) =>
          `${f((p.natsMessages![u]?.inMsgs ?? 0) / x.accepted)} / ${f((p.natsMessages![u]?.outMsgs ?? 0) / x.accepted)}`,
      ),
    ]);
  const d = input.run.durable;
  const durable = d?.reference
    ? (() => {
        const pair = [d.reference, d.durable];
        const row = (what: string, v: (x: (typeof pair)[number]) => number, digits = 1) => [
          what,
          f(v(pair[0]), digits),
          f(v(pair[1]), digits),
          `${f(durableRatio(v(pair[1]), v(pair[0])), 2)}×`,
        ];
        return [
          `## The cost of a durable commit (${d.durable.rate}/s offered)`,
          '',
          'The same bench, set-up and rate on a second, fresh system whose Postgres runs with its production defaults (fsync, synchronous_commit and full_page_writes on), beside the phase at the same rate on the test Postgres (all three off). One run each, minutes apart.',
          '',
          table(
            ['figure', 'test Postgres (fsync off)', 'production durability (fsync on)', 'ratio'],
            [
              row('CPU ms per accepted request (all processes)', (x) => x.cpuMsPerAccepted, 2),
              row('POST p50 ms', (x) => x.postP50),
              row('POST p99 ms', (x) => x.postP99),
              row('webhook p99 ms', (x) => x.webhookP99),
              row('202 per s', (x) => x.acceptedPerS),
            ],
          ),
          '',
        ];
      })()
    : [];
  return [
    '# Async requests benchmark (`POST /client/v1.1/requests`)',
    '',
    `Generated by \`${input.command}\` on ${input.date.toISOString()}${input.quick ? ' — **QUICK SMOKE RUN: short phases, figures are not meaningful**' : ''}.`,
    '',
    'Postgres: the test harness runs it with **fsync=off, synchronous_commit=off, full_page_writes=off** (libs/testing/src/postgres.ts) for every row except the one marked "durable", which runs on a second system at Postgres\'s production defaults (all on); each row names its settings, read back with `SHOW` from the running server.',
    '',
    '## Issue 11 targets',
    '',
    table(
      ['target', 'measured', 'goal', 'result'],
      verdicts.map((v) => [v.what, v.measured, v.goal, v.pass ? '**PASS**' : '**MISS**']),
    ),
    '',
    '## Throughput and latency of POST /requests (open loop)',
    '',
    table(
      [
        'phase',
        'offered req/s',
        'commit settings',
        'sent',
        '202 per s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'not 202',
        '429/503 without Retry-After',
        'answered > 1 s',
        'max client lag ms',
      ],
      rows,
    ),
    '',
    'Latency runs from the moment a request was due (open loop), so it includes any queueing in the',
    'client, the gateway, NATS, the hub and Postgres; p50/p99/max are over every request sent (an',
    'unanswered one counts as ∞); "202 per s" counts answered 202s over the phase duration; "no',
    'answer" is a refused or reset connection or the client\'s own 15 s abort. The step-up stops at',
    'its first step that is not sustained.',
    '',
    '## Webhook delivery (same requests)',
    '',
    'From the moment the POST was due to the signed `paymentResponse` accepted by a local receiver',
    '(device answers at once, so this is the gateway → device → gateway → outbox → worker → HTTP path);',
    'p50/p99 count a missing webhook as ∞.',
    '',
    table(
      [
        'phase',
        'offered req/s',
        'delivered',
        'missing at the end',
        'p50 ms',
        'p99 ms',
        'max ms',
        'outbox p50 ms',
        'outbox p99 ms',
      ],
      hooks,
    ),
    '',
    '"outbox" is the part spent between the row being committed (with the device\'s answer) and',
    "the receiver's 2xx being recorded, from the gateway's own timestamps.",
    '',
    '## CPU of the system during each phase (% of one core, from the first request due to the last answer)',
    '',
    table(['phase', 'offered req/s', ...names], cpu),
    '',
    '## CPU ms per accepted request, by process (CPU from the first request due until its webhooks were delivered, over the 202 answers)',
    '',
    table(['phase', 'offered req/s', 'commit settings', ...names, 'total'], perRequest),
    '',
    ...(messages.length
      ? [
          "## NATS messages per accepted request, by user (published / received, from the server's `/connz`, until the webhooks were delivered)",
          '',
          table(['phase', 'offered req/s', ...users], messages),
          '',
        ]
      : []),
    ...durable,
    ...(input.profile ? profileSection(input.profile.summaries, input.profile.dir) : []),
    '## Machine',
    '',
    table(['what', 'value'], input.machine),
    '',
    '## Notes',
    '',
    ...input.notes.map((n) => `- ${n}`),
    '',
    '## History',
    '',
    input.history.trim(),
    '',
  ].join('\n');
}

/** `n× status` of the answers that were not 202 (0 = no answer: refused, reset, client timeout). */
export function statuses(samples: Sample[]): string {
  const counts = new Map<number, number>();
  for (const s of samples) if (s.status !== 202) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n}× ${status || 'no answer'}`).join(', ');
}
