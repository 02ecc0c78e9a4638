import { percentile } from '../support/stats';
import type { AsyncPhase } from './async-report';

/** Issue 11's async targets, in one place (the report's table and the specs read them from here). */
export const ASYNC_TARGETS = {
  /** A step is sustained with 0 answers other than 202 and POST p99 at most this. */
  sustainedP99Ms: 50,
  sustainedRate: 1000,
  at500: { rate: 500, postP99Ms: 25, webhookP99Ms: 250 },
  /** Overload: every answer within this, the excess refused with 429/503 + Retry-After. */
  overloadAnswerMs: 1000,
  overloadMinRate: 200,
  /** Production durability (fsync + synchronous_commit on) ÷ the test Postgres at the same rate. */
  durableRatio: 2,
} as const;

/** What the verdicts need from one phase, computed once. */
export interface PhaseFacts {
  label: string;
  rate: number;
  sent: number;
  accepted: number;
  acceptedPerS: number;
  /** Answers other than 202 by status (0 = no answer: refused, reset, or the client's 15 s abort). */
  notAccepted: Record<number, number>;
  notAcceptedTotal: number;
  /** 429/503 answers without a Retry-After header. */
  refusalsWithoutRetryAfter: number;
  /** Answers (of any status) that took longer than 1 s from the moment they were due. */
  answeredOver1s: number;
  noAnswer: number;
  /** POST latency over EVERY request sent, an unanswered one counting as infinitely slow. */
  postP50: number;
  postP99: number;
  postMax: number;
  /** POST latency over the 202s only. */
  acceptedP99: number;
  /** Webhook latency over the accepted requests, a missing webhook counting as infinitely late. */
  webhookP50: number;
  webhookP99: number;
  webhooksMissing: number;
  refusedDispatched: number;
  refusedWebhooks: number;
  /** Total CPU ms of the system's processes per accepted request (until its webhooks were delivered). */
  cpuMsPerAccepted: number;
}

export function phaseFacts(p: AsyncPhase): PhaseFacts {
  const accepted = p.samples.filter((s) => s.status === 202);
  const notAccepted: Record<number, number> = {};
  for (const s of p.samples) if (s.status !== 202) notAccepted[s.status] = (notAccepted[s.status] ?? 0) + 1;
  const latency = p.samples.map((s) => (s.status === 0 ? Infinity : s.latencyMs)).sort((a, b) => a - b);
  const acceptedLatency = accepted.map((s) => s.latencyMs).sort((a, b) => a - b);
  const hooks = [...p.webhookMs, ...Array.from({ length: p.webhooksMissing }, () => Infinity)].sort(
    (a, b) => a - b,
  );
  const cpu = p.cpuDrained ?? p.cpu;
  const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
  return {
    label: p.label ?? `${p.rate}/s`,
    rate: p.rate,
    sent: p.samples.length,
    accepted: accepted.length,
    acceptedPerS: accepted.length / (p.durationMs / 1000),
    notAccepted,
    notAcceptedTotal: p.samples.length - accepted.length,
    refusalsWithoutRetryAfter: p.samples.filter(
      (s) => (s.status === 429 || s.status === 503) && !s.retryAfter,
    ).length,
    answeredOver1s: p.samples.filter((s) => s.status !== 0 && s.latencyMs > ASYNC_TARGETS.overloadAnswerMs)
      .length,
    noAnswer: notAccepted[0] ?? 0,
    postP50: percentile(latency, 50),
    postP99: percentile(latency, 99),
    postMax: latency[latency.length - 1] ?? NaN,
    acceptedP99: percentile(acceptedLatency, 99),
    webhookP50: percentile(hooks, 50),
    webhookP99: percentile(hooks, 99),
    webhooksMissing: p.webhooksMissing,
    refusedDispatched: p.refusedDispatched ?? 0,
    refusedWebhooks: p.refusedWebhooks ?? 0,
    cpuMsPerAccepted: accepted.length ? cpuTotal / accepted.length : NaN,
  };
}

/** A step of the step-up is sustained: every request answered 202 and POST p99 ≤ 50 ms. */
export function sustains(f: PhaseFacts): boolean {
  return f.sent > 0 && f.notAcceptedTotal === 0 && f.postP99 <= ASYNC_TARGETS.sustainedP99Ms;
}

/**
 * The highest offered rate of the step-up sustained with every lower step sustained too (the
 * step-up stops at its first failed step, so a lucky higher step cannot count); undefined when
 * even the first step failed.
 */
export function highestSustained(steps: PhaseFacts[]): number | undefined {
  let best: number | undefined;
  for (const f of [...steps].sort((a, b) => a.rate - b.rate)) {
    if (!sustains(f)) break;
    best = f.rate;
  }
  return best;
}

/** The overload phase's rate: twice the sustained rate, at least 200/s. */
export function overloadRate(sustained: number | undefined): number {
  return Math.max(ASYNC_TARGETS.overloadMinRate, 2 * (sustained ?? 0));
}

export interface AsyncVerdict {
  what: string;
  measured: string;
  goal: string;
  pass: boolean;
}

export interface AsyncRun {
  steps: PhaseFacts[];
  at500?: PhaseFacts;
  overload?: PhaseFacts;
  /** The production-durability phase and the test-Postgres phase at the same offered rate. */
  durable?: { durable: PhaseFacts; reference?: PhaseFacts };
}

const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : n > 0 ? 'no answer' : 'n/a');
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

