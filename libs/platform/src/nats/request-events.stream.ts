import { REQUEST_EVENTS } from '@cloudflow/contracts';
import { AckPolicy, DeliverPolicy, nanos, RetentionPolicy, StorageType, type NatsConnection } from 'nats';

/**
 * The durable stream hubs publish request events to (CONTRACT.md §5: a device's answer is never
 * dropped), created idempotently by whichever process needs it first: hubs to publish, gateways
 * to consume. File storage, so it survives a NATS restart.
 */
export async function ensureRequestEventsStream(nc: NatsConnection, replicas: number): Promise<void> {
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
        num_replicas: replicas,
      }),
  );
}

/** The stream and the one durable consumer every gateway replica pulls from (each event is processed once). */
export async function ensureRequestEventsConsumer(nc: NatsConnection, replicas: number): Promise<void> {
  await ensureRequestEventsStream(nc, replicas);
  const jsm = await nc.jetstreamManager();
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
