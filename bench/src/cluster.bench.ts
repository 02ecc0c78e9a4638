/**
 * `npm run bench:cluster` — issue 10's "Measure": the relay and async benchmarks on the one-node
 * system and on start:cluster's topology (3 NATS nodes with R3 and TLS, 2 × auth/admin/gateway,
 * 3 hubs, HAProxy in front) in the same run: both systems up side by side on CPU 0 (this load
 * generator on CPU 1), the same phases and offered load interleaved, then bench/reports/cluster.md
 * with cluster ÷ one-node ratios and the per-process CPU. Stops by itself.
 * Flags: --quick (≈3 min), --reps N, --devices simulator,immediate, --rates 100,500, --duration MS,
 * --skip-relay, --skip-async, --out FILE.
 */
import { REPO_ROOT } from '@cloudflow/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { AsyncPhase } from './async/async-report';
import { prepareAsyncTarget, runAsyncPhase, warmUpAsync, type AsyncTarget } from './async/async-target';
import { startCluster, startOneNode, type BenchSystem } from './cluster/bench-systems';
import { clusterBenchOptions } from './cluster/cluster-options';
import { renderClusterReport } from './report/cluster-report';
import { runRelayPhase, type RunRecord } from './relay/relay-phase';
import { systemTarget, type RelayTarget } from './relay/relay-targets';
import { retry, sleep } from './support/async';
import { incidents, noteIncident } from './support/incidents';
import { machineFacts } from './support/machine';
import { affinity, pinSelf } from './support/proc-stats';
import {
  createBenchAccount,
  createBenchDevices,
  createBenchTenant,
  type BenchTenant,
} from './support/tenant-setup';

const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function main(): Promise<void> {
  const options = clusterBenchOptions();
  const machine = machineFacts();
  const loadAtStart = loadavg()[0];
  pinSelf(1);
  const systems: BenchSystem[] = [];
  const relayTargets: RelayTarget[] = [];
  const asyncTargets: AsyncTarget[] = [];
  const cleanup = async () => {
    for (const t of relayTargets) {
      t.closePos();
      await t.disconnectDevices().catch(() => undefined);
    }
    await Promise.all(asyncTargets.map((t) => t.stop().catch(() => undefined)));
    await Promise.all(systems.map((s) => s.stop().catch(() => undefined)));
  };
  // Bounded: whatever hangs, the run ends, and it still stops every process it started.
  const deadline = setTimeout(() => {
    log(`deadline of ${options.deadlineMs / 60_000} min reached; stopping`);
    void cleanup().finally(() => process.exit(2));
  }, options.deadlineMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    log('starting the one-node system and the cluster (3 NATS nodes, TLS, R3, 2+2+2+3 replicas, HAProxy)');
    // One after the other (21 processes starting at once overload a shared 2-core machine), each
    // tried twice: a replica missing its 30 s readiness window on a loaded machine is an incident, not a result.
    for (const [name, start] of [
      ['one-node system', startOneNode],
      ['cluster', startCluster],
    ] as const)
      systems.push(await retry(`starting the ${name}`, start, noteIncident, 2, 240_000));
    const [one, cluster] = systems;

    log('creating a tenant on each through its public APIs (the cluster: through the balancer)');
    const tenants = new Map<BenchSystem, BenchTenant>();
    // A loaded machine can make the first sign-up outlast auth's RPC timeout: retried (a new e-mail each time), counted.
    for (const s of systems)
      tenants.set(
        s,
        await retry(`tenant set-up on ${s.name}`, () => createBenchTenant(s.sys), noteIncident, 3, 60_000),
      );

    // What each system burns doing nothing (heartbeats, Raft, health checks): it shares CPU 0 with the other's runs.
    log(`sampling each system's idle CPU for ${options.idleSampleMs / 1000} s`);
    const before = systems.map((s) => s.cpu());
    await sleep(options.idleSampleMs);
    const idle = systems.map((s, i) =>
      Object.fromEntries(
        Object.entries(s.cpu()).map(([n, ms]) => [n, ((ms - before[i][n]) / options.idleSampleMs) * 100]),
      ),
    );

    const records: RunRecord[] = [];
    if (!options.skipRelay) {
      for (const s of systems) {
        const tenant = tenants.get(s)!;
        const account = await createBenchAccount(s.sys, tenant, 'bench-pos', 1000);
        const devices = await createBenchDevices(
          s.sys,
          tenant,
          account.accountId,
          'till',
          options.relayDevices,
        );
        const [offline] = await createBenchDevices(s.sys, tenant, account.accountId, 'offline', 1);
        relayTargets.push(
          await systemTarget(
            s.sys,
            tenant,
            account,
            devices,
            offline.referenceId,
            options.posSockets,
            s.cpu,
            s.route,
          ),
        );
      }
      for (const kind of options.kinds) {
        log(`relay runs with device kind "${kind}"`);
        records.push(...(await runRelayPhase([relayTargets[0], relayTargets[1]], kind, options.sizes, log)));
      }
      for (const t of relayTargets.splice(0)) t.closePos();
    }

    const phases: Record<'system' | 'cluster', AsyncPhase[]> = { system: [], cluster: [] };
    if (!options.skipAsync) {
      for (const s of systems) {
        log(`${s.name}: an account with a webhook URL and ${options.asyncDevices} devices`);
        asyncTargets.push(
          await prepareAsyncTarget({
            name: s.name,
            sys: s.sys,
            tenant: tenants.get(s)!,
            accountId: 'bench-async',
            devicePrefix: 'async',
            deviceCount: options.asyncDevices,
            cpu: s.cpu,
          }),
        );
      }
      for (const t of asyncTargets) {
        log(`${t.name}: warming up, 3 s at 50 requests/s`);
        await warmUpAsync(t);
      }
      await sleep(2000);
      for (const [k, rate] of options.rates.entries()) {
        // The order alternates between rates, as the relay runs alternate between repetitions.
        const ordered = k % 2 === 0 ? asyncTargets : [...asyncTargets].reverse();
        for (const t of ordered) {
          log(`async phase on ${t.name}: ${rate} requests/s offered for ${options.durationMs / 1000} s`);
          phases[t.name as 'system' | 'cluster'].push(await runAsyncPhase(t, rate, options.durationMs, log));
          await sleep(2000);
        }
      }
    }

    const out = isAbsolute(options.out) ? options.out : join(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    const pinning: Array<[string, string]> = [
      ...systems.flatMap((s) =>
        Object.entries(s.pids).map(
          ([name, pid]) =>
            [
              `CPU affinity of ${s.name === 'cluster' ? 'cluster' : 'one-node'} ${name} (pid ${pid})`,
              affinity(pid),
            ] as [string, string],
        ),
      ),
      [`CPU affinity of the load generator (this process, pid ${process.pid})`, affinity(process.pid)],
    ];
    const report = renderClusterReport({
      date: new Date(),
      command: `npm run bench:cluster${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      options,
      machine: [
        ...machine,
        [
          'load average at end (1/5/15 min)',
          loadavg()
            .map((x) => x.toFixed(2))
            .join(' / '),
        ],
        ['run time', `${((Date.now() - started) / 60_000).toFixed(1)} min`],
        ...pinning,
      ],
      processes: { system: Object.keys(one.pids), cluster: Object.keys(cluster.pids) },
      idle: { system: idle[0], cluster: idle[1] },
      idleSampleMs: options.idleSampleMs,
      records,
      phases,
      incidents: incidents(),
      load: { samples: [loadAtStart, loadavg()[0]], cores: cpus().length },
    });
    writeFileSync(out, report);
    log(`report written to ${out}`);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
