import type { IdleResult } from '../idle/idle-phase';
import type { LoadResult } from '../load/load-run';
import type { Mode, RunRecord } from '../relay/relay-phase';
import { idleVerdicts, recordedVerdict, relayIssue11Verdicts, relayIssue3Remaining } from './verdicts';

const result = (f: {
  throughput: number;
  p99: number;
  cpu: number;
  recorded?: number;
  ok?: number;
}): LoadResult => ({
  concurrency: 64,
  wallMs: 1000,
  throughput: f.throughput,
  latency: { count: 100, p50: 1, p99: f.p99, mean: 1, max: f.p99 },
  results: { 'paymentResponse:FULFILLED': f.ok ?? 100 },
  failures: 0,
  cpuMsPerRequest: { total: f.cpu },
  drainMs: 0,
  ...(f.recorded !== undefined ? { recorded: f.recorded } : {}),
});

/** Three repetitions; the system's figure per rep at c=16/c=64 from `sys(rep, mode)`, the baseline's fixed. */
function records(sys: (rep: number, mode: Mode) => Partial<Parameters<typeof result>[0]>): RunRecord[] {
  return [1, 2, 3].flatMap((rep) =>
    (['c1', 'c16', 'c64', 'offline'] as Mode[]).flatMap((mode): RunRecord[] => [
      {
        kind: 'simulator',
        rep,
        mode,
        order: 0,
        target: 'system',
        result: result({ throughput: 500, p99: 15, cpu: 0.2, recorded: 100, ...sys(rep, mode) }),
      },
      {
        kind: 'simulator',
        rep,
        mode,
        order: 1,
        target: 'baseline',
        result: result({ throughput: 1000, p99: 10, cpu: 0.05 }),
      },
    ]),
  );
}

const passes = (r: RunRecord[]) => relayIssue11Verdicts(r, 'simulator').map((v) => v.pass);

describe('relay verdicts (issue 11)', () => {
  it('pass at CPU ≤ 6×, throughput ≥ 0.40×, p99 ≤ 2× and every payment recorded', () => {
    // System: CPU 4×, throughput 0.5×, p99 1.5×.
    expect(passes(records(() => ({})))).toEqual([true, true, true, true, true]);
  });

  it('judge the median of the per-repetition ratios, each target on its own', () => {
    // Two of three reps at 6.4× CPU: median 6.4×, a MISS; one bad rep alone does not decide.
    expect(passes(records((rep) => (rep > 1 ? { cpu: 0.32 } : {})))[0]).toBe(false);
    expect(passes(records((rep) => (rep === 1 ? { cpu: 0.32 } : {})))[0]).toBe(true);
    expect(passes(records(() => ({ throughput: 390 })))).toEqual([true, false, true, true, true]);
    expect(passes(records((_, m) => (m === 'c16' ? { p99: 20.5 } : {})))).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(passes(records((_, m) => (m === 'c64' ? { p99: 20.5 } : {})))).toEqual([
      true,
      true,
      true,
      false,
      true,
    ]);
    expect(
      relayIssue11Verdicts(
        records(() => ({})),
        'simulator',
      )[0].measured,
    ).toBeCloseTo(4);
  });

  it('miss "every sync payment recorded" when one payment has no completed row, or nothing was counted', () => {
    const one = records((rep, m) => (rep === 2 && m === 'c64' ? { recorded: 99 } : {}));
    expect(recordedVerdict(one, 'simulator')).toMatchObject({ pass: false });
    expect(recordedVerdict(one, 'simulator').what).toContain('899 of 900');
    // The not-connected runs record connectionLost, not completed: they are not counted.
    const offlineOff = records((_, m) => (m === 'offline' ? { recorded: 0 } : {}));
    expect(recordedVerdict(offlineOff, 'simulator').pass).toBe(true);
    const uncounted = records(() => ({})).map((r) => ({
      ...r,
      result: { ...r.result, recorded: undefined },
    }));
    expect(recordedVerdict(uncounted, 'simulator').pass).toBe(false);
  });

  it("keeps issue 3's p50 and not-connected targets apart", () => {
    expect(
      relayIssue3Remaining(
        records(() => ({})),
        'simulator',
      ).map((v) => v.what.split(',')[0]),
    ).toEqual(['p50 at concurrency 1', 'not-connected answer ÷ successful round trip (p50']);
  });

  it('judge idle sockets at connect ≤ 2× the plain ws server and ≤ 10 KiB per socket', () => {
    const idle = (hubMs: number, kib: number, failed = 0): IdleResult => ({
      devicesRegistered: 10_000,
      registerMs: 1,
      parallel: 64,
      servers: (['plain ws server', 'hub'] as const).map((server) => ({
        server,
        rssBeforeBytes: 0,
        steps: [
          {
            sockets: 10_000,
            rssBytes: 1,
            perSocketBytes: (server === 'hub' ? kib : 5) * 1024,
            batch: {
              ms: server === 'hub' ? hubMs : 1000,
              retries: 0,
              failed: server === 'hub' ? failed : 0,
              errors: {},
            },
          },
        ],
      })),
    });
    const pass = (r: IdleResult) => idleVerdicts(r, [10_000]).map((v) => v.pass);
    expect(pass(idle(1990, 9.9))).toEqual([true, true]);
    expect(pass(idle(2010, 9.9))).toEqual([true, false]);
    expect(pass(idle(1500, 10.1))).toEqual([false, true]);
    expect(pass(idle(1500, 9, 1))).toEqual([true, false]);
    expect(pass(idle(1500, -2))).toEqual([false, true]);
    // Issue 3's stricter 1.5× is still available to whoever asks for it.
    expect(idleVerdicts(idle(1600, 9), [10_000], 1.5)[1].pass).toBe(false);
  });
});
