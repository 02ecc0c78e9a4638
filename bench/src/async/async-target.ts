import { basicBearer, enrolDevice, http, WebhookReceiver, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ImmediateDevice } from '../load/immediate-device';
import type { CpuSampler } from '../load/load-run';
import { mapLimit, sleep } from '../support/async';
import { openWs } from '../support/open-socket';
import { createBenchDevices, type BenchTenant } from '../support/tenant-setup';
import type { AsyncPhase } from './async-report';
import { openLoop, type Answer } from './open-loop';

/** The admin API's create-account answer (CONTRACT.md §9), the fields read here. */
interface CreatedAccount {
  apiToken: string;
  webhookSecret: string;
}

/**
 * One system under the async benchmark: an account with a webhook URL on a local receiver,
 * devices answering at once on the hub the enrol's connectionUrl names, and the URL POSTs go
 * to. Shared by bench:async (one system) and bench:cluster (one-node and cluster side by side).
 */
export interface AsyncTarget {
  name: string;
  receiver: WebhookReceiver;
  devices: ImmediateDevice[];
  deviceCount: number;
  cpu: CpuSampler;
  /**
   * Sends request i of a phase; records its due wall time in `dueWall` (deleted again unless 202)
   * and, when given, the requestId of every answer that was not 202 in `refused`.
   */
  post(
    i: number,
    dueWall: Map<string, number>,
    wallStart: number,
    rate: number,
    refused?: string[],
  ): Promise<Answer>;
  /** Every requestId some device of this target was sent (a refused request must never be in it). */
  dispatched: Set<string>;
  databaseUrl: string;
  /** The NATS monitor (one node's /connz), to count messages per request by service. */
  natsMonitorUrl?: string;
  stop(): Promise<void>;
}

export interface AsyncTargetSpec {
  name: string;
  /** The system; its `gatewayUrl`/`adminUrl` are used (a balancer's, for the cluster). */
  sys: System;
  tenant: BenchTenant;
  accountId: string;
  deviceCount: number;
  cpu: CpuSampler;
  /** Device names `<prefix>-<n>`: serial numbers are unique per tenant, so another account of it needs its own. */
  devicePrefix?: string;
}

