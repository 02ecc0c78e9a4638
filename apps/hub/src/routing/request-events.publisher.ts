import { Inject, Injectable } from '@nestjs/common';
import { REQUEST_EVENTS, type CloudFlowMessage, type RequestEvent } from '@cloudflow/contracts';
import { Broadcasts, LOGGER } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { JSONCodec, nanos, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Connection } from '../connections/connection';

const codec = JSONCodec<RequestEvent>();
const ATTEMPTS = 20;

export type RequestEventInput = Pick<RequestEvent, 'kind' | 'mode' | 'requestId' | 'index' | 'origin'> & { message: CloudFlowMessage };

/**
 * Publishes what the gateways must record to the durable request stream (REQUEST_EVENTS). One
 * chain per device connection keeps a socket's events in order without holding up the socket;
 * each publish waits for JetStream's ack and is retried (same event id: the stream drops
 * duplicates), so a short NATS hiccup loses nothing.
 */
@Injectable()
export class RequestEventsPublisher {
  private js?: Promise<JetStreamClient>;
  private readonly chains = new WeakMap<Connection, Promise<void>>();

  constructor(
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  publish(conn: Connection, input: RequestEventInput): Promise<void> {
    const { tenantId, accountId, referenceId } = conn.identity;
    const event: RequestEvent = {
      eventId: randomUUID(),
      tenantId,
      accountId,
      target: referenceId!,
      connId: conn.id,
      at: new Date().toISOString(),
      ...input,
    };
    const next = (this.chains.get(conn) ?? Promise.resolve()).then(() => this.send(event));
    this.chains.set(conn, next);
    return next;
  }

  private async send(event: RequestEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const js = await this.client();
        await js.publish(REQUEST_EVENTS.subject, codec.encode(event), { msgID: event.eventId, timeout: 5000 });
        return;
      } catch (err) {
        this.js = undefined;
        if (attempt >= ATTEMPTS) {
          // Never the payload: it may carry card data.
          this.logger.error({ err, requestId: event.requestId, eventId: event.eventId, type: event.message.type }, 'request event lost: the stream did not take it');
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1000)));
      }
    }
  }

  private client(): Promise<JetStreamClient> {
    this.js ??= this.broadcasts.connection().then(async (nc) => {
      await ensureRequestStream(nc);
      return nc.jetstream();
    });
    return this.js;
  }
}

/** Creates the request stream if it is missing; whoever starts first wins, the others find it. */
export async function ensureRequestStream(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(REQUEST_EVENTS.stream);
    return;
  } catch {
    /* missing: create below */
  }
  try {
    await jsm.streams.add({
      name: REQUEST_EVENTS.stream,
      subjects: [REQUEST_EVENTS.subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(REQUEST_EVENTS.maxAgeMs),
      duplicate_window: nanos(120_000),
    });
  } catch (error) {
    // Another process created it between our two calls.
    await jsm.streams.info(REQUEST_EVENTS.stream).catch(() => {
      throw error;
    });
  }
}
