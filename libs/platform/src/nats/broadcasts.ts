import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { EventMap, EventSubject } from '@cloudflow/contracts';
import { connect, Events, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import { natsConnectionOptions, type NatsAuth } from './nats-options';

type Handler<E extends EventSubject> = (event: EventMap[E]) => void;

/**
 * Fan-out events every replica must see (revocations, policy changes): plain NATS subscriptions
 * without a queue group. Also the process's view of NATS health, and a hook for reconnects so
 * caches can drop whatever they may have missed while disconnected.
 */
@Injectable()
export class Broadcasts implements OnModuleInit, OnApplicationShutdown {
  private nc?: NatsConnection;
  private connecting?: Promise<NatsConnection>;
  private readonly codec = JSONCodec<unknown>();
  private readonly subscriptions: Subscription[] = [];
  private readonly pending: Array<(nc: NatsConnection) => void> = [];
  private readonly reconnectHooks: Array<() => void> = [];
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly logger: Logger,
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

  /** The shared raw connection, for features that need plain NATS (per-device subjects). */
  connection(): Promise<NatsConnection> {
    this.connecting ??= connect(natsConnectionOptions(this.url, this.name, this.auth)).then((nc) => {
      this.nc = nc;
      this.connected = true;
      void this.watch(nc);
      for (const run of this.pending.splice(0)) run(nc);
      return nc;
    });
    return this.connecting;
  }

  on<E extends EventSubject>(subject: E, handler: Handler<E>): void {
    const subscribe = (nc: NatsConnection) => {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            handler(this.codec.decode(msg.data) as EventMap[E]);
          } catch (e) {
            this.logger.warn({ err: e, subject }, 'broadcast handler failed');
          }
        },
      });
      this.subscriptions.push(sub);
    };
    if (this.nc) subscribe(this.nc);
    else this.pending.push(subscribe);
  }

  onReconnect(hook: () => void): void {
    this.reconnectHooks.push(hook);
  }

  async publish<E extends EventSubject>(subject: E, event: EventMap[E]): Promise<void> {
    const nc = await this.connection();
    nc.publish(subject, this.codec.encode(event));
    // Flush so the caller's "done" means every replica can already see it.
    await nc.flush();
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      if (status.type === Events.Reconnect) {
        this.connected = true;
        for (const hook of this.reconnectHooks) hook();
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}