/** "2× 429, 1× no answer" for the statuses other than 202. */
export function statusList(counts: Record<number, number>): string {
  const parts = Object.entries(counts).map(([status, n]) => `${n}× ${status === '0' ? 'no answer' : status}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** durable ÷ reference, NaN unless both are finite and the reference is positive (∞ ÷ ∞ or n ÷ ∞ mean nothing). */
export function durableRatio(durable: number, reference: number): number {
  return Number.isFinite(durable) && Number.isFinite(reference) && reference > 0 ? durable / reference : NaN;
}

/** Issue 11's async targets, judged from one run. A phase that did not run is a MISS, never a PASS. */
export function asyncVerdicts(run: AsyncRun): AsyncVerdict[] {
  const T = ASYNC_TARGETS;
  const sustained = highestSustained(run.steps);
  const top = Math.max(...run.steps.map((s) => s.rate));
  const out: AsyncVerdict[] = [
    {
      what: `highest step-up rate sustained (0 non-202, POST p99 ≤ ${T.sustainedP99Ms} ms; steps ${run.steps.map((s) => s.rate).join(', ')})`,
      measured: sustained === undefined ? 'none (the first step failed)' : `${sustained} requests/s`,
      goal: `≥ ${T.sustainedRate.toLocaleString('en')} requests/s`,
      pass: sustained !== undefined && sustained >= T.sustainedRate && top >= T.sustainedRate,
    },
  ];
  const a = run.at500;
  out.push(
    {
      what: `POST p99 at ${T.at500.rate}/s offered (every request; an unanswered one counts as infinitely slow)`,
      measured: a ? `${ms(a.postP99)} (${statusList(a.notAccepted)} not 202)` : 'not run',
      goal: `≤ ${T.at500.postP99Ms} ms`,
      pass: !!a && a.postP99 <= T.at500.postP99Ms,
    },
    {
      what: `signed webhook p99 at ${T.at500.rate}/s, from the moment the POST was due (a missing webhook counts as infinitely late)`,
      measured: a ? `${ms(a.webhookP99)} (${a.webhooksMissing} missing)` : 'not run',
      goal: `≤ ${T.at500.webhookP99Ms} ms`,
      pass: !!a && a.webhookP99 <= T.at500.webhookP99Ms,
    },
  );
  const o = run.overload;
  if (!o) {
    out.push({
      what: 'overload at 2× the sustained rate',
      measured: 'not run',
      goal: 'every answer ≤ 1 s',
      pass: false,
    });
  } else {
    const refusals = Object.entries(o.notAccepted).filter(([s]) => s !== '0' && s !== '429' && s !== '503');
    out.push(
      {
        what: `overload (${o.rate}/s offered): every request answered within ${T.overloadAnswerMs / 1000} s`,
        measured: `${o.answeredOver1s} answered later, ${o.noAnswer} not answered (client abort 15 s) of ${o.sent}`,
        goal: '0 and 0',
        pass: o.sent > 0 && o.answeredOver1s === 0 && o.noAnswer === 0,
      },
      {
        what: 'overload: the excess refused with 429/503 + Retry-After, before anything is dispatched',
        measured: `${statusList(o.notAccepted)}; ${o.refusalsWithoutRetryAfter} without Retry-After; ${o.refusedDispatched} refused requests reached a device, ${o.refusedWebhooks} got a webhook`,
        goal: 'only 429/503, all with Retry-After, 0 dispatched',
        pass:
          refusals.length === 0 &&
          o.refusalsWithoutRetryAfter === 0 &&
          o.refusedDispatched === 0 &&
          o.refusedWebhooks === 0,
      },
      {
        what: 'overload: zero 417 and zero time-outs',
        measured: `${o.notAccepted[417] ?? 0}× 417, ${o.noAnswer} time-outs`,
        goal: '0 and 0',
        pass: (o.notAccepted[417] ?? 0) === 0 && o.noAnswer === 0,
      },
      {
        what: 'overload: the accepted ones as above (every webhook delivered)',
        measured: `${o.accepted} accepted (${o.acceptedPerS.toFixed(1)}/s), POST p99 of the 202s ${ms(o.acceptedP99)}, ${o.webhooksMissing} webhooks missing`,
        goal: '0 missing',
        pass: o.accepted > 0 && o.webhooksMissing === 0,
      },
    );
  }
  const d = run.durable;
  if (!d?.reference) {
    out.push({
      what: 'production durability (fsync + synchronous_commit on) ÷ test Postgres, same rate',
      measured: d ? 'no test-Postgres phase at the same rate' : 'not run',
      goal: `≤ ${T.durableRatio}×`,
      pass: false,
    });
  } else {
    const cpuRatio = durableRatio(d.durable.cpuMsPerAccepted, d.reference.cpuMsPerAccepted);
    const p99Ratio = durableRatio(d.durable.postP99, d.reference.postP99);
    // Against a phase that left requests unanswered (p99 ∞) there is no ratio to judge: a MISS, said so.
    const unanswered = [d.durable, d.reference].some((f) => f.noAnswer > 0);
    out.push({
      what: `production durability ÷ test Postgres at ${d.durable.rate}/s: CPU ms per accepted request, POST p99`,
      measured:
        `${x(cpuRatio)} (${d.durable.cpuMsPerAccepted.toFixed(2)} ÷ ${d.reference.cpuMsPerAccepted.toFixed(2)} ms), ${x(p99Ratio)} (${ms(d.durable.postP99)} ÷ ${ms(d.reference.postP99)})` +
        (unanswered ? '; not comparable: a phase left requests unanswered' : ''),
      goal: `both ≤ ${T.durableRatio}×`,
      pass: !unanswered && cpuRatio <= T.durableRatio && p99Ratio <= T.durableRatio,
    });
  }
  return out;
}
