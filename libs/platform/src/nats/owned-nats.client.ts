import { ClientNats } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import type { NatsConnectionOwner } from './nats-connection.owner';

/**
 * Nest's NATS client on the process's one connection (NatsConnectionOwner) instead of its own:
 * the same request/reply protocol, the same "Connection lost" answer between a disconnect and the
 * reconnect (RpcClient retries on it), but one socket, one login and one reconnect per process.
 */
export class OwnedNatsClient extends ClientNats {
  constructor(
    private readonly owner: NatsConnectionOwner,
    /** Reply subjects under this prefix: the server lets each service read only its own. */
    inboxPrefix?: string,
  ) {
    super(inboxPrefix ? { inboxPrefix } : {});
  }

  override createClient(): Promise<NatsConnection> {
    return this.owner.connection();
  }

  /** The connection is the owner's, drained at its shutdown: only this client's hold on it ends. */
  override async close(): Promise<void> {
    this.statusEventEmitter.removeAllListeners();
    this.natsClient = null;
    this.connectionPromise = null;
  }
}