export async function prepareAsyncTarget(spec: AsyncTargetSpec): Promise<AsyncTarget> {
  const { sys: s, tenant, accountId, deviceCount } = spec;
  const receiver = await WebhookReceiver.start();
  const devices: ImmediateDevice[] = [];
  const dispatched = new Set<string>();
  const stop = async () => {
    await Promise.all(devices.map((d) => d.stop().catch(() => undefined)));
    await receiver.stop();
  };
  try {
    const created = await http<CreatedAccount>('POST', `${s.adminUrl}/admin/v1/accounts`, {
      body: {
        accountId,
        name: `Bench ${accountId}`,
        connectionLimit: deviceCount + 10,
        webhookUrl: receiver.url,
      },
      headers: tenant.adminHeaders,
    });
    if (created.status !== 201)
      throw new Error(`create account: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    receiver.secret = created.body.webhookSecret;
    const headers = {
      'api-key': tenant.appKey,
      authorization: basicBearer({ accountId, apiToken: created.body.apiToken }),
      'content-type': 'application/json',
    };
    const registered = await createBenchDevices(
      s,
      tenant,
      accountId,
      spec.devicePrefix ?? 'till',
      deviceCount,
    );
    await mapLimit(registered, 16, async (d) => {
      const creds = await enrolDevice({
        gatewayUrl: s.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
      });
      devices.push(new ImmediateDevice(await openWs(creds.connectionUrl, creds.accessToken), dispatched));
    });
    // Devices register their presence asynchronously; give the hub a moment.
    await sleep(1000);
    const post = (
      i: number,
      dueWall: Map<string, number>,
      wallStart: number,
      rate: number,
      refused?: string[],
    ) => {
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
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 202) {
          dueWall.delete(requestId);
          refused?.push(requestId);
        }
        const retryAfter = res.headers.get('retry-after');
        return { status: res.status, ...(retryAfter !== null ? { retryAfter } : {}) };
      });
    };
    return {
      name: spec.name,
      receiver,
      devices,
      deviceCount,
      cpu: spec.cpu,
      post,
      dispatched,
      databaseUrl: s.databaseUrl,
      natsMonitorUrl: s.nats.monitorUrl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A few seconds at a low rate, so connections, caches and JIT are warm before a phase. */
export async function warmUpAsync(t: AsyncTarget, rate = 50, ms = 3000): Promise<void> {
  await openLoop(rate, ms, (i) => t.post(i, new Map(), Date.now(), rate));
}

/**
 * One open-loop phase: `rate` requests/s for `durationMs`, CPU of the target's processes from
 * the first request due to the last answer, then (outside the CPU window) waits for every
 * accepted request's final webhook and reads the outbox's share from Postgres.
 */
export async function runAsyncPhase(
  t: AsyncTarget,
  rate: number,
  durationMs: number,
  log: (line: string) => void,
  label = `${rate}/s`,
): Promise<AsyncPhase> {
  const dueWall = new Map<string, number>();
  const refused: string[] = [];
  const natsBefore = t.natsMonitorUrl ? await natsMessages(t.natsMonitorUrl) : undefined;
  const cpuBefore = t.cpu();
  const wallStart = Date.now();
  const samples = await openLoop(rate, durationMs, (i) => t.post(i, dueWall, wallStart, rate, refused));
  const cpuAfter = t.cpu();
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([n, ms]) => [n, ms - (cpuBefore[n] ?? 0)]));
  const wallMs = Date.now() - wallStart;
  // Let the outbox drain, then match each accepted request with its final webhook.
  const finals = () =>
    new Map(
      t.receiver.accepted
        .filter((r) => r.body?.type === 'paymentResponse' && dueWall.has(r.requestId ?? ''))
        .map((r) => [r.requestId!, r.at]),
    );
  for (let waited = 0; finals().size < dueWall.size && waited < 20_000; waited += 250) await sleep(250);
  const got = finals();
  // Again once the webhooks are out: the phase's whole cost, delivery included (issue 11 judges CPU per request).
  const cpuDone = t.cpu();
  const cpuDrained = Object.fromEntries(
    Object.entries(cpuDone).map(([n, ms]) => [n, ms - (cpuBefore[n] ?? 0)]),
  );
  const natsAfter = t.natsMonitorUrl ? await natsMessages(t.natsMonitorUrl) : undefined;
  const webhookMs = [...got].map(([id, at]) => at - dueWall.get(id)!);
  const outboxMs = await outboxWait(t.databaseUrl, [...dueWall.keys()]);
  const accepted = samples.filter((x) => x.status === 202).length;
  // Issue 11: the excess is refused "before anything is dispatched" — no device saw it, no webhook told of it.
  const refusedSet = new Set(refused);
  const refusedDispatched = refused.filter((id) => t.dispatched.has(id)).length;
  const refusedWebhooks = t.receiver.accepted.filter((r) => refusedSet.has(r.requestId ?? '')).length;
  log(
    `  ${t.name} ${label}: ${accepted}/${samples.length} answered 202; ${got.size} final webhooks delivered` +
      (refused.length ? `; ${refused.length} refused, ${refusedDispatched} of them reached a device` : ''),
  );
  return {
    label,
    rate,
    refusedDispatched,
    refusedWebhooks,
    durationMs,
    devices: t.deviceCount,
    samples,
    webhookMs,
    webhooksMissing: dueWall.size - got.size,
    outboxMs,
    cpu,
    cpuDrained,
    wallMs,
    natsMessages: natsBefore && natsAfter ? diffMessages(natsBefore, natsAfter) : undefined,
  };
}

type MessageCounts = Record<string, { inMsgs: number; outMsgs: number }>;

/** Messages each NATS user's connections published (in) and received (out), from the server's /connz. */
async function natsMessages(monitorUrl: string): Promise<MessageCounts> {
  const res = await fetch(`${monitorUrl}/connz?auth=1&limit=1024`);
  const body = (await res.json()) as {
    connections: Array<{ authorized_user?: string; in_msgs: number; out_msgs: number }>;
  };
  const counts: MessageCounts = {};
  for (const c of body.connections) {
    const user = (c.authorized_user ?? '?').replace(/^hub-\d+$/, 'hub');
    const row = (counts[user] ??= { inMsgs: 0, outMsgs: 0 });
    row.inMsgs += c.in_msgs;
    row.outMsgs += c.out_msgs;
  }
  return counts;
}

function diffMessages(before: MessageCounts, after: MessageCounts): MessageCounts {
  return Object.fromEntries(
    Object.entries(after).map(([user, a]) => [
      user,
      { inMsgs: a.inMsgs - (before[user]?.inMsgs ?? 0), outMsgs: a.outMsgs - (before[user]?.outMsgs ?? 0) },
    ]),
  );
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
