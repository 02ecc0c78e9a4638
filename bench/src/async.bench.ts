/**
 * Async requests benchmark (issue 4): throughput and p99 of `POST /client/v1.1/requests` at
 * 100 and 500 requests/s offered, open loop, with devices answering at once and every answer
 * going out as a signed webhook to a local receiver. Starts the real system (pinned to CPU 0;
 * this load generator runs on CPU 1), writes bench/reports/async.md, stops by itself.
 * Run: node tools/build.mjs --quiet && node dist/bench/src/async.bench.js [--duration 10000] [--rates 100,500] [--devices 300] [--out FILE]
 */
import {
  basicBearer,
  enrolDevice,
  http,
  REPO_ROOT,
  startSystem,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { renderAsyncReport, type AsyncPhase } from './async/async-report';
import { openLoop } from './async/open-loop';
import { ImmediateDevice } from './load/immediate-device';
import { mapLimit, sleep } from './support/async';
import { median } from './support/stats';
import { machineFacts } from './support/machine';
import { openWs } from './support/open-socket';
import { cpuMs, pinSelf, pinTree } from './support/proc-stats';
import { createBenchDevices, createBenchTenant } from './support/tenant-setup';

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
  let receiver: WebhookReceiver | undefined;
  const devices: ImmediateDevice[] = [];
  const cleanup = async () => {
    await Promise.all(devices.map((d) => d.stop().catch(() => undefined)));
    await receiver?.stop();
    await sys?.stop();
  };
  const deadline = setTimeout(() => void cleanup().finally(() => process.exit(2)), 15 * 60_000);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    receiver = await WebhookReceiver.start();
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
    const created = await http('POST', `${s.adminUrl}/admin/v1/accounts`, {
      body: {
        accountId: 'bench-async',
        name: 'Bench async',
        connectionLimit: deviceCount + 10,
        webhookUrl: receiver.url,
      },
      headers: tenant.adminHeaders,
    });
    if (created.status !== 201)
      throw new Error(`create account: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    receiver.secret = created.body.webhookSecret as string;
    const headers = {
      'api-key': tenant.appKey,
      authorization: basicBearer({ accountId: 'bench-async', apiToken: created.body.apiToken as string }),
    };
    const registered = await createBenchDevices(s, tenant, 'bench-async', 'till', deviceCount);
    await mapLimit(registered, 16, async (d) => {
      const creds = await enrolDevice({
        gatewayUrl: s.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
      });
      devices.push(new ImmediateDevice(await openWs(creds.connectionUrl, creds.accessToken)));
    });
    // Devices register their presence asynchronously; give the hub a moment.
    await sleep(1000);

    const post = (i: number, dueWall: Map<string, number>, wallStart: number, rate: number) => {
      const requestId = randomUUID();
      dueWall.set(requestId, wallStart + (i * 1000) / rate);
      const body = {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target: registered[i % registered.length].referenceId,
        payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1000, currency: 'EUR' } },
      };
      return fetch(`${s.gatewayUrl}/client/v1.1/requests`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 202) dueWall.delete(requestId);
        return res.status;
      });
    };

    log('warming up: 3 s at 50 requests/s');
    await openLoop(50, 3000, (i) => post(i, new Map(), Date.now(), 50));
    await sleep(2000);
    // What the system burns with no requests at all (timers, heartbeats, watchers): part of every phase's CPU.
    const idleBefore = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
    await sleep(5000);
    const idleCpu = Object.entries(pids).map(
      ([n, pid]) => `${n} ${(((cpuMs(pid) - idleBefore[n]) / 5000) * 100).toFixed(1)} %`,
    );
    log(`idle CPU: ${idleCpu.join(', ')}`);

    const phases: AsyncPhase[] = [];
    for (const rate of rates) {
      log(`phase: ${rate} requests/s offered for ${durationMs / 1000} s`);
      const dueWall = new Map<string, number>();
      const cpuBefore = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
      const wallStart = Date.now();
      const samples = await openLoop(rate, durationMs, (i) => post(i, dueWall, wallStart, rate));
      const cpu = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid) - cpuBefore[n]]));
      const wallMs = Date.now() - wallStart;
      // Let the outbox drain, then match each accepted request with its final webhook.
      const finals = () =>
        new Map(
          receiver!.accepted
            .filter((r) => r.body?.type === 'paymentResponse' && dueWall.has(r.requestId ?? ''))
            .map((r) => [r.requestId!, r.at]),
        );
      for (let waited = 0; finals().size < dueWall.size && waited < 20_000; waited += 250) await sleep(250);
      const got = finals();
      // Again once the webhooks are out: the phase's whole cost, delivery included (issue 11 judges CPU per request).
      const cpuDrained = Object.fromEntries(
        Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid) - cpuBefore[n]]),
      );
      const webhookMs = [...got].map(([id, at]) => at - dueWall.get(id)!);
      const outboxMs = await outboxWait(s.databaseUrl, [...dueWall.keys()]);
      const accepted = samples.filter((x) => x.status === 202).length;
      log(`  ${accepted}/${samples.length} answered 202; ${got.size} final webhooks delivered`);
      phases.push({
        rate,
        durationMs,
        devices: deviceCount,
        samples,
        webhookMs,
        webhooksMissing: dueWall.size - got.size,
        outboxMs,
        cpu,
        cpuDrained,
        wallMs,
      });
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

/** Enqueue → delivered of each outbox row, from the gateway's own timestamps (the outbox's share of the webhook latency). */
async function outboxWait(databaseUrl: string, requestIds: string[]): Promise<number[]> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ ms: number }>(
      `SELECT extract(epoch FROM delivered_at - created_at) * 1000 AS ms FROM gateway.webhook_deliveries
        WHERE request_id = ANY($1::varchar[]) AND status = 'delivered'`,
      [requestIds],
    );
    return rows.map((r) => Number(r.ms));
  } finally {
    await pg.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
