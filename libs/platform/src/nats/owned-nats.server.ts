import { ServerNats } from '@nestjs/microservices';
import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import type { NatsConnectionOwner } from './nats-connection.owner';

type MessageHandler = (error: NatsError | null, msg: Msg) => Promise<unknown>;

/**
 * Nest's NATS responders (the `@MessagePattern` handlers) on the process's one connection
 * (NatsConnectionOwner): each pattern subscribed in the service's queue group, so replicas share
 * the work. On close only these subscriptions drain (requests already received are still
 * answered); the connection itself drains when the owner shuts down, after them.
 */
export class OwnedNatsServer extends ServerNats {
  private readonly responders: Subscription[] = [];

  constructor(
    private readonly owner: NatsConnectionOwner,
    private readonly queue: string,
  ) {
    super({ queue });
  }

  override createNatsClient(): Promise<NatsConnection> {
    return this.owner.connection();
  }

  /** Nest's own binding, keeping the subscriptions so that close() can drain just them. */
  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.messageHandlers) {
      const queue = (handler.extras?.queue as string | undefined) ?? this.queue;
      const callback = (this.getMessageHandler(channel) as MessageHandler).bind(this);
      this.responders.push(
        client.subscribe(channel, { queue, callback: (err, msg) => void callback(err, msg) }),
      );
    }
  }

  override async close(): Promise<void> {
    await Promise.allSettled(this.responders.splice(0).map((s) => s.drain()));
    this.statusEventEmitter.removeAllListeners();
  }
}
