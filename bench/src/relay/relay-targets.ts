import { clientToken, DeviceSimulator, enrolDevice, type System } from '@cloudflow/testing';
import { Client } from 'pg';
import { ImmediateDevice } from '../load/immediate-device';
import { LoadClient } from '../load/load-client';
import { mapLimit, retry } from '../support/async';
import { noteIncident } from '../support/incidents';
import { openWs } from '../support/open-socket';
import type { CredentialShim } from '../support/credential-shim';
import type { CpuSampler } from '../load/load-run';
import { drainRequestEvents } from './request-events-drain';
import type { BenchAccount, BenchDevice, BenchTenant } from '../support/tenant-setup';

/** `simulator`: the testing library's DeviceSimulator (delayMs 0, events 0); `immediate`: answers in the same tick. */
export type DeviceKind = 'simulator' | 'immediate';

/** The simulator as the benchmark runs it: no progress events, no pause but Node's 1 ms timer floor. */
export const SIMULATOR_BEHAVIOUR = { delayMs: 0, events: 0, reconnect: false } as const;

interface Stoppable {
  stop(): Promise<void>;
}

/** `system`: the one-node system; `cluster`: the clustered one behind the balancer (bench:cluster). */
export type TargetName = 'system' | 'baseline' | 'cluster';

/**
 * Where a system target's clients go. By default (bench:relay) POS sockets on hub A, devices on
 * hub B, tokens from the first gateway; bench:cluster puts everything behind the balancer.
 */
export interface SystemRoute {
  name: TargetName;
  gatewayUrl: string;
  posHubUrl: string;
  deviceHubUrl: string;
}

/** One side of the comparison: POS sockets, device sockets, and the CPU time of its processes. */
export interface RelayTarget {
  name: TargetName;
  pos: LoadClient[];
  devices: string[];
  /** Registered (system) or known (baseline) but never connected. */
  offlineDevice: string;
  cpu: CpuSampler;
  /** Waits until the target has finished the asynchronous work its payments caused; returns the ms waited. */
  settle(): Promise<number>;
  /** Sync payments recorded so far (completed request rows in Postgres); absent for a target that records nothing. */
  recorded?: () => Promise<number>;
  connectDevices(kind: DeviceKind): Promise<void>;
  disconnectDevices(): Promise<void>;
  closePos(): void;
}

/** The CA a client of this system's NATS must trust, when its NATS speaks TLS. */
export function natsTlsCa(sys: System): string | undefined {
  return 'tls' in sys.nats ? (sys.nats as { tls?: { ca: string } }).tls?.ca : undefined;
}

