import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { parseRequestEvent, REQUEST_EVENTS, type RequestEvent } from '@cloudflow/contracts';
import {
  LOGGER,
  NatsConnectionOwner,
  REQUEST_EVENTS_CONSUMER_DEFAULTS,
  ensureRequestEventsConsumer,
  isPoolBusy,
  isStorageOutage,
} from '@cloudflow/platform';
import { type ConsumerMessages, type JsMsg } from 'nats';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { isPermanentDataError, storableEvent } from './dead-letter';
import { DeadLettersRepository } from './dead-letters.repository';
import { KeyedBatches } from './keyed-batches';
import { RequestRecorder, requestKey } from './request-recorder.service';
import { StartLinger } from './start-linger';

/**
 * Batches recorded at once, each one transaction on one of the process's 10 pooled Postgres
 * connections (8 single-event transactions starved the POST path and the webhook worker of
 * connections in the async bench, bench/reports/async.md); events arriving meanwhile queue up
 * and the next free batch takes them all (group commit: one commit for many events).
 */
const BATCHES_IN_FLIGHT = 3;
/** Events in one batch (one transaction) at most: each statement of a batch costs about the same for 1 or 200 rows. */
const MAX_BATCH = 256;
/** Events taken from NATS and not yet acked before the consumer stops reading (a stream message may carry up to 128). */
const MAX_HELD = 1024;
/** How long a sync request's start waits for its next event before it is recorded alone (StartLinger). */
const START_LINGER_MS = 50;
/** Messages each pull asks the server for; the client refills when half are used. */
const PULL_BATCH = 64;

/**
 * Every gateway replica pulls from ONE shared durable consumer of the request stream, so each
 * event is recorded once; an event is acknowledged only after its transaction committed, so a
 * gateway that dies mid-way leaves it to be redelivered (to any replica) after the ack wait.
 * Events are recorded in batches, one transaction each (RequestRecorder.applyBatch); events of
 * one request are in one running batch at a time and in stream order, so a replica never races
 * itself on one timeline. Across replicas the recorder's row locks and index checks keep order.
 *
 * No single event may hold the others back (issue 9, hole 4): one that can never be recorded
 * (unreadable, refused by Postgres as data, or still unrecordable on its last allowed delivery)
 * goes to the dead-letter table and is acknowledged. A Postgres outage is not the event's fault:
 * its batch is held and retried in place (kept in progress, so no delivery is spent on it).
 *
 * A stream message carries one event or, from a hub that batched its publishes, a JSON array of
 * them (REQUEST_EVENTS). Each event is recorded on its own footing; the message is acked once
 * every event in it is done (recorded, nothing to record, or dead-lettered) and nak'ed if any
 * must come again, in which case the done ones are recorded once more harmlessly (idempotent).
 */
