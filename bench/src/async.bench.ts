/**
 * Async requests benchmark (issue 4): throughput and p99 of `POST /client/v1.1/requests` at
 * 100 and 500 requests/s offered, open loop, with devices answering at once and every answer
 * going out as a signed webhook to a local receiver. Starts the real system (pinned to CPU 0;
 * this load generator runs on CPU 1), writes bench/reports/async.md, stops by itself.
 * Run: node tools/build.mjs --quiet && node dist/bench/src/async.bench.js [--duration 10000] [--rates 100,500] [--devices 300] [--out FILE]
 */
import { REPO_ROOT, startSystem, type System } from '@cloudflow/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderAsyncReport, type AsyncPhase } from './async/async-report';
import { prepareAsyncTarget, runAsyncPhase, warmUpAsync, type AsyncTarget } from './async/async-target';
import { sleep } from './support/async';
import { median } from './support/stats';
import { machineFacts } from './support/machine';
import { cpuMs, pinSelf, pinTree } from './support/proc-stats';
import { createBenchTenant } from './support/tenant-setup';

const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10000' },
      rates: { type: 'string', default: '100,500' },
      devices: { type: 'string', default: '300' },
      out: { type: 'string', default: 'bench/reports/async.md' },
    },
  });
  const durationMs = Number(values.duration);
  const rates = values.rates.split(',').map(Number);
  const deviceCount = Number(values.devices);
  const machine = machineFacts();
  pinSelf(1);
  let sys: System | undefined;
  let target: AsyncTarget | undefined;
  const cleanup = async () => {
    await target?.stop();
    await sys?.stop();
  };
  const deadline = setTimeout(() => void cleanup().finally(() => process.exit(2)), 15 * 60_000);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    log('starting NATS, Postgres, auth, admin, gateway and one hub');
    sys = await startSystem({
      hubs: 1,
      env: {
        SANDBOX_USAGE_LIMIT_PER_DAY: '1000000000',
        SANDBOX_RATE_PER_SECOND: '1000000',
        LOG_LEVEL: 'warn',
      },
    });
    const s = sys;
    const pids: Record<string, number> = {
      nats: s.nats.child.pid,
      postgres: s.postgres.child.pid,
      auth: s.auth.child.pid,
      admin: s.admin.child.pid,
      gateway: s.gateways[0].child.pid,
      hub: s.hubs[0].child.pid,
    };
    for (const pid of Object.values(pids)) pinTree(pid, 0);

    log(`creating the tenant, an account with a webhook URL and ${deviceCount} devices`);
    const tenant = await createBenchTenant(s);
    target = await prepareAsyncTarget({
      name: 'system',
      sys: s,
      tenant,
      accountId: 'bench-async',
      deviceCount,
      cpu: () => Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)])),
    });
    const receiver = target.receiver;

    log('warming up: 3 s at 50 requests/s');
    await warmUpAsync(target);
    await sleep(2000);
    // What the system burns with no requests at all (timers, heartbeats, watchers): part of every phase's CPU.
    const idleBefore = target.cpu();
    await sleep(5000);
    const idleAfter = target.cpu();
    const idleCpu = Object.keys(idleAfter).map((n) => `${n} ${(((idleAfter[n] - (idleBefore[n] ?? 0)) / 5000) * 100).toFixed(1)} %`);
    log(`idle CPU: ${idleCpu.join(', ')}`);

    const phases: AsyncPhase[] = [];
    for (const rate of rates) {
      log(`phase: ${rate} requests/s offered for ${durationMs / 1000} s`);
      phases.push(await runAsyncPhase(target, rate, durationMs, log));
      await sleep(2000);
    }

    const notes = [
      `Idle CPU (5 s with no requests, after the warm-up; % of one core): ${idleCpu.join(', ')}.`,
      `${deviceCount} devices (answering in the same tick, bench/src/load/immediate-device.ts), requests round-robin over them (a device is asked again only after ${deviceCount - 1} requests went to the others, so 412 busy means the earlier request had not finished); one gateway, one hub, NATS and Postgres on CPU 0, this load generator on CPU 1.`,
      `Each phase lasts ${durationMs / 1000} s after a 3 s warm-up at 50 requests/s; a short run, so p99 rests on ${rates.map((r) => (r * durationMs) / 1000).join(' / ')} samples.`,
      'Every 202 means the request was persisted in Postgres and the hub confirmed the write to the device socket; the webhook path adds the device reply over NATS, the timeline append with the outbox row in one transaction, a NOTIFY wake-up and a signed POST.',
      `Verified signatures at the receiver: ${receiver.accepted.filter((r) => r.verified).length} of ${receiver.accepted.length}.`,
      ...phases.map((p) => {
        const hook = median(p.webhookMs);
        const outbox = median(p.outboxMs);
        return `At ${p.rate} requests/s the outbox (commit → receiver's 2xx) is ${outbox.toFixed(0)} ms of the ${hook.toFixed(0)} ms median webhook latency; the rest passes before the device's answer is recorded on its request.`;
      }),
    ];
    const out = isAbsolute(values.out) ? values.out : join(REPO_ROOT, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, renderAsyncReport(phases, machine, notes));
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
