import type { ServiceProcess } from '../services';
import type { ChaosCluster } from './cluster';
import type { HistoryWriter } from './history';
import type { Prng } from './prng';

/** The faults of issue 9, drawn at random (seeded) every few seconds. */
export const FAULT_KINDS = [
  'killHub',
  'pauseHub',
  'killGateway',
  'restartNats',
  'stopPostgres',
  'dropDevice',
  'deafDevice',
  'lateDevice',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type State = 'up' | 'down' | 'paused';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Injects one fault at a time at random, each restoring itself after a while (faults overlap).
 * It always leaves at least one hub and one gateway running and unpaused, as a real cluster
 * would have, and at most one of NATS / Postgres down at a time.
 */
export class Nemesis {
  readonly hubState: State[];
  readonly gatewayState: State[];
  private infraBusy = false;
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly rng: Prng,
    private readonly history: HistoryWriter,
    private readonly options: {
      everyMs: [number, number];
      requestTimeoutMs: number;
      log: (line: string) => void;
      kinds?: readonly FaultKind[];
    },
  ) {
    this.hubState = cluster.sys.hubs.map(() => 'up');
    this.gatewayState = cluster.sys.gateways.map(() => 'up');
  }

  /** Gateways a POS can reach now (a load balancer's view). */
  liveGateways(): ServiceProcess[] {
    return this.cluster.sys.gateways.filter((_, i) => this.gatewayState[i] === 'up');
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await sleep(this.rng.int(...this.options.everyMs));
        if (!this.running) break;
        this.inject();
      }
    })();
  }

  /** No new faults; waits for every fault in progress to restore what it broke. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private inject(): void {
    const kinds = this.options.kinds ?? FAULT_KINDS;
    for (let tries = 0; tries < 10; tries++) {
      const kind = this.rng.pick(kinds);
      const run = this.plan(kind);
      if (!run) continue;
      const p = run()
        .catch((error: unknown) =>
          this.options.log(
            `nemesis ${kind} failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return;
    }
  }

  /** The fault, or undefined when it is not possible now (then another is drawn). */
  private plan(kind: FaultKind): (() => Promise<void>) | undefined {
    const { sys, devices } = this.cluster;
    const rng = this.rng;
    const upHubs = this.hubState.map((s, i) => (s === 'up' ? i : -1)).filter((i) => i >= 0);
    const upGateways = this.gatewayState.map((s, i) => (s === 'up' ? i : -1)).filter((i) => i >= 0);
    switch (kind) {
      case 'killHub': {
        if (upHubs.length < 2) return undefined;
        const i = rng.pick(upHubs);
        const downMs = rng.int(1000, 6000);
        return this.fault(kind, `hub${i}`, `down ${downMs} ms`, async () => {
          this.hubState[i] = 'down';
          await sys.hubs[i].child.kill();
          await sleep(downMs);
          await this.restart(sys.hubs[i]);
          this.hubState[i] = 'up';
        });
      }
      case 'pauseHub': {
        if (upHubs.length < 2) return undefined;
        const i = rng.pick(upHubs);
        const pauseMs = rng.int(5000, 25_000);
        return this.fault(kind, `hub${i}`, `SIGSTOP ${pauseMs} ms`, async () => {
          this.hubState[i] = 'paused';
          sys.hubs[i].child.signal('SIGSTOP');
          await sleep(pauseMs);
          sys.hubs[i].child.signal('SIGCONT');
          this.hubState[i] = 'up';
        });
      }
      case 'killGateway': {
        if (upGateways.length < 2) return undefined;
        const i = rng.pick(upGateways);
        const downMs = rng.int(1000, 6000);
        return this.fault(kind, `gateway${i}`, `down ${downMs} ms`, async () => {
          this.gatewayState[i] = 'down';
          await sys.gateways[i].child.kill();
          await sleep(downMs);
          await this.restart(sys.gateways[i]);
          this.gatewayState[i] = 'up';
        });
      }
      case 'restartNats': {
        if (this.infraBusy) return undefined;
        const downMs = rng.int(500, 4000);
        return this.fault(kind, 'nats', `kill -9, down ${downMs} ms`, async () => {
          this.infraBusy = true;
          try {
            await sys.nats.child.kill();
            await sleep(downMs);
            await sys.nats.startServer();
          } finally {
            this.infraBusy = false;
          }
        });
      }
      case 'stopPostgres': {
        if (this.infraBusy) return undefined;
        const downMs = rng.int(5000, 15_000);
        return this.fault(kind, 'postgres', `down ${downMs} ms`, async () => {
          this.infraBusy = true;
          try {
            await sys.postgres.stopServer();
            await sleep(downMs);
            await sys.postgres.startServer();
          } finally {
            this.infraBusy = false;
          }
        });
      }
      case 'dropDevice':
      case 'deafDevice':
      case 'lateDevice': {
        const connected = devices.filter((d) => d.sim.connected);
        if (connected.length === 0) return undefined;
        const d = rng.pick(connected);
        if (kind === 'dropDevice')
          return this.fault(kind, d.referenceId, 'socket terminated', async () => d.sim.drop());
        if (kind === 'deafDevice') {
          const ms = rng.int(5000, 15_000);
          return this.fault(kind, d.referenceId, `not reading for ${ms} ms`, async () => {
            d.sim.stopReading(ms);
            await sleep(ms);
          });
        }
        const ms = this.options.requestTimeoutMs + rng.int(1000, 5000);
        return this.fault(kind, d.referenceId, `next answer after ${ms} ms`, async () =>
          d.sim.answerNextAfter(ms),
        );
      }
    }
  }

  private fault(
    kind: FaultKind,
    target: string,
    note: string,
    body: () => Promise<void>,
  ): () => Promise<void> {
    return async () => {
      this.options.log(`fault ${kind} ${target} (${note})`);
      this.history.add({ kind: 'fault', phase: 'start', fault: kind, target, note });
      try {
        await body();
      } finally {
        this.history.add({ kind: 'fault', phase: 'end', fault: kind, target });
      }
    };
  }

  /** Restarts a killed service, trying again while NATS or Postgres are down (its /readyz waits for both). */
  private async restart(svc: ServiceProcess): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await svc.restart();
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.options.log(`restart of ${svc.name} on ${svc.port} failed (attempt ${attempt}), trying again`);
        await sleep(1000);
      }
    }
  }
}
