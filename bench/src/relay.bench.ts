/**
 * `npm run bench:relay` — issue 3's relay benchmark, one command, loopback only, stops by itself.
 * Starts the real system with two hubs (pinned to CPU 0; this load generator runs on CPU 1),
 * measures the sync round trip against the no-broker baseline, interleaved and repeated, then
 * idle device sockets next to a plain ws server, and writes bench/reports/relay.md.
 * Flags: --quick (smoke sizes), --skip-idle, --only idle (that phase alone, JSON out), --idle-hub-cpu-prof DIR, --profile DIR (every service profiled, top entries in the report), --reps N, --devices simulator,immediate, --idle 10000,18000, --out FILE.
 */
import { REPO_ROOT, startSystem, type System } from '@cloudflow/testing';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { runIdlePhase, type IdleResult } from './idle/idle-phase';
import { renderReport } from './report/relay-report';
import { methodNotes } from './report/method';
import { runRelayPhase, type RunRecord } from './relay/relay-phase';
import { baselineTarget, systemTarget, type RelayTarget } from './relay/relay-targets';
import { startBenchServer, type BenchServer } from './support/bench-process';
import { benchOptions } from './support/bench-options';
import { startCredentialShim, type CredentialShim } from './support/credential-shim';
import { monotonicUs, summarizeProfileDir, type ProfileWindow } from './support/cpu-profile';
import { incidents } from './support/incidents';
import { machineFacts } from './support/machine';
import { affinity, cpuMs, pinSelf, pinTree } from './support/proc-stats';
import { createBenchAccount, createBenchDevices, createBenchTenant } from './support/tenant-setup';