/** Completed sync requests of the account in Postgres (one count; read outside the CPU window). */
async function countRecorded(databaseUrl: string, accountId: string): Promise<number> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM gateway.requests WHERE account_id = $1 AND kind = 'sync' AND status = 'completed'`,
      [accountId],
    );
    return Number(rows[0].n);
  } finally {
    await pg.end();
  }
}

const stopAll = async (list: Stoppable[]) => {
  await Promise.all(list.splice(0).map((d) => d.stop().catch(() => undefined)));
};

/** The real system: POS sockets on hub A, devices on hub B, tokens from the gateway. */
export async function systemTarget(
  sys: System,
  tenant: BenchTenant,
  account: BenchAccount,
  devices: BenchDevice[],
  offlineDevice: string,
  posCount: number,
  cpu: CpuSampler,
  route: SystemRoute = {
    name: 'system',
    gatewayUrl: sys.gatewayUrl,
    posHubUrl: `ws://127.0.0.1:${sys.hubs[0].port}/ws`,
    deviceHubUrl: `ws://127.0.0.1:${sys.hubs[1].port}/ws`,
  },
): Promise<RelayTarget> {
  const hubA = route.posHubUrl;
  const hubB = route.deviceHubUrl;
  const posCred = {
    gatewayUrl: route.gatewayUrl,
    appKey: tenant.appKey,
    accountId: account.accountId,
    apiToken: account.apiToken,
  };
  const pos = await mapLimit(Array.from({ length: posCount }), 8, async () => {
    const token = (
      await retry('POS token (GET /client/v1.0/token)', () => clientToken(posCred, '1.0'), noteIncident)
    ).accessToken;
    return new LoadClient(
      await retry('POS socket upgrade on hub A', () => openWs(hubA, token), noteIncident),
    );
  });
  const live: Stoppable[] = [];
  // Simulators whose connect stalled and was given up on: stopped with the rest (their connect may still finish).
  const abandoned: Stoppable[] = [];
  return {
    name: route.name,
    pos,
    devices: devices.map((d) => d.referenceId),
    offlineDevice,
    cpu,
    settle: () => drainRequestEvents(sys.nats.url, 120_000, natsTlsCa(sys)),
    recorded: () => countRecorded(sys.databaseUrl, account.accountId),
    async connectDevices(kind) {
      await mapLimit(devices, 8, async (d) => {
        const cred = {
          gatewayUrl: route.gatewayUrl,
          appKey: tenant.appKey,
          model: d.model,
          serialNumber: d.serialNumber,
          apiToken: d.apiToken,
          hubUrl: hubB,
        };
        if (kind === 'simulator') {
          // A stalled attempt leaves an abandoned simulator behind; only the one that connected is kept.
          live.push(
            await retry(
              'DeviceSimulator connect (enrol + upgrade on hub B)',
              async () => {
                const sim = new DeviceSimulator(cred, { ...SIMULATOR_BEHAVIOUR });
                abandoned.push(sim);
                await sim.connect();
                abandoned.splice(abandoned.indexOf(sim), 1);
                return sim;
              },
              noteIncident,
            ),
          );
        } else {
          const token = (
            await retry(
              'device enrol (GET /device/v1.1/devices/enrol)',
              () => enrolDevice(cred),
              noteIncident,
            )
          ).accessToken;
          live.push(
            new ImmediateDevice(
              await retry('device socket upgrade on hub B', () => openWs(hubB, token), noteIncident),
            ),
          );
        }
      });
    },
    disconnectDevices: () => stopAll([...live.splice(0), ...abandoned.splice(0)]),
    closePos: () => pos.forEach((p) => p.close()),
  };
}

/** The no-broker baseline: the same POS and device code, identities in the URL, no tokens. */
export async function baselineTarget(
  url: string,
  shim: CredentialShim,
  deviceNames: string[],
  offlineDevice: string,
  posCount: number,
  cpu: CpuSampler,
): Promise<RelayTarget> {
  const pos = await mapLimit(
    Array.from({ length: posCount }, (_, i) => i),
    8,
    async (i) =>
      new LoadClient(
        await retry(
          'POS socket on the baseline',
          () => openWs(`${url}?client=pos-${i}`, 'none'),
          noteIncident,
        ),
      ),
  );
  const live: Stoppable[] = [];
  return {
    name: 'baseline',
    pos,
    devices: deviceNames,
    offlineDevice,
    cpu,
    // Nothing is recorded: its work ends with the last answer.
    settle: () => Promise.resolve(0),
    async connectDevices(kind) {
      await mapLimit(deviceNames, 8, async (name) => {
        const hubUrl = `${url}?device=${encodeURIComponent(name)}`;
        if (kind === 'simulator') {
          const sim = new DeviceSimulator(
            {
              gatewayUrl: shim.url,
              appKey: 'none',
              model: 'BENCH-1',
              serialNumber: `SN-${name}`,
              apiToken: 'none',
              hubUrl,
            },
            { ...SIMULATOR_BEHAVIOUR },
          );
          await retry('DeviceSimulator connect to the baseline', () => sim.connect(), noteIncident);
          live.push(sim);
        } else {
          live.push(
            new ImmediateDevice(
              await retry('device socket on the baseline', () => openWs(hubUrl, 'none'), noteIncident),
            ),
          );
        }
      });
    },
    disconnectDevices: () => stopAll(live),
    closePos: () => pos.forEach((p) => p.close()),
  };
}
