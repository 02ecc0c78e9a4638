import type { CloudFlowMessage } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { basicBearer, http } from '../http-client';
import { check, type CheckResult } from './checker';
import { startCluster, type ChaosAccount, type ChaosCluster, type ChaosDevice } from './cluster';
import { HistoryWriter, readHistory, type Mode } from './history';
import { FAULT_KINDS, Nemesis, type FaultKind } from './nemesis';
import { findPans, scanDirectory } from './pan-scan';
import { PosSession } from './pos-session';
import { Prng } from './prng';

export interface CampaignOptions {
  seed: number;
  /** How long the nemesis injects faults under load. */
  faultMs: number;
  devices?: number;
  accounts?: number;
  /** Payments started per second (half sync, half async). */
  rate?: number;
  /** Pause between two faults, drawn in [min, max]. */
  faultEveryMs?: [number, number];
  requestTimeoutSeconds?: number;
  kinds?: readonly FaultKind[];
  historyFile: string;
  log?: (line: string) => void;
}

export interface CampaignResult extends CheckResult {
  options: Required<Omit<CampaignOptions, 'log' | 'kinds'>> & { kinds: readonly FaultKind[] };
  historyFile: string;
  historyEntries: number;
  startedAt: Date;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const AMOUNTS = [1250, 990, 4200, 1251, 1205, 1099, 700];

/**
 * One fault campaign (issue 9): the cluster under a fixed rate of sync and async payments while
 * the nemesis injects faults; then everything restored, a settling time (timeout + 10 s plus
 * webhook retries), every request read back and every async one replayed, Postgres / logs /
 * the NATS store scanned for card numbers, and the checker run over the whole history.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? (() => undefined);
  const o = {
    seed: options.seed,
    faultMs: options.faultMs,
    devices: options.devices ?? 100,
    accounts: options.accounts ?? 4,
    rate: options.rate ?? 8,
    faultEveryMs: options.faultEveryMs ?? ([3000, 7000] as [number, number]),
    requestTimeoutSeconds: options.requestTimeoutSeconds ?? 10,
    historyFile: options.historyFile,
    kinds: options.kinds ?? FAULT_KINDS,
  };
  const timeoutMs = o.requestTimeoutSeconds * 1000;
  const startedAt = new Date();
  mkdirSync(dirname(o.historyFile), { recursive: true });
  const history = new HistoryWriter(o.historyFile);
  history.add({
    kind: 'meta',
    seed: o.seed,
    requestTimeoutMs: timeoutMs,
    note: `devices=${o.devices} accounts=${o.accounts} rate=${o.rate}/s faultMs=${o.faultMs}`,
  });
  const rng = new Prng(o.seed);
  log(`seed ${o.seed}: starting 3 hubs, 2 gateways, NATS, Postgres`);
  const cluster = await startCluster({
    devices: o.devices,
    accounts: o.accounts,
    requestTimeoutSeconds: o.requestTimeoutSeconds,
    history,
    log,
  });
  const nemesis = new Nemesis(cluster, rng, history, {
    everyMs: o.faultEveryMs,
    requestTimeoutMs: timeoutMs,
    log,
    kinds: o.kinds,
  });
  const gatewayUrl = () => (nemesis.liveGateways()[0] ?? cluster.sys.gateways[0]).url;
  // The POS waits past timeout + 10 s by the longest hub pause (25 s), which the checker allows for.
  const poses = cluster.accounts.map(
    (a, i) => new PosSession(a, cluster.hubUrls, gatewayUrl, history, timeoutMs + 40_000, i),
  );
  const bodies = new Map<
    string,
    { account: ChaosAccount; body: CloudFlowMessage; mode: Mode; accepted: boolean }
  >();
  try {
    await Promise.all(poses.map((p) => p.connect()));
    log(
      `load ${o.rate}/s on ${cluster.devices.length} devices; faults every ${o.faultEveryMs.join('–')} ms for ${Math.round(o.faultMs / 1000)} s`,
    );
    nemesis.start();
    const loadEnd = Date.now() + o.faultMs;
    const pending = new Set<Promise<void>>();
    let tick = 0;
    while (Date.now() < loadEnd) {
      const idle = cluster.devices.filter((d) => !d.busy);
      if (idle.length > 0) {
        const device = rng.pick(idle);
        const body = paymentFor(device, rng.pick(AMOUNTS));
        const sync = rng.chance(0.5);
        const p = (sync ? paySync(device, body) : payAsync(device, body)).finally(() => pending.delete(p));
        pending.add(p);
      }
      tick++;
      const next = loadEnd - o.faultMs + (tick * 1000) / o.rate;
      await sleep(Math.max(0, next - Date.now()));
    }
    log(`load done (${bodies.size} payments); restoring every fault`);
    await nemesis.stop();
    await restoreAll(cluster);
    const restoredAt = Date.now();
    log(`restored; settling (timeout + 10 s + webhook retries)`);
    await Promise.race([Promise.all([...pending]), sleep(timeoutMs + 30_000)]);
    await settle(bodies, timeoutMs + 30_000);
    // Events a killed gateway held unacknowledged come back only after the consumer's ack wait
    // (30 s): reading records before that would report a result as missing that is on its way.
    await sleep(Math.max(0, restoredAt + 40_000 - Date.now()));
    log('reading back every request and replaying the async ones');
    await readBack(history, bodies, gatewayUrl);
    log('scanning Postgres, the log files and the NATS store for card numbers');
    await scans(cluster, history);
  } finally {
    await Promise.all(poses.map((p) => p.stop()));
    history.close();
    await cluster.stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
  }

  const entries = readHistory(o.historyFile);
  return {
    ...check(entries),
    options: o,
    historyFile: o.historyFile,
    historyEntries: entries.length,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  };

  function paySync(device: ChaosDevice, body: CloudFlowMessage): Promise<void> {
    const pos = poses[cluster.accounts.indexOf(device.account)];
    return new Promise((resolve) => {
      device.busy = true;
      const sent = pos.pay(body, () => {
        device.busy = false;
        resolve();
      });
      if (sent) bodies.set(body.requestId, { account: device.account, body, mode: 'sync', accepted: true });
      else {
        device.busy = false;
        resolve();
      }
    });
  }

  async function payAsync(device: ChaosDevice, body: CloudFlowMessage): Promise<void> {
    const gateways = nemesis.liveGateways();
    const gw = gateways.length ? rng.pick(gateways) : cluster.sys.gateways[0];
    const account = device.account;
    device.busy = true;
    history.add({
      kind: 'request',
      mode: 'async',
      account: account.accountId,
      requestId: body.requestId,
      target: device.referenceId,
      via: `gateway${cluster.sys.gateways.indexOf(gw)}`,
    });
    const answer = await post(gw.url, account, body);
    history.add({ kind: 'httpAnswer', account: account.accountId, requestId: body.requestId, ...answer });
    bodies.set(body.requestId, { account, body, mode: 'async', accepted: answer.status === 202 });
    if (answer.status === 202) {
      // The device is ours again once a final message reached the webhook (or the request surely ended).
      const until = Date.now() + timeoutMs + 15_000;
      while (
        Date.now() < until &&
        !account.receiver.accepted.some(
          (r) =>
            r.requestId === body.requestId &&
            ['paymentResponse', 'response', 'flowException'].includes(String(r.body?.type)),
        )
      )
        await sleep(200);
    }
    device.busy = false;
  }
}

function paymentFor(device: ChaosDevice, baseAmount: number): CloudFlowMessage {
  return {
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId: randomUUID(),
    target: device.referenceId,
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency: 'EUR' } },
  };
}

const clientHeaders = (a: ChaosAccount) => ({
  'api-key': a.appKey,
  authorization: basicBearer({ accountId: a.accountId, apiToken: a.apiToken }),
});

async function post(
  gatewayUrl: string,
  account: ChaosAccount,
  body: CloudFlowMessage,
): Promise<{
  status: number;
  errorCode?: string;
  dispatched?: boolean;
  bodyStatus?: string;
  resultId?: string;
}> {
  try {
    // Read field by field: under faults the answer may be any error, or no JSON at all.
    const res = await http<Record<string, unknown> | undefined>(
      'POST',
      `${gatewayUrl}/client/v1.1/requests`,
      {
        body,
        headers: clientHeaders(account),
      },
    );
    const b = res.body ?? {};
    const result = b.result as { payload?: { id?: unknown } } | null | undefined;
    return {
      status: res.status,
      ...(typeof b.errorCode === 'string' ? { errorCode: b.errorCode } : {}),
      ...(typeof b.dispatched === 'boolean' ? { dispatched: b.dispatched } : {}),
      ...(typeof b.status === 'string' ? { bodyStatus: b.status } : {}),
      ...(typeof result?.payload?.id === 'string' ? { resultId: result.payload.id } : {}),
    };
  } catch {
    return { status: 0 };
  }
}

/** Every process back, every paused hub continued, before the settling time starts. */
async function restoreAll(cluster: ChaosCluster): Promise<void> {
  const { sys } = cluster;
  for (const s of [...sys.hubs, ...sys.gateways]) s.child.signal('SIGCONT');
  await sys.nats.startServer();
  if (!sys.postgres.child.running) await sys.postgres.startServer();
  for (const s of [...sys.hubs, ...sys.gateways]) if (!s.child.running) await s.restart();
}

/** Waits (bounded) until every accepted async request has a final message at its webhook. */
async function settle(
  bodies: Map<string, { account: ChaosAccount; mode: string; accepted: boolean }>,
  maxMs: number,
): Promise<void> {
  const until = Date.now() + maxMs;
  const finals = new Set(['paymentResponse', 'response', 'flowException']);
  while (Date.now() < until) {
    const open = [...bodies].filter(
      ([id, b]) =>
        b.mode === 'async' &&
        b.accepted &&
        !b.account.receiver.accepted.some((r) => r.requestId === id && finals.has(String(r.body?.type))),
    );
    if (open.length === 0) break;
    await sleep(500);
  }
  // Late answers (after expired/connectionLost) and their webhooks need a little longer.
  await sleep(5000);
}

/** GET …/requests/{requestId} as read back here, every field optional: a fault may answer anything. */
interface RecordedRequest {
  status?: string;
  messages?: CloudFlowMessage[];
  result?: { payload?: { id?: string } } | null;
}

async function readBack(
  history: HistoryWriter,
  bodies: Map<string, { account: ChaosAccount; body: CloudFlowMessage; mode: string; accepted: boolean }>,
  gatewayUrl: () => string,
): Promise<void> {
  const all = [...bodies.entries()];
  for (let k = 0; k < all.length; k += 8) {
    await Promise.all(
      all.slice(k, k + 8).map(async ([requestId, b]) => {
        const res = await http<RecordedRequest | undefined>(
          'GET',
          `${gatewayUrl()}/client/v1.1/requests/${requestId}`,
          { headers: clientHeaders(b.account) },
        ).catch(() => ({ status: 0, body: undefined }));
        const view = res.body ?? {};
        history.add({
          kind: 'record',
          account: b.account.accountId,
          requestId,
          httpStatus: res.status,
          ...(res.status === 200 ? { status: view.status } : {}),
          messageIds: (view.messages ?? []).map((m) => m.requestId),
          messageTypes: (view.messages ?? []).map((m) => m.type),
          resultId: view.result?.payload?.id ?? null,
        });
        if (b.mode === 'async' && b.accepted) {
          history.add({
            kind: 'request',
            mode: 'async',
            account: b.account.accountId,
            requestId,
            target: b.body.target ?? '',
            via: 'replay',
            replay: true,
          });
          history.add({
            kind: 'httpAnswer',
            account: b.account.accountId,
            requestId,
            replay: true,
            ...(await post(gatewayUrl(), b.account, b.body)),
          });
        }
      }),
    );
  }
}

async function scans(cluster: ChaosCluster, history: HistoryWriter): Promise<void> {
  const { sys } = cluster;
  const db = new Client({ connectionString: sys.databaseUrl });
  await db.connect();
  try {
    const tables = await db.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hits: Array<{ file: string; masked: string; context: string }> = [];
    for (const { s, t } of tables.rows) {
      const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${s}"."${t}" t`);
      for (const r of rows.rows) for (const hit of findPans(r.row)) hits.push({ ...hit, file: `${s}.${t}` });
    }
    history.add({ kind: 'scan', where: 'Postgres tables', filesScanned: tables.rows.length, hits });
  } finally {
    await db.end();
  }
  const logs = scanDirectory(sys.logDir);
  history.add({ kind: 'scan', where: "the services' log files", ...logs });
  const store = scanDirectory(sys.nats.dir, (p) => !p.endsWith('nats.log'));
  history.add({ kind: 'scan', where: 'the NATS JetStream store', ...store });
  const natsLog = scanDirectory(sys.nats.dir, (p) => p.endsWith('nats.log'));
  history.add({ kind: 'scan', where: 'the nats-server log', ...natsLog });
}
