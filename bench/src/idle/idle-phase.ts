import { basicBearer, enrolDevice, freePort, http, startService, type System } from '@cloudflow/testing';
import { mapLimit, retry, sleep, withTimeout } from '../support/async';
import { noteIncident } from '../support/incidents';
import { startBenchServer } from '../support/bench-process';
import { cpuMs, pinTree, rssBytes } from '../support/proc-stats';
import { median } from '../support/stats';
import { createBenchAccount, createBenchDevices, type BenchTenant } from '../support/tenant-setup';
import { closeAll, connectBatch, type ConnectBatch } from './idle-connect';

export interface IdleStep {
  sockets: number;
  rssBytes: number;
  /** (RSS now − RSS before any socket) / sockets. */
  perSocketBytes: number;
  /** The batch that took the server from the previous step to this one. */
  batch: Omit<ConnectBatch, 'sockets'>;
  /** Hub only: time to fetch the batch's JWTs from the gateway (not part of the connect time). */
  enrolMs?: number;
  /** CPU ms per socket of this batch's connects, by process (the server; for the hub also nats, admin, postgres). */
  cpuMsPerSocket?: Record<string, number>;
}

export interface IdleServerResult {
  server: 'plain ws server' | 'hub';
  rssBeforeBytes: number;
  steps: IdleStep[];
  /** Hub only: devices sampled through GET /client/v1.1/devices/{id}/connected after the last step. */
  connectedSample?: { checked: number; connected: number };
}

export interface IdleResult {
  devicesRegistered: number;
  registerMs: number;
  parallel: number;
  servers: IdleServerResult[];
}

const SETTLE_MS = 3000;

async function settledRss(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++, await sleep(300)) samples.push(rssBytes(pid));
  return median(samples);
}

/**
 * Idle device sockets on one server process: first a plain `ws` server, then a hub of the real
 * system started for this part alone (so its RSS holds nothing but these sockets), both pinned
 * to the system's CPU and loaded by the same connect code.
 */
export async function runIdlePhase(
  sys: System,
  tenant: BenchTenant,
  steps: number[],
  parallel: number,
  log: (line: string) => void,
  hubCpuProfDir?: string,
): Promise<IdleResult> {
  const max = steps[steps.length - 1];
  const account = await createBenchAccount(sys, tenant, `idle-${Date.now().toString(36)}`, max + 100);
  const t0 = Date.now();
  const devices = await createBenchDevices(sys, tenant, account.accountId, 'idle', max, 16);
  const registerMs = Date.now() - t0;
  log(`idle: registered ${max} devices in ${(registerMs / 1000).toFixed(1)} s`);

  const plain = await startBenchServer('plain-ws-server', sys.logDir);
  pinTree(plain.child.pid, 0);
  const plainResult = await measure(
    'plain ws server',
    plain.child.pid,
    plain.url,
    steps,
    parallel,
    log,
    async (from, to) => Array.from({ length: to - from }, () => 'none'),
    undefined,
    () => ({ server: cpuMs(plain.child.pid) }),
  );
  await plain.stop();

  const hubEnv: Record<string, string> = { ...sys.env, PORT: String(await freePort()) };
  if (hubCpuProfDir) hubEnv.CLOUDFLOW_CPU_PROF_HUB = hubCpuProfDir;
  const hub = await startService('hub', hubEnv, sys.logDir);
  pinTree(hub.child.pid, 0);
  try {
    const enrol = async (from: number, to: number) =>
      mapLimit(devices.slice(from, to), 32, async (d) => {
        const cred = {
          gatewayUrl: sys.gatewayUrl,
          appKey: tenant.appKey,
          model: d.model,
          serialNumber: d.serialNumber,
          apiToken: d.apiToken,
        };
        return (
          await retry(
            'idle device enrol (GET /device/v1.1/devices/enrol)',
            () => enrolDevice(cred),
            noteIncident,
            4,
          )
        ).accessToken;
      });
    const sample = async () => {
      const picks = Array.from({ length: 20 }, (_, i) => devices[Math.floor((i * max) / 20)]);
      const headers = {
        'api-key': tenant.appKey,
        authorization: basicBearer({ accountId: account.accountId, apiToken: account.apiToken }),
      };
      const answers = await withTimeout(
        Promise.all(
          picks.map((d) =>
            http<{ connected: boolean } | undefined>(
              'GET',
              `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`,
              { headers },
            ),
          ),
        ),
        30_000,
        'connected sample',
      );
      return {
        checked: picks.length,
        connected: answers.filter((a) => a.status === 200 && a.body?.connected === true).length,
      };
    };
    const hubResult = await measure(
      'hub',
      hub.child.pid,
      `ws://127.0.0.1:${hub.port}/ws`,
      steps,
      parallel,
      log,
      enrol,
      sample,
      () => ({
        server: cpuMs(hub.child.pid),
        nats: cpuMs(sys.nats.child.pid),
        admin: cpuMs(sys.admin.child.pid),
        postgres: cpuMs(sys.postgres.child.pid),
      }),
    );
    return { devicesRegistered: max, registerMs, parallel, servers: [plainResult, hubResult] };
  } finally {
    await hub.child.stop('SIGTERM', 15_000);
  }
}

async function measure(
  server: IdleServerResult['server'],
  pid: number,
  url: string,
  steps: number[],
  parallel: number,
  log: (line: string) => void,
  tokens: (from: number, to: number) => Promise<string[]>,
  sample?: () => Promise<{ checked: number; connected: number }>,
  cpu?: () => Record<string, number>,
): Promise<IdleServerResult> {
  const rssBeforeBytes = await settledRss(pid);
  const result: IdleServerResult = { server, rssBeforeBytes, steps: [] };
  const open: ConnectBatch['sockets'] = [];
  try {
    let from = 0;
    for (const to of steps) {
      const e0 = Date.now();
      const batchTokens = await tokens(from, to);
      const enrolMs = Date.now() - e0;
      const cpu0 = cpu?.();
      const { sockets, ...batch } = await connectBatch(url, batchTokens, from, parallel);
      const cpu1 = cpu?.();
      open.push(...sockets);
      const rss = await settledRss(pid);
      const step: IdleStep = {
        sockets: open.length,
        rssBytes: rss,
        perSocketBytes: (rss - rssBeforeBytes) / open.length,
        batch,
        ...(sample ? { enrolMs } : {}),
        ...(cpu0 && cpu1
          ? {
              cpuMsPerSocket: Object.fromEntries(
                Object.keys(cpu1).map((k) => [k, (cpu1[k] - cpu0[k]) / Math.max(1, sockets.length)]),
              ),
            }
          : {}),
      };
      result.steps.push(step);
      log(
        `idle ${server}: ${open.length} sockets, RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ${(step.perSocketBytes / 1024).toFixed(2)} KiB/socket, ` +
          `batch ${from}→${to} connected in ${(batch.ms / 1000).toFixed(2)} s (${batch.retries} retries, ${batch.failed} failed)` +
          (step.cpuMsPerSocket
            ? `, CPU ms/socket ${Object.entries(step.cpuMsPerSocket)
                .map(([k, v]) => `${k} ${v.toFixed(3)}`)
                .join(' ')}`
            : ''),
      );
      from = to;
    }
    if (sample) result.connectedSample = await sample();
  } finally {
    await closeAll(open);
  }
  return result;
}
