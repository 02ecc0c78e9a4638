/**
 * Async requests benchmark (issues 4 and 11): `POST /client/v1.1/requests`, open loop, devices
 * answering at once and every answer going out as a signed webhook to a local receiver. A step-up
 * (100, 200, 400, 800, 1,200 requests/s until a step is not sustained), then 500/s, then an
 * overload phase at twice the sustained rate, then the same on a second system whose Postgres
 * commits durably. Every system process on CPU 0, this load generator on CPU 1. Writes
 * bench/reports/async.md with issue 11's PASS/MISS table; stops by itself.
 * Run: node tools/build.mjs --quiet && node dist/bench/src/async.bench.js [--quick] [--rates …] [--duration MS] [--devices N] [--skip-durable] [--profile DIR] [--out FILE]
 */
import { REPO_ROOT, startSystem, type System } from '@cloudflow/testing';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Client } from 'pg';
import { asyncBenchOptions, type AsyncBenchOptions } from './async/async-options';
import { renderAsyncReport, type AsyncPhase } from './async/async-report';
import { prepareAsyncTarget, runAsyncPhase, warmUpAsync, type AsyncTarget } from './async/async-target';
import { highestSustained, overloadRate, phaseFacts, sustains, type AsyncRun } from './async/async-verdicts';
import { sleep } from './support/async';
import {
  monotonicUs,
  summarizeProfileDir,
  type ProfileSummary,
  type ProfileWindow,
} from './support/cpu-profile';
import { machineFacts } from './support/machine';
import { affinity, cpuMs, pinSelf, pinTree } from './support/proc-stats';
import { median } from './support/stats';
import { createBenchTenant } from './support/tenant-setup';

const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

const PROFILED = 'auth,admin,gateway,hub';
/** How long each system's idle CPU is sampled (shorter in a smoke run). */
const idleSampleMs = (o: AsyncBenchOptions) => (o.quick ? 2000 : 5000);

interface Bench {
  name: string;
  sys: System;
  target: AsyncTarget;
  pids: Record<string, number>;
  durability: { fsync: string; synchronousCommit: string };
  idleCpu: string[];
  stop(): Promise<void>;
}

/** What the running Postgres says about its commits (read back, not assumed from the flags). */
async function readDurability(databaseUrl: string): Promise<Bench['durability']> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const show = async (name: string) =>
      (await pg.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
    return { fsync: await show('fsync'), synchronousCommit: await show('synchronous_commit') };
  } finally {
    await pg.end();
  }
}

/** One system, pinned, with the tenant, the account, the devices, a warm-up and an idle-CPU sample. */
async function bringUp(
  name: string,
  o: AsyncBenchOptions,
  durability: 'test' | 'production',
  stopping: Array<() => Promise<void>>,
): Promise<Bench> {
  log(`${name}: starting NATS, Postgres (${durability} durability), auth, admin, gateway and one hub`);
  const sys = await startSystem({
    hubs: 1,
    postgresDurability: durability,
    env: {
      SANDBOX_USAGE_LIMIT_PER_DAY: '1000000000',
      SANDBOX_RATE_PER_SECOND: '1000000',
      // Bench accounts may hold more sockets (idle steps up to 18,100) than the 10,000 default ceiling.
      CONNECTION_LIMIT_CEILING: '100000',
      LOG_LEVEL: 'warn',
      ...(o.profileDir
        ? { CLOUDFLOW_CPU_PROF: PROFILED, CLOUDFLOW_CPU_PROF_DIR: join(o.profileDir, name) }
        : {}),
    },
  });
  // The target exists only after set-up; a failing set-up still stops the system.
  const held: { target?: AsyncTarget } = {};
  const stop = async () => {
    await held.target?.stop();
    await sys.stop();
  };
  stopping.push(stop);
  const pids: Record<string, number> = {
    nats: sys.nats.child.pid,
    postgres: sys.postgres.child.pid,
    auth: sys.auth.child.pid,
    admin: sys.admin.child.pid,
    gateway: sys.gateways[0].child.pid,
    hub: sys.hubs[0].child.pid,
  };
  for (const pid of Object.values(pids)) pinTree(pid, 0);
  log(`${name}: creating the tenant, an account with a webhook URL and ${o.deviceCount} devices`);
  const tenant = await createBenchTenant(sys);
  const target = (held.target = await prepareAsyncTarget({
    name,
    sys,
    tenant,
    accountId: 'bench-async',
    deviceCount: o.deviceCount,
    cpu: () => Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)])),
  }));
  log(`${name}: warming up, 3 s at 50 requests/s`);
  await warmUpAsync(target);
  await sleep(2000);
  // What the system burns with no requests at all (timers, heartbeats, watchers): part of every phase's CPU.
  const before = target.cpu();
  await sleep(idleSampleMs(o));
  const after = target.cpu();
  const idleCpu = Object.keys(after).map(
    (n) => `${n} ${(((after[n] - (before[n] ?? 0)) / idleSampleMs(o)) * 100).toFixed(1)} %`,
  );
  log(`${name}: idle CPU ${idleCpu.join(', ')}`);
  return { name, sys, target, pids, durability: await readDurability(sys.databaseUrl), idleCpu, stop };
}