const started = Date.now();
const IDLE_HUB = 'hub C (the idle-socket phase, its own start-up included)';
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function main(): Promise<void> {
  const options = benchOptions();
  const machine = machineFacts();
  pinSelf(1);
  let sys: System | undefined;
  let baseline: BenchServer | undefined;
  let shim: CredentialShim | undefined;
  const targets: RelayTarget[] = [];
  const cleanup = async () => {
    for (const t of targets) {
      t.closePos();
      await t.disconnectDevices().catch(() => undefined);
    }
    // Once only: with --profile the report is written after an early cleanup (profiles are written at stop).
    const [sh, bl, sy] = [shim, baseline, sys];
    shim = baseline = sys = undefined;
    await sh?.close();
    await bl?.stop();
    await sy?.stop();
  };
  // Bounded: whatever hangs, the run ends, and it still stops every process it started.
  const deadline = setTimeout(() => {
    log(`deadline of ${options.deadlineMs / 60_000} min reached; stopping`);
    void cleanup().finally(() => process.exit(2));
  }, options.deadlineMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    log('starting NATS, Postgres, auth, admin, gateway and two hubs');
    // The sandbox key's daily quota and rate would stop the setup, not the relay: lift them.
    sys = await startSystem({
      hubs: 2,
      env: {
        SANDBOX_USAGE_LIMIT_PER_DAY: '1000000000',
        SANDBOX_RATE_PER_SECOND: '1000000',
        // Bench accounts may hold more sockets (idle steps up to 18,100) than the 10,000 default ceiling.
        CONNECTION_LIMIT_CEILING: '100000',
        ...(options.profileDir
          ? { CLOUDFLOW_CPU_PROF: 'auth,admin,gateway,hub', CLOUDFLOW_CPU_PROF_DIR: options.profileDir }
          : {}),
      },
    });
    const s = sys;
    const pids: Record<string, number> = {
      nats: s.nats.child.pid,
      postgres: s.postgres.child.pid,
      auth: s.auth.child.pid,
      admin: s.admin.child.pid,
    };
    s.gateways.forEach((g, i) => (pids[`gateway${i ? i + 1 : ''}`] = g.child.pid));
    pids['hub A (POS)'] = s.hubs[0].child.pid;
    pids['hub B (devices)'] = s.hubs[1].child.pid;
    for (const pid of Object.values(pids)) pinTree(pid, 0);
    const systemCpu = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));

    log('creating the tenant, the account and the devices through the public APIs');
    const tenant = await createBenchTenant(s);
    if (options.onlyIdle) {
      log(`idle sockets only: ${options.idleSteps.join(', ')}`);
      const idle = await runIdlePhase(
        s,
        tenant,
        options.idleSteps,
        options.idleParallel,
        log,
        options.idleHubCpuProf,
      );
      const out = isAbsolute(options.out) ? options.out : join(REPO_ROOT, options.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(
        out,
        JSON.stringify(
          {
            date: new Date(),
            machine,
            pinning: Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, affinity(p)])),
            idle,
          },
          null,
          2,
        ),
      );
      log(`idle result written to ${out}`);
      return;
    }
    const account = await createBenchAccount(s, tenant, 'bench-pos', 1000);
    const devices = await createBenchDevices(s, tenant, account.accountId, 'till', options.devices);
    const [offline] = await createBenchDevices(s, tenant, account.accountId, 'offline', 1);

    baseline = await startBenchServer('baseline-relay', s.logDir);
    pinTree(baseline.child.pid, 0);
    shim = await startCredentialShim(baseline.url);
    const baselinePid = baseline.child.pid;
    targets.push(
      await systemTarget(s, tenant, account, devices, offline.referenceId, options.posSockets, systemCpu),
      await baselineTarget(
        baseline.url,
        shim,
        devices.map((d) => d.referenceId),
        offline.referenceId,
        options.posSockets,
        () => ({ baseline: cpuMs(baselinePid) }),
      ),
    );
    const pinning: Array<[string, string]> = [
      ...Object.entries(pids),
      ['baseline relay', baselinePid] as const,
      ['load generator (this process)', process.pid] as const,
    ].map(([name, pid]) => [`CPU affinity of ${name} (pid ${pid})`, affinity(pid)]);

    const records: RunRecord[] = [];
    // The profiles' summaries count only the relay runs (hub C: the idle phase), not start-up and set-up.
    const relayWindow: ProfileWindow = { fromUs: monotonicUs(), toUs: Infinity };
    const idleWindow: ProfileWindow = { fromUs: 0, toUs: Infinity };
    for (const kind of options.kinds) {
      log(`relay runs with device kind "${kind}"`);
      records.push(...(await runRelayPhase([targets[0], targets[1]], kind, options.sizes, log)));
    }
    relayWindow.toUs = monotonicUs();
    for (const t of targets.splice(0)) t.closePos();
    await baseline.stop();

    let idle: IdleResult | undefined;
    if (!options.skipIdle) {
      log(`idle sockets: ${options.idleSteps.join(', ')}`);
      idleWindow.fromUs = monotonicUs();
      idle = await runIdlePhase(
        s,
        tenant,
        options.idleSteps,
        options.idleParallel,
        log,
        options.idleHubCpuProf,
      );
      idleWindow.toUs = monotonicUs();
    }

    const out = isAbsolute(options.out) ? options.out : join(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    const hubLabels = new Map([
      [s.hubs[0].port, 'hub A (POS)'],
      [s.hubs[1].port, 'hub B (devices)'],
    ]);
    const runMinutes = (Date.now() - started) / 60_000;
    // Profiles are written when the services stop: stop the system before summarising them.
    if (options.profileDir) await cleanup();
    const profile = options.profileDir
      ? {
          dir: options.profileDir,
          summaries: summarizeProfileDir(
            options.profileDir,
            (service, port) => (service === 'hub' ? (hubLabels.get(port ?? -1) ?? IDLE_HUB) : service),
            10,
            (label) => (label === IDLE_HUB ? idleWindow : relayWindow),
          ),
        }
      : undefined;
    const report = renderReport({
      date: new Date(),
      command: `npm run bench:relay${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      quick: options.quick,
      machine: [
        ...machine,
        ...pinning,
        [
          'load average at end (1/5/15 min)',
          loadavg()
            .map((x) => x.toFixed(2))
            .join(' / '),
        ],
        ['run time', `${runMinutes.toFixed(1)} min`],
      ],
      ...methodNotes(options, Object.keys(pids)),
      kinds: options.kinds,
      records,
      idle,
      idleSteps: options.idleSteps,
      incidents: incidents(),
      ...(profile ? { profile } : {}),
      history: readFileSync(join(REPO_ROOT, 'bench/history/relay.md'), 'utf8'),
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
