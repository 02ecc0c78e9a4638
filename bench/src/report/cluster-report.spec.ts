import type { AsyncPhase } from '../async/async-report';
import { clusterBenchOptions } from '../cluster/cluster-options';
import type { LoadResult } from '../load/load-run';
import type { Mode, RunRecord } from '../relay/relay-phase';
import { renderClusterReport, type ClusterReportInput } from './cluster-report';

const result = (throughput: number, cpuTotal: number): LoadResult => ({
  concurrency: 64,
  wallMs: 1000,
  throughput,
  latency: { count: 100, p50: 1000 / throughput, p99: 2000 / throughput, mean: 1, max: 1 },
  results: { 'paymentResponse:FULFILLED': 100 },
  failures: 0,
  cpuMsPerRequest: { total: cpuTotal, nats: cpuTotal / 2 },
  drainMs: 0,
});

const phase = (accepted: number, cpuMs: number): AsyncPhase => ({
  rate: 100,
  durationMs: 10_000,
  devices: 300,
  samples: Array.from({ length: 1000 }, (_, i) => ({
    dueMs: i,
    lagMs: 0,
    latencyMs: 10,
    status: i < accepted ? 202 : 412,
  })),
  webhookMs: [50],
  webhooksMissing: 0,
  outboxMs: [5],
  cpu: { gateway: cpuMs },
  wallMs: 10_000,
});

describe('the cluster report', () => {
  // Two repetitions: the cluster at half and at 0.3 of the one-node throughput, at 2× and 4× its CPU.
  const records: RunRecord[] = [1, 2].flatMap((rep) =>
    (['c1', 'c16', 'c64', 'offline'] as Mode[]).flatMap((mode) => [
      { kind: 'immediate', rep, mode, order: 0, target: 'system', result: result(1000, 1) },
      {
        kind: 'immediate',
        rep,
        mode,
        order: 1,
        target: 'cluster',
        result: result(rep === 1 ? 500 : 300, rep === 1 ? 2 : 4),
      },
    ]),
  );
  const input: ClusterReportInput = {
    date: new Date(0),
    command: 'npm run bench:cluster',
    options: { ...clusterBenchOptions([]), kinds: ['immediate'] },
    machine: [['CPU', 'test']],
    processes: { system: ['nats', 'gateway'], cluster: ['nats-1', 'gateway-1', 'balancer'] },
    idle: { system: { nats: 1 }, cluster: { 'nats-1': 2, balancer: 1 } },
    idleSampleMs: 1000,
    records,
    phases: { system: [phase(1000, 10_000)], cluster: [phase(500, 10_000)] },
    incidents: [],
  };
  const report = renderClusterReport(input);

  it('gives the median of the per-repetition cluster ÷ one-node ratios beside both medians', () => {
    expect(report).toContain('| 64 | throughput (req/s) | 1000 | 400 | 0.40× | 0.50, 0.30 |');
    expect(report).toContain('| 64 | CPU per request (ms) | 1.000 | 3.000 | 3.00× | 2.00, 4.00 |');
  });

  it('charges async CPU per accepted request, so refusals do not make the cluster look cheap', () => {
    // Same CPU, half the 202s: twice the CPU per accepted request.
    expect(report).toContain('| 100 | CPU per accepted request (ms) | 10.000 | 20.000 | 2.00× |');
    expect(report).toContain('| 100 | 202 per s | 100.0 | 50.0 | 0.50× |');
  });

  it('warns at the top when the load average was far above the core count, and only then', () => {
    expect(report).not.toContain('Loaded machine');
    const loaded = renderClusterReport({ ...input, load: { samples: [3, 25.9], cores: 2 } });
    expect(loaded).toContain(
      '**Loaded machine**: the 1-minute load average was 3.0 at the start and reached 25.9 on 2 cores',
    );
    // A quiet start: the peak is the benchmark's own processes queued on one core.
    expect(renderClusterReport({ ...input, load: { samples: [0.5, 8.3], cores: 2 } })).not.toContain(
      'Loaded machine',
    );
  });

  it('lists every process of both sides in the CPU tables', () => {
    expect(report).toMatch(/\| nats \| 1\.0 \| nats-1 \| 2\.0 \|/);
    expect(report).toMatch(/\|  \|  \| balancer \| 1\.0 \|/);
  });
});
