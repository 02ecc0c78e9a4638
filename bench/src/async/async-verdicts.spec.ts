import type { AsyncPhase } from './async-report';
import { renderAsyncReport } from './async-report';
import {
  asyncVerdicts,
  highestSustained,
  overloadRate,
  phaseFacts,
  sustains,
  type AsyncRun,
} from './async-verdicts';
import type { Sample } from './open-loop';

/** A phase of `n` requests at `rate`: latency `ms` for all, statuses and Retry-After per request from `status(i)`. */
function phase(
  rate: number,
  opts: {
    n?: number;
    ms?: (i: number) => number;
    status?: (i: number) => number;
    retryAfter?: (i: number) => string | undefined;
    webhookMs?: number;
    missing?: number;
    cpuMs?: number;
    label?: string;
    refusedDispatched?: number;
  } = {},
): AsyncPhase {
  const n = opts.n ?? 100;
  const samples: Sample[] = Array.from({ length: n }, (_, i) => {
    const retryAfter = opts.retryAfter?.(i);
    return {
      dueMs: i,
      lagMs: 0,
      latencyMs: opts.ms?.(i) ?? 10,
      status: opts.status?.(i) ?? 202,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    };
  });
  const accepted = samples.filter((s) => s.status === 202).length;
  return {
    label: opts.label ?? 'step-up',
    rate,
    durationMs: 1000,
    devices: 300,
    samples,
    webhookMs: Array.from({ length: accepted - (opts.missing ?? 0) }, () => opts.webhookMs ?? 100),
    webhooksMissing: opts.missing ?? 0,
    outboxMs: [5],
    cpu: { gateway: opts.cpuMs ?? accepted },
    wallMs: 1000,
    refusedDispatched: opts.refusedDispatched ?? 0,
    refusedWebhooks: 0,
  };
}

