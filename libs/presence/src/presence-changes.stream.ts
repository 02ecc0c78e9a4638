import { PRESENCE_EVENTS } from '@cloudflow/contracts';
import { createUnlessPresent } from '@cloudflow/platform';
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type NatsConnection,
} from 'nats';

/**
 * The durable stream of device socket openings and closings (PRESENCE_EVENTS), created
 * idempotently by whoever needs it first: hubs to publish, gateways to consume. File storage,
 * so a NATS restart loses none; the two-minute duplicate window drops a change a hub sent again
 * after a lost ack (its message id is presenceChangeId).
 */
export async function ensurePresenceChangesStream(nc: NatsConnection, replicas: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await createUnlessPresent(
    () => jsm.streams.info(PRESENCE_EVENTS.stream),
    () =>
      jsm.streams.add({
        name: PRESENCE_EVENTS.stream,
        subjects: [`${PRESENCE_EVENTS.subject}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos(PRESENCE_EVENTS.maxAgeMs),
        duplicate_window: nanos(120_000),
        num_replicas: replicas,
      }),
  );
}

/**
 * The one durable consumer every gateway replica pulls from, so each change is recorded by one
 * of them; created with the stream when missing. The gateway takes it from here and names
 * neither the stream nor the consumer: they stay the presence library's.
 */
export async function presenceChangesConsumer(nc: NatsConnection, replicas: number): Promise<Consumer> {
  await ensurePresenceChangesConsumer(nc, replicas);
  return nc.jetstream().consumers.get(PRESENCE_EVENTS.stream, PRESENCE_EVENTS.durable);
}

async function ensurePresenceChangesConsumer(nc: NatsConnection, replicas: number): Promise<void> {
  await ensurePresenceChangesStream(nc, replicas);
  const jsm = await nc.jetstreamManager();
  await createUnlessPresent(
    () => jsm.consumers.info(PRESENCE_EVENTS.stream, PRESENCE_EVENTS.durable),
    () =>
      jsm.consumers.add(PRESENCE_EVENTS.stream, {
        durable_name: PRESENCE_EVENTS.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(30_000),
        max_ack_pending: 1000,
      }),
  );
}
