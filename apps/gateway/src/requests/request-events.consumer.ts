import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { REQUEST_EVENTS, type RequestEvent } from '@cloudflow/contracts';
import { Broadcasts, LOGGER, isStorageOutage } from '@cloudflow/platform';
import { AckPolicy, DeliverPolicy, JSONCodec, nanos, RetentionPolicy, StorageType, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { NotYet, RequestRecorder } from './request-recorder.service';

const codec = JSONCodec<RequestEvent>();

/**
 * Every gateway replica pulls from ONE shared durable consumer of the request stream, so each
 * event is recorded once; an event is acknowledged only after its transaction committed, so a
 * gateway that dies mid-way leaves it to be redelivered (to any replica) after the ack wait.
 * Events are handled one at a time here; across replicas the recorder restores order.
 */
@Injectable()
export class RequestEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

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
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped; ) {
      try {
        const nc = await this.broadcasts.connection();
        await ensureRequestConsumer(nc);
        const consumer = await nc.jetstream().consumers.get(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable);
        this.messages = await consumer.consume({ max_messages: 64 });
        failures = 0;
        for await (const msg of this.messages) {
          await this.handle(msg);
          if (this.stopped) break;
        }
      } catch (err) {
        if (this.stopped) return;
        if (failures++ % 10 === 0) this.logger.warn({ err }, 'request stream unavailable; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let event: RequestEvent;
    try {
      event = codec.decode(msg.data);
    } catch {
      this.logger.error({ seq: msg.seq }, 'unreadable request event; dropped');
      msg.term();
      return;
    }
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

/** The stream (if no hub made it yet) and the shared durable consumer, both created idempotently. */
async function ensureRequestConsumer(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await createUnlessPresent(
    () => jsm.streams.info(REQUEST_EVENTS.stream),
    () =>
      jsm.streams.add({
        name: REQUEST_EVENTS.stream,
        subjects: [REQUEST_EVENTS.subject],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos(REQUEST_EVENTS.maxAgeMs),
        duplicate_window: nanos(120_000),
      }),
  );
  await createUnlessPresent(
    () => jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable),
    () =>
      jsm.consumers.add(REQUEST_EVENTS.stream, {
        durable_name: REQUEST_EVENTS.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(30_000),
        max_ack_pending: 1000,
      }),
  );
}

/** Whoever starts first creates it; a create that lost the race is fine if the thing now exists. */
async function createUnlessPresent(info: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> {
  try {
    await info();
    return;
  } catch {
    /* missing */
  }
  try {
    await create();
  } catch (error) {
    await info().catch(() => {
      throw error;
    });
  }
}
