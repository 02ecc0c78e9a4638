import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { REQUEST_EVENTS, type RequestEvent } from '@cloudflow/contracts';
import { Broadcasts, LOGGER, ensureRequestEventsConsumer, isStorageOutage } from '@cloudflow/platform';
import { JSONCodec, type ConsumerMessages, type JsMsg } from 'nats';
import type { Logger } from 'pino';
import { KeyedLanes } from './keyed-lanes';
import { NotYet, RequestRecorder } from './request-recorder.service';

const codec = JSONCodec<RequestEvent>();

/**
 * Events recorded at once (running or queued behind their request). Each holds one of the
 * process's 10 pooled Postgres connections for its transaction; more than this starved the
 * POST path and the webhook worker of connections in the async bench (bench/reports/async.md).
 */
const IN_FLIGHT = 8;
/** Messages each pull asks the server for; the client refills when half are used. */
const PULL_BATCH = 64;

/**
 * Every gateway replica pulls from ONE shared durable consumer of the request stream, so each
 * event is recorded once; an event is acknowledged only after its transaction committed, so a
 * gateway that dies mid-way leaves it to be redelivered (to any replica) after the ack wait.
 * Events of different requests are recorded concurrently (each in its own transaction, on its
 * own locked request row); events of one request go through a serial lane in stream order, so
 * a replica never races itself on one timeline. Across replicas the recorder restores order.
 */
@Injectable()
export class RequestEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly lanes = new KeyedLanes(IN_FLIGHT);

  constructor(
    private readonly broadcasts: Broadcasts,
    private readonly recorder: RequestRecorder,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    // What was taken is finished and acked (or nak'ed) before the connection drains.
    await this.lanes.idle();
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped; ) {
      try {
        const nc = await this.broadcasts.connection();
        await ensureRequestEventsConsumer(nc, this.broadcasts.jetStreamReplicas);
        const consumer = await nc.jetstream().consumers.get(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable);
        this.messages = await consumer.consume({ max_messages: PULL_BATCH });
        failures = 0;
        for await (const msg of this.messages) {
          this.take(msg);
          // Back-pressure: with every lane slot busy, stop reading; the pulled batch waits in the client.
          await this.lanes.admit();
          if (this.stopped) break;
        }
      } catch (err) {
        if (this.stopped) return;
        if (failures++ % 10 === 0) this.logger.warn({ err }, 'request stream unavailable; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private take(msg: JsMsg): void {
    let event: RequestEvent;
    try {
      event = codec.decode(msg.data);
    } catch {
      this.logger.error({ seq: msg.seq }, 'unreadable request event; dropped');
      msg.term();
      return;
    }
    this.lanes.run(laneKey(event), () => this.handle(msg, event));
  }

  private async handle(msg: JsMsg, event: RequestEvent): Promise<void> {
    try {
      await this.recorder.apply(event, msg.info.deliveryCount);
      msg.ack();
    } catch (err) {
      if (err instanceof NotYet) return msg.nak(200);
      // Postgres down: keep the event, try again later (a device's result is never dropped).
      if (isStorageOutage(err) || (err as { code?: string }).code === 'storageFailed') return msg.nak(1000);
      this.logger.error({ err, requestId: event.requestId, eventId: event.eventId }, 'request event could not be recorded; retrying');
      msg.nak(2000);
    }
  }
}

/** One lane per request (the recorder's lock key): tenant, account and requestId. */
function laneKey(event: RequestEvent): string {
  return `${event.tenantId}\u0000${event.accountId}\u0000${event.requestId}`;
}
