import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, Events, type NatsConnection } from 'nats';
import { natsConnectionOptions, type NatsAuth } from './nats-options';

/**
 * The one owner of the process's NATS connection: it connects, knows whether NATS is reachable
 * (readiness), runs the reconnect hooks through which caches drop what they may have missed, and
 * drains on shutdown. Everything reaches NATS over this one connection: Nest's RPC client and
 * responders (OwnedNatsClient, OwnedNatsServer) and the raw paths (a connection's bus subject, the
 * request stream, presence, broadcasts), each of which validates what it receives against its
 * contract class (libs/contracts bus-validation).
 */
@Injectable()
export class NatsConnectionOwner implements OnModuleInit, OnApplicationShutdown {
  private nc?: NatsConnection;
  private connecting?: Promise<NatsConnection>;
  private readonly connectHooks: Array<(nc: NatsConnection) => void> = [];
  private readonly reconnectHooks: Array<() => void> = [];
  private connected = false;
  private readonly connectWaiters = new Set<(ok: boolean) => void>();

  constructor(
    private readonly url: string,
    private readonly name: string,
    /** Replicas for the JetStream streams and buckets created over this connection. */
    readonly jetStreamReplicas = 1,
    /** This service's NATS credentials, TLS and reply prefix. */
    private readonly auth: NatsAuth = {},
  ) {}

  onModuleInit(): void {
    void this.connection();
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Connected now, or within `ms` (a reconnect to another node in progress); false if not by then. */
  connectedWithin(ms: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.connectWaiters.delete(done);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), ms);
      timer.unref();
      this.connectWaiters.add(done);
    });
  }

  connection(): Promise<NatsConnection> {
    this.connecting ??= connect(natsConnectionOptions(this.url, this.name, this.auth)).then(
      (nc) => {
        this.nc = nc;
        this.connected = true;
        for (const done of [...this.connectWaiters]) done(true);
        void this.watch(nc);
        for (const run of this.connectHooks.splice(0)) run(nc);
        return nc;
      },
      (error: unknown) => {
        // The first connect failed (NATS down at start): the next caller tries again.
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  /** Runs once the connection exists (now, if it does). */
  whenConnected(run: (nc: NatsConnection) => void): void {
    if (this.nc) run(this.nc);
    else this.connectHooks.push(run);
  }

  /** Runs after every reconnect: whatever was missed while disconnected must be re-read. */
  onReconnect(hook: () => void): void {
    this.reconnectHooks.push(hook);
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      if (status.type === Events.Reconnect) {
        this.connected = true;
        for (const done of [...this.connectWaiters]) done(true);
        for (const hook of this.reconnectHooks) hook();
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}
