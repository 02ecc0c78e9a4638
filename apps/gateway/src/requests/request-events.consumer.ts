import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { REQUEST_EVENTS, type RequestEvent } from '@cloudflow/contracts';
import { NatsConnectionOwner, LOGGER, ensureRequestEventsConsumer, isStorageOutage } from '@cloudflow/platform';
import { JSONCodec, type ConsumerMessages, type JsMsg } from 'nats';
import type { Logger } from 'pino';
import { KeyedBatches } from './keyed-batches';
import { RequestRecorder, requestKey } from './request-recorder.service';

const codec = JSONCodec<RequestEvent>();

/**
 * Batches recorded at once, each one transaction on one of the process's 10 pooled Postgres
 * connections (8 single-event transactions starved the POST path and the webhook worker of
 * connections in the async bench, bench/reports/async.md); events arriving meanwhile queue up
 * and the next free batch takes them all (group commit: one commit for many events).
 */
const BATCHES_IN_FLIGHT = 3;
/** Events in one batch (one transaction) at most. */
const MAX_BATCH = 64;
/** Events taken from NATS and not yet acked before the consumer stops reading. */
const MAX_HELD = 256;
/** Messages each pull asks the server for; the client refills when half are used. */
const PULL_BATCH = 64;

/**
 * Every gateway replica pulls from ONE shared durable consumer of the request stream, so each
 * event is recorded once; an event is acknowledged only after its transaction committed, so a
 * gateway that dies mid-way leaves it to be redelivered (to any replica) after the ack wait.
 * Events are recorded in batches, one transaction each (RequestRecorder.applyBatch); events of
 * one request are in one running batch at a time and in stream order, so a replica never races
 * itself on one timeline. Across replicas the recorder's row locks and index checks keep order.
 */
@Injectable()
export class RequestEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly batches = new KeyedBatches<Taken>((batch) => this.record(batch), {
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_IN_FLIGHT,
    maxHeld: MAX_HELD,
  });

  constructor(
    private readonly nats: NatsConnectionOwner,
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
    await this.batches.idle();
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped; ) {
      try {
        const nc = await this.nats.connection();
        await ensureRequestEventsConsumer(nc, this.nats.jetStreamReplicas);
        const consumer = await nc.jetstream().consumers.get(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable);
        this.messages = await consumer.consume({ max_messages: PULL_BATCH });
        failures = 0;
        for await (const msg of this.messages) {
          this.take(msg);
          // Back-pressure: with MAX_HELD events taken, stop reading; the pulled batch waits in the client.
          await this.batches.admit();
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
    this.batches.push(requestKey(event), { msg, event });
  }

  /** Acks what the batch's transaction committed, naks what must wait; a failed batch is retried event by event. */
  private async record(batch: Taken[]): Promise<void> {
    try {
      const done = await this.recorder.applyBatch(batch.map(({ msg, event }) => ({ event, deliveries: msg.info.deliveryCount })));
      batch.forEach(({ msg }, i) => (done[i] ? msg.ack() : msg.nak(200)));
    } catch (err) {
      // Postgres down: keep the events, try again later (a device's result is never dropped).
      if (isOutage(err)) return batch.forEach(({ msg }) => msg.nak(1000));
      // Anything else (a bad event, a deadlock with another replica): one transaction per event, in
      // order, so one event that cannot be recorded holds back only itself.
      if (batch.length > 1) {
        for (const taken of batch) await this.record([taken]);
        return;
      }
      const [{ msg, event }] = batch;
      this.logger.error({ err, requestId: event.requestId, eventId: event.eventId }, 'request event could not be recorded; retrying');
      msg.nak(2000);
    }
  }
}

interface Taken {
  msg: JsMsg;
  event: RequestEvent;
}

function isOutage(err: unknown): boolean {
  return isStorageOutage(err) || (err as { code?: string }).code === 'storageFailed';
}
