import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  CLOSE_CODES,
  CloudFlowError,
  EVENTS,
  SIMULATED_PAGE_MAX,
  SUBJECTS,
  simulationOf,
  type SimulatedDeviceRecord,
} from '@cloudflow/contracts';
import { Broadcasts, LOGGER, MetricsService, RpcClient } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import { createHash } from 'node:crypto';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { Connection, type ConnectionIdentity } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubIdentity } from '../connections/hub-identity';
import { HubConfig } from '../hub.config';
import { ConnectionLifecycle } from '../ws/connection-lifecycle.service';
import { UpgradeAuth } from '../ws/upgrade-auth.service';
import { HostedTerminal } from './hosted-terminal';

/**
 * The simulated devices of sandbox tenants (issue 13): every SIMULATED_SCAN_MS (and soon after
 * admin says devices changed) each hub lists them and connects, through the same admit and
 * lifecycle as a real socket, each one that nobody holds and whose host it is (rendezvous
 * hashing over the hubs with a fresh heartbeat, so every hub picks the same one). A hub that
 * stops or dies lets its devices go; once its heartbeat is stale the next host takes them, as
 * a terminal reconnecting would. A real terminal connecting with the device's token takes over.
 */
@Injectable()
export class SimulatedTerminals implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly hosted = new Map<string, HostedTerminal>();
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly rpc: RpcClient,
    private readonly presence: PresenceStore,
    private readonly auth: UpgradeAuth,
    private readonly lifecycle: ConnectionLifecycle,
    private readonly registry: ConnectionRegistry,
    private readonly hub: HubIdentity,
    private readonly broadcasts: Broadcasts,
    private readonly config: HubConfig,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const hosted = () => this.count;
    new Gauge({
      name: 'cloudflow_hub_simulated_devices',
      help: 'Simulated devices this hub hosts (connected)',
      registers: [metrics.registry],
      collect() {
        this.set(hosted());
      },
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.SIMULATED_SCAN_MS === 0) return;
    // A random start spreads the hubs' scans, so two rarely race for the same new device.
    const first = setTimeout(() => this.scanSoon(), Math.random() * this.config.SIMULATED_SCAN_MS);
    first.unref();
    this.timer = setInterval(() => this.scanSoon(), this.config.SIMULATED_SCAN_MS);
    this.timer.unref();
    this.broadcasts.on(EVENTS.relayDataChanged, () => this.scanSoon());
  }

  beforeApplicationShutdown(): void {
    // The drain closes the hosted connections like every other; nothing new is hosted meanwhile.
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** How many devices this hub hosts now (the gauge above). */
  get count(): number {
    return [...this.hosted.values()].filter((t) => t.connected).length;
  }

  private scanSoon(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = this.scan()
      .catch((err: unknown) => this.logger.warn({ err }, 'simulated devices scan failed; next scan retries'))
      .finally(() => {
        this.scanning = undefined;
        if (this.again) {
          this.again = false;
          this.scanSoon();
        }
      });
  }

  private async scan(): Promise<void> {
    const devices = await this.listAll();
    const live = new Set(await this.presence.liveHubIds());
    live.add(this.hub.id);
    const listed = new Set<string>();
    for (const device of devices) {
      if (this.stopped || this.registry.draining) return;
      const key = keyOf(device);
      listed.add(key);
      const known = this.hosted.get(key);
      if (known) known.settings = simulationOf(device.simulation);
      if (known?.connected) continue;
      // Replaced by a connection elsewhere: that one holds the device now.
      if (known?.lastClose === CLOSE_CODES.replaced) this.hosted.delete(key);
      // One host per device, chosen alike by every hub: two hubs that both found it free at the
      // same scan both connected, and the second claim fenced the first (a payment on it then
      // ended connectionLost; the e2e caught it). Never a steal: only a device nobody holds.
      if (hostOf(key, live) !== this.hub.id) continue;
      if (await this.presence.deviceOwner(device.tenantId, device.accountId, device.referenceId)) continue;
      const terminal =
        this.hosted.get(key) ??
        new HostedTerminal({ ...device, simulation: simulationOf(device.simulation) });
      terminal.onDropped ??= () => setImmediate(() => void this.connect(terminal));
      this.hosted.set(key, terminal);
      await this.connect(terminal);
    }
    // Deleted or disabled since (their revocation closed the socket already, or does soon).
    for (const [key, terminal] of this.hosted)
      if (!listed.has(key)) {
        terminal.stop();
        this.hosted.delete(key);
      }
  }

  /** One connection for the terminal, admitted as a device socket would be (account, device enabled, the account's connection limit). */
  private async connect(terminal: HostedTerminal): Promise<void> {
    if (this.stopped || this.registry.draining || terminal.connected) return;
    const { tenantId, accountId, referenceId } = terminal.device;
    const identity: ConnectionIdentity = {
      kind: 'device',
      tenantId,
      accountId,
      referenceId,
      issuedAtMs: Date.now(),
    };
    try {
      const lease = await this.auth.admit(identity);
      try {
        const socket = terminal.connect();
        this.lifecycle.open(
          new Connection(identity, socket as unknown as WebSocket, this.hub.newConnectionId()),
          lease.take(),
        );
      } finally {
        lease.release();
      }
    } catch (err) {
      const level = err instanceof CloudFlowError ? 'debug' : 'warn';
      this.logger[level](
        { err, tenantId, accountId, referenceId },
        'simulated device not connected; next scan retries',
      );
    }
  }

  private async listAll(): Promise<SimulatedDeviceRecord[]> {
    const all: SimulatedDeviceRecord[] = [];
    for (let afterId: string | undefined; ;) {
      const { devices } = await this.rpc.send(SUBJECTS.admin.simulatedDeviceList, {
        ...(afterId ? { afterId } : {}),
        limit: SIMULATED_PAGE_MAX,
      });
      all.push(...devices);
      if (devices.length < SIMULATED_PAGE_MAX) return all;
      afterId = devices[devices.length - 1].id;
    }
  }
}

/** Rendezvous hashing: the live hub with the highest score for the device hosts it. */
export function hostOf(deviceKey: string, liveHubs: Iterable<string>): string | undefined {
  let best: { hubId: string; score: string } | undefined;
  for (const hubId of liveHubs) {
    const score = createHash('sha256').update(`${hubId}\u0000${deviceKey}`).digest('hex');
    if (!best || score > best.score) best = { hubId, score };
  }
  return best?.hubId;
}

function keyOf(d: { tenantId: string; accountId: string; referenceId: string }): string {
  return `${d.tenantId}\u0000${d.accountId}\u0000${d.referenceId}`;
}