@Injectable()
export class RequestEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly maxDeliver: number;
  private readonly batches = new KeyedBatches<Taken>((batch) => this.record(batch), {
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_IN_FLIGHT,
    maxHeld: MAX_HELD,
  });
  private readonly lingering = new StartLinger<Taken>(START_LINGER_MS, (key, taken) =>
    this.batches.push(key, taken),
  );

  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly recorder: RequestRecorder,
    private readonly deadLetters: DeadLettersRepository,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.maxDeliver = config.REQUEST_EVENTS_MAX_DELIVER ?? REQUEST_EVENTS_CONSUMER_DEFAULTS.maxDeliver;
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    // What was taken is finished and acked (or nak'ed) before the connection drains.
    this.lingering.flush();
    await this.batches.idle();
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped;) {
      try {
        const nc = await this.nats.connection();
        await ensureRequestEventsConsumer(nc, this.nats.jetStreamReplicas, {
          maxAckPending: this.config.REQUEST_EVENTS_MAX_ACK_PENDING,
          maxDeliver: this.maxDeliver,
        });
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
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(msg.data));
    } catch {
      const message = new StreamMessage(msg, 1);
      void this.deadLetter(
        message,
        undefined,
        'unreadable request event: Bus message is not JSON',
        storableEvent(utf8.decode(msg.data)),
      );
      return;
    }
    const values = Array.isArray(value) ? value : [value];
    // An empty array carries nothing: acked at once.
    const message = new StreamMessage(msg, Math.max(1, values.length));
    if (values.length === 0) return message.settle();
    for (const v of values) {
      let event: RequestEvent;
      try {
        // The stream's contract class (libs/contracts bus-validation): anything else is never recorded.
        event = parseRequestEvent(v);
      } catch (error) {
        const raw = values.length === 1 ? utf8.decode(msg.data) : safeJson(v);
        void this.deadLetter(
          message,
          undefined,
          `unreadable request event: ${error instanceof Error ? error.message.slice(0, 300) : 'not the RequestEvent shape'}`,
          storableEvent(raw),
        );
        continue;
      }
      const key = requestKey(event);
      this.lingering.let(key);
      if (event.kind === 'start' && event.mode === 'sync' && !this.stopped)
        this.lingering.hold(key, { msg: message, event });
      else this.batches.push(key, { msg: message, event });
    }
  }

  /** Acks what the batch's transaction committed, naks what must wait; a failed batch is retried event by event. */
  private async record(batch: Taken[]): Promise<void> {
    let failure: unknown;
    for (let pause = 250; ; pause = Math.min(pause * 2, 4000)) {
      try {
        const done = await this.recorder.applyBatch(
          batch.map(({ msg, event }) => ({ event, deliveries: msg.deliveries })),
        );
        for (const [i, taken] of batch.entries()) {
          if (done[i]) taken.msg.settle();
          else await this.wait(taken);
        }
        return;
      } catch (err) {
        failure = err;
        if (!isOutage(err)) break;
        // Postgres down or saturated: keep the events (a device's result is never dropped) and try again here.
        if (this.stopped) return batch.forEach(({ msg }) => msg.settle(1000));
        // In progress: the ack wait restarts, the server does not redeliver (NATS down: nothing to tell it, it redelivers later).
        for (const msg of new Set(batch.map((t) => t.msg))) msg.working();
        await new Promise((r) => setTimeout(r, pause));
      }
    }
    // Anything else (a bad event, a deadlock with another replica): one transaction per event, in
    // order, so one event that cannot be recorded holds back only itself.
    if (batch.length > 1) {
      for (const taken of batch) await this.record([taken]);
      return;
    }
    const [taken] = batch;
    const { msg, event } = taken;
    if (isPermanentDataError(failure))
      return this.deadLetter(msg, event, `storage refused the event: ${describe(failure)}`);
    if (msg.deliveries >= this.maxDeliver)
      return this.deadLetter(
        msg,
        event,
        `could not be recorded in ${msg.deliveries} deliveries: ${describe(failure)}`,
      );
    this.logger.error(
      { err: failure, requestId: event.requestId, eventId: event.eventId },
      'request event could not be recorded; retrying',
    );
    msg.settle(2000);
  }

  /** An event that must wait for an earlier one: again later, until its last allowed delivery. */
  private async wait({ msg, event }: Taken): Promise<void> {
    const deliveries = msg.deliveries;
    if (deliveries >= this.maxDeliver)
      return this.deadLetter(
        msg,
        event,
        `waited ${deliveries} deliveries for its request or an earlier event of it`,
      );
    msg.settle(deliveries < 40 ? 200 : 1000);
  }

  /** `raw`: the stored copy when the event could not be read (else the event itself is stored). */
  private async deadLetter(
    msg: StreamMessage,
    event: RequestEvent | undefined,
    reason: string,
    raw?: string,
  ): Promise<void> {
    const seq = msg.msg.seq;
    try {
      await this.deadLetters.add({
        tenantId: short(event?.tenantId, 64),
        accountId: short(event?.accountId, 64),
        requestId: short(event?.requestId, 100),
        eventId: short(event?.eventId, 100),
        streamSeq: seq,
        deliveries: msg.deliveries,
        reason,
        event: raw ?? storableEvent(msg.events === 1 ? utf8.decode(msg.msg.data) : safeJson(event)),
      });
      this.logger.error(
        { requestId: event?.requestId, eventId: event?.eventId, seq, reason },
        'request event dead-lettered',
      );
      msg.settle();
    } catch (err) {
      // Not even the dead letter could be written (Postgres down?): the event comes back later.
      this.logger.error({ err, seq, reason }, 'request event could not be dead-lettered; retrying');
      msg.settle(2000);
    }
  }
}

/**
 * One stream message and the events it carries: acked once all are done, nak'ed (with the
 * longest delay asked for) if any must come again.
 */
class StreamMessage {
  private pending: number;
  private retryInMs?: number;
  readonly deliveries: number;

  constructor(
    readonly msg: JsMsg,
    readonly events: number,
  ) {
    this.pending = events;
    this.deliveries = msg.info.deliveryCount;
  }

  /** One of its events is finished: done (no delay) or to be delivered again after `retryInMs`. */
  settle(retryInMs?: number): void {
    if (retryInMs !== undefined) this.retryInMs = Math.max(this.retryInMs ?? 0, retryInMs);
    if (--this.pending > 0) return;
    if (this.retryInMs === undefined) this.msg.ack();
    else this.msg.nak(this.retryInMs);
  }

  working(): void {
    try {
      this.msg.working();
    } catch {
      /* connection closed */
    }
  }
}

interface Taken {
  msg: StreamMessage;
  event: RequestEvent;
}

const utf8 = new TextDecoder();

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isOutage(err: unknown): boolean {
  return isStorageOutage(err) || isPoolBusy(err) || (err as { code?: string }).code === 'storageFailed';
}

function short(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? `${e.code} ` : '';
  return `${code}${typeof e?.message === 'string' ? e.message : String(err)}`.slice(0, 300);
}
