import { Injectable } from '@nestjs/common';
import { parseEvent, type EventMap, type EventSubject } from '@cloudflow/contracts';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { runWithCorrelation } from '../logging/request-context';
import { busHeaders, correlationOf, decodeBus, encodeBus } from './bus-codec';
import { NatsConnectionOwner } from './nats-connection.owner';

type Handler<E extends EventSubject> = (event: EventMap[E]) => void;

/**
 * Fan-out events every replica must see (revocations, policy changes): plain NATS subscriptions
 * without a queue group, each event validated against its contract class before a handler sees
 * it, with the sender's correlation id. `onReconnect` is for caches: after a reconnect they may
 * have missed events and must re-read.
 */
@Injectable()
export class Broadcasts {
  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly logger: Logger,
  ) {}

  on<E extends EventSubject>(subject: E, handler: Handler<E>): void {
    this.nats.whenConnected((nc: NatsConnection) => {
      nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          let event: EventMap[E];
          try {
            event = decodeBus(msg.data, (value) => parseEvent(subject, value));
          } catch (e) {
            return this.logger.warn({ err: e, subject }, 'malformed broadcast ignored');
          }
          runWithCorrelation(correlationOf(msg), () => {
            try {
              handler(event);
            } catch (e) {
              this.logger.warn({ err: e, subject }, 'broadcast handler failed');
            }
          });
        },
      });
    });
  }

  /** Caches hang their "drop everything" here: events sent while disconnected were missed. */
  onReconnect(hook: () => void): void {
    this.nats.onReconnect(hook);
  }

  async publish<E extends EventSubject>(subject: E, event: EventMap[E]): Promise<void> {
    const nc = await this.nats.connection();
    nc.publish(subject, encodeBus(event), { headers: busHeaders() });
    // Flush so the caller's "done" means every replica can already see it.
    await nc.flush();
  }
}