describe('async verdicts (issue 11)', () => {
  it('a step is sustained only with every answer 202 and POST p99 ≤ 50 ms', () => {
    expect(sustains(phaseFacts(phase(100)))).toBe(true);
    expect(sustains(phaseFacts(phase(100, { status: (i) => (i === 0 ? 429 : 202) })))).toBe(false);
    // p99 of 100 samples is the 99th: two slow answers push it over.
    expect(sustains(phaseFacts(phase(100, { ms: (i) => (i >= 98 ? 51 : 10) })))).toBe(false);
    expect(sustains(phaseFacts(phase(100, { ms: (i) => (i >= 99 ? 500 : 10) })))).toBe(true);
  });

  it('an unanswered request counts as infinitely slow in the POST p99', () => {
    const f = phaseFacts(phase(500, { status: (i) => (i < 2 ? 0 : 202) }));
    expect(f.postP99).toBe(Infinity);
    expect(f.noAnswer).toBe(2);
  });

  it('the highest sustained rate stops at the first failed step, whatever a later step did', () => {
    const steps = [
      phaseFacts(phase(100)),
      phaseFacts(phase(200)),
      phaseFacts(phase(400, { status: (i) => (i < 5 ? 429 : 202) })),
      phaseFacts(phase(800)),
    ];
    expect(highestSustained(steps)).toBe(200);
    expect(highestSustained([...steps].reverse())).toBe(200);
    expect(highestSustained([phaseFacts(phase(100, { ms: () => 60 }))])).toBeUndefined();
    expect(overloadRate(undefined)).toBe(200);
    expect(overloadRate(50)).toBe(200);
    expect(overloadRate(1200)).toBe(2400);
  });

  const good: AsyncRun = {
    steps: [100, 200, 400, 800, 1200].map((r) => phaseFacts(phase(r))),
    at500: phaseFacts(phase(500, { label: '500/s' })),
    overload: phaseFacts(
      phase(2400, {
        label: 'overload',
        status: (i) => (i % 2 ? 429 : 202),
        retryAfter: (i) => (i % 2 ? '1' : undefined),
        ms: () => 20,
      }),
    ),
    durable: {
      durable: phaseFacts(phase(500, { label: 'durable', cpuMs: 150, ms: () => 15 })),
      reference: phaseFacts(phase(500, { label: '500/s', cpuMs: 100 })),
    },
  };

  it('passes every target on a run that meets them', () => {
    const v = asyncVerdicts(good);
    expect(v.filter((x) => !x.pass).map((x) => x.what)).toEqual([]);
    expect(v[0].measured).toBe('1200 requests/s');
  });

  it('misses a sustained rate below 1,000/s, and a step-up that never offered 1,000/s', () => {
    expect(asyncVerdicts({ ...good, steps: good.steps.slice(0, 4) })[0].pass).toBe(false);
    const failingTop = [...good.steps.slice(0, 3), phaseFacts(phase(800, { ms: () => 80 }))];
    expect(asyncVerdicts({ ...good, steps: failingTop })[0]).toMatchObject({
      pass: false,
      measured: '400 requests/s',
    });
  });

  it('misses the 500/s targets on a slow POST or a late or missing webhook', () => {
    const at = (p: AsyncPhase) => asyncVerdicts({ ...good, at500: phaseFacts(p) });
    expect(at(phase(500, { ms: (i) => (i >= 98 ? 26 : 5) }))[1].pass).toBe(false);
    expect(at(phase(500, { webhookMs: 251 }))[2].pass).toBe(false);
    expect(at(phase(500, { missing: 2 }))[2].pass).toBe(false);
    expect(asyncVerdicts({ ...good, at500: undefined })[1]).toMatchObject({
      pass: false,
      measured: 'not run',
    });
  });

  it('misses overload on a late answer, a 417, a refusal without Retry-After, or a refused request that was dispatched', () => {
    const over = (opts: Parameters<typeof phase>[1]) =>
      asyncVerdicts({ ...good, overload: phaseFacts(phase(2400, { label: 'overload', ...opts })) })
        .filter((v) => v.what.startsWith('overload'))
        .map((v) => v.pass);
    const refuse = {
      status: (i: number) => (i % 2 ? 503 : 202),
      retryAfter: (i: number) => (i % 2 ? '1' : undefined),
    };
    expect(over(refuse)).toEqual([true, true, true, true]);
    expect(over({ ...refuse, ms: (i) => (i === 3 ? 1001 : 20) })).toEqual([false, true, true, true]);
    expect(over({ ...refuse, status: (i) => (i === 1 ? 417 : i % 2 ? 503 : 202) })).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(over({ ...refuse, retryAfter: (i) => (i % 2 && i !== 1 ? '1' : undefined) })).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(over({ ...refuse, refusedDispatched: 1 })).toEqual([true, false, true, true]);
    expect(over({ ...refuse, status: (i) => (i === 1 ? 0 : i % 2 ? 503 : 202) })).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });

  it('compares the durable row with the test-Postgres row at the same rate, both figures within 2×', () => {
    const durable = (cpuMs: number, ms: number) =>
      asyncVerdicts({
        ...good,
        durable: {
          durable: phaseFacts(phase(500, { cpuMs, ms: () => ms })),
          reference: good.durable!.reference,
        },
      }).at(-1)!;
    expect(durable(199, 19).pass).toBe(true);
    expect(durable(201, 10).pass).toBe(false);
    expect(durable(100, 21).pass).toBe(false);
    expect(asyncVerdicts({ ...good, durable: undefined }).at(-1)!.pass).toBe(false);
    // A test-Postgres phase with unanswered requests (p99 ∞) makes any ratio meaningless: never a PASS.
    const stalled = phaseFacts(phase(500, { status: (i) => (i < 2 ? 0 : 202) }));
    const v = asyncVerdicts({ ...good, durable: { durable: good.durable!.durable, reference: stalled } }).at(
      -1,
    )!;
    expect(v.pass).toBe(false);
    expect(v.measured).toContain('not comparable');
  });

  it('renders the PASS/MISS table first, every phase, the durable comparison and the history', () => {
    const phases = [
      ...[100, 200].map((r) => phase(r)),
      phase(500, { label: '500/s' }),
      phase(400, { label: 'overload' }),
      phase(100, { label: 'durable' }),
    ];
    phases.forEach(
      (p, i) =>
        (p.durability =
          i === 4 ? { fsync: 'on', synchronousCommit: 'on' } : { fsync: 'off', synchronousCommit: 'off' }),
    );
    const md = renderAsyncReport({
      date: new Date(0),
      command: 'node dist/bench/src/async.bench.js',
      quick: false,
      phases,
      run: {
        steps: phases.slice(0, 2).map(phaseFacts),
        at500: phaseFacts(phases[2]),
        overload: phaseFacts(phases[3]),
        durable: { durable: phaseFacts(phases[4]), reference: phaseFacts(phases[0]) },
      },
      machine: [['CPU', 'test']],
      notes: ['a note'],
      history: '### Issue 11 baseline\n\nold rows',
    });
    const sections = md.split('\n').filter((l) => l.startsWith('## '));
    expect(sections[0]).toBe('## Issue 11 targets');
    expect(sections).toContain('## The cost of a durable commit (100/s offered)');
    expect(sections.at(-1)).toBe('## History');
    expect(md).toContain('| durable | 100 | fsync on, sync commit on |');
    expect(md).toContain('fsync=off, synchronous_commit=off');
    expect(md).toContain('old rows');
    expect(md).toMatch(/highest step-up rate sustained.*\| 200 requests\/s \|.*\*\*MISS\*\*/);
  });
});