async function phase(b: Bench, label: string, rate: number, o: AsyncBenchOptions): Promise<AsyncPhase> {
  log(`${b.name}: ${label} phase, ${rate} requests/s offered for ${o.durationMs / 1000} s`);
  const p = await runAsyncPhase(b.target, rate, o.durationMs, log, label);
  p.durability = b.durability;
  await sleep(2000);
  return p;
}

async function main(): Promise<void> {
  const o = asyncBenchOptions();
  const machine = machineFacts();
  pinSelf(1);
  const stopping: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const stop of stopping.splice(0)) await stop().catch(() => undefined);
  };
  /** Stops one system now (its profiles are written at the stop) and takes it off the cleanup list. */
  const release = async (b: Bench) => {
    const k = stopping.indexOf(b.stop);
    if (k >= 0) stopping.splice(k, 1);
    await b.stop();
  };
  const deadline = setTimeout(() => {
    log(`deadline of ${o.deadlineMs / 60_000} min reached; stopping`);
    void cleanup().finally(() => process.exit(2));
  }, o.deadlineMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    const phases: AsyncPhase[] = [];
    const primary = await bringUp('system', o, 'test', stopping);
    const pinning: Array<[string, string]> = [
      ...Object.entries(primary.pids).map(
        ([n, pid]) => [`CPU affinity of ${n} (pid ${pid})`, affinity(pid)] as [string, string],
      ),
      [`CPU affinity of the load generator (this process, pid ${process.pid})`, affinity(process.pid)],
    ];
    const steps: AsyncPhase[] = [];
    // The profiles' summaries count only these spans (the measured phases), not start-up and set-up.
    const mainWindow: ProfileWindow = { fromUs: monotonicUs(), toUs: Infinity };
    for (const rate of o.rates) {
      const p = await phase(primary, 'step-up', rate, o);
      steps.push(p);
      phases.push(p);
      if (!sustains(phaseFacts(p))) {
        log(`step ${rate}/s not sustained: the step-up stops here`);
        break;
      }
    }
    const sustained = highestSustained(steps.map(phaseFacts));
    log(`highest rate sustained: ${sustained ?? 'none'}`);
    const fixed = await phase(primary, `${o.fixedRate}/s`, o.fixedRate, o);
    phases.push(fixed);
    const overload = await phase(primary, 'overload', overloadRate(sustained), o);
    phases.push(overload);
    mainWindow.toUs = monotonicUs();
    const verifiedMain = primary.target.receiver.accepted.filter((r) => r.verified).length;
    const deliveredMain = primary.target.receiver.accepted.length;
    await release(primary);

    let durable: AsyncPhase | undefined;
    let reference: AsyncPhase | undefined;
    let durableBench: Bench | undefined;
    const durableWindow: ProfileWindow = { fromUs: 0, toUs: Infinity };
    if (!o.skipDurable) {
      // At 500/s, or at the sustained rate when that is lower: beside the test-Postgres phase at that rate.
      const rate = Math.min(o.fixedRate, sustained ?? o.rates[0]);
      reference = rate === o.fixedRate ? fixed : steps.find((s) => s.rate === rate);
      durableBench = await bringUp('durable', o, 'production', stopping);
      durableWindow.fromUs = monotonicUs();
      durable = await phase(durableBench, 'durable', rate, o);
      durableWindow.toUs = monotonicUs();
      phases.push(durable);
      await release(durableBench);
    }

    // Profiles are written when the services stop, so they are read only now.
    let profile: { dir: string; summaries: ProfileSummary[] } | undefined;
    if (o.profileDir) {
      const dir = o.profileDir;
      profile = {
        dir,
        summaries: [
          ...summarizeProfileDir(
            join(dir, 'system'),
            (s) => s,
            10,
            () => mainWindow,
          ),
          ...summarizeProfileDir(
            join(dir, 'durable'),
            (s) => `${s} (durable system)`,
            10,
            () => durableWindow,
          ),
        ],
      };
    }

    const run: AsyncRun = {
      steps: steps.map(phaseFacts),
      at500: phaseFacts(fixed),
      overload: phaseFacts(overload),
      ...(durable
        ? {
            durable: {
              durable: phaseFacts(durable),
              ...(reference ? { reference: phaseFacts(reference) } : {}),
            },
          }
        : {}),
    };
    const d = (b: Bench) =>
      `fsync=${b.durability.fsync}, synchronous_commit=${b.durability.synchronousCommit}`;
    const notes = [
      `Postgres of the main system (step-up, ${o.fixedRate}/s and overload rows): ${d(primary)}${durableBench ? `; of the durable system (the "durable" row): ${d(durableBench)}` : '; no durable row (`--skip-durable`)'}. Read with \`SHOW\` from the running servers.`,
      `Idle CPU (${idleSampleMs(o) / 1000} s with no requests, after the warm-up; % of one core): main system ${primary.idleCpu.join(', ')}${durableBench ? `; durable system ${durableBench.idleCpu.join(', ')}` : ''}.`,
      `${o.deviceCount} devices (answering in the same tick, bench/src/load/immediate-device.ts), requests round-robin over them (a device is asked again only after ${o.deviceCount - 1} requests went to the others, so 412 busy means the earlier request had not finished); one gateway, one hub, NATS and Postgres on CPU 0, this load generator on CPU 1.`,
      `Each phase lasts ${o.durationMs / 1000} s after a 3 s warm-up at 50 requests/s, then waits (up to 20 s) for its webhooks; p99 rests on ${phases.map((p) => p.samples.length).join(' / ')} samples.`,
      `The step-up offered ${o.rates.join(', ')} requests/s and stops at the first step with any answer other than 202 or a POST p99 over 50 ms; the overload phase offers twice the highest sustained rate (at least 200/s). Time-outs: the client aborts after 15 s ("no answer"); any answer later than 1 s counts against the overload target.`,
      'Refused requests "before anything is dispatched": every requestId a device was sent is recorded by the bench\'s devices; a refused (non-202) request that shows up there, or in a webhook, is counted in the overload row.',
      `A 412 (device busy) means the round-robin device still had its previous request open: at ${o.rates[o.rates.length - 1]}/s with ${o.deviceCount} devices a request has ${((o.deviceCount / o.rates[o.rates.length - 1]) * 1000).toFixed(0)} ms before its device is asked again. It is the system being slow, not admission control, and it fails the overload row (only 429/503 may refuse).`,
      ...(o.profileDir
        ? [
            `CPU profiles (\`--profile ${o.profileDir}\`): every service ran with \`--cpu-prof\`, which costs a few % of CPU in each (idle CPU above includes it); the CPU-per-request figures of a profiled run are slightly worse than an unprofiled one's.`,
          ]
        : []),
      'Every 202 means the request was persisted in Postgres and the hub confirmed the write to the device socket; the webhook path adds the device reply over NATS, the timeline append with the outbox row in one transaction, a NOTIFY wake-up and a signed POST.',
      `Verified signatures at the receiver (main system): ${verifiedMain} of ${deliveredMain}.`,
      ...phases.map((p) => {
        const hook = median(p.webhookMs);
        const outbox = median(p.outboxMs);
        return `${p.label}${p.label?.endsWith('/s') ? '' : ` ${p.rate}/s`}: the outbox (commit → receiver's 2xx) is ${outbox.toFixed(0)} ms of the ${hook.toFixed(0)} ms median webhook latency; the rest passes before the device's answer is recorded on its request.`;
      }),
    ];
    const out = isAbsolute(o.out) ? o.out : join(REPO_ROOT, o.out);
    mkdirSync(dirname(out), { recursive: true });
    const history = readFileSync(join(REPO_ROOT, 'bench/history/async.md'), 'utf8');
    writeFileSync(
      out,
      renderAsyncReport({
        date: new Date(),
        command: `node tools/build.mjs --quiet && node dist/bench/src/async.bench.js${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
        quick: o.quick,
        phases,
        run,
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
        notes,
        ...(profile ? { profile } : {}),
        history,
      }),
    );
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
