import { REQUEST_EVENTS } from '@cloudflow/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { createUnlessPresent } from './create-unless-present';

/**
 * The durable stream hubs publish request events to (CONTRACT.md §5: a device's answer is never
 * dropped), created idempotently by whichever process needs it first: hubs to publish, gateways
 * to consume. File storage, so it survives a NATS restart.
 */
export async function ensureRequestEventsStream(nc: NatsConnection, replicas: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const existing = await jsm.streams.info(REQUEST_EVENTS.stream).catch(() => undefined);
  if (existing) return reconcileRequestEventsStream(jsm, existing.config, replicas);
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

/**
 * A stream made by an older release (7-day max_age: device frames at rest far longer than
 * recording needs) or with another replica count is brought in line. A change the server
 * refuses (more replicas than nodes) is not fatal: the age is then updated on its own, and
 * publishing and consuming never wait on a refused reconciliation.
 */
async function reconcileRequestEventsStream(
  jsm: JetStreamManager,
  config: StreamConfig,
  replicas: number,
): Promise<void> {
  const maxAge = nanos(REQUEST_EVENTS.maxAgeMs);
  const ageOff = config.max_age !== maxAge;
  if (!ageOff && (config.num_replicas ?? 1) === replicas) return;
  try {
    await jsm.streams.update(REQUEST_EVENTS.stream, { max_age: maxAge, num_replicas: replicas });
  } catch {
    if (ageOff) await jsm.streams.update(REQUEST_EVENTS.stream, { max_age: maxAge }).catch(() => undefined);
  }
}

/** Limits of the one shared consumer; a test may lower them (e.g. max_ack_pending) through the gateway's config. */
export interface RequestEventsConsumerLimits {
  /** Events handed out and not yet acknowledged, across every gateway replica. */
  maxAckPending?: number;
  /**
   * Deliveries of one event at most. The gateway dead-letters an event on its last allowed
   * delivery, so one event that can never be recorded holds nothing back for ever.
   */
  maxDeliver?: number;
}

export const REQUEST_EVENTS_CONSUMER_DEFAULTS = {
  maxAckPending: 1000,
  maxDeliver: 100,
  ackWaitMs: 30_000,
} as const;

/**
 * The stream and the one durable consumer every gateway replica pulls from (each event is
 * processed once). An existing consumer is brought to these limits (it may predate them: the
 * first ones had no max_deliver, so one poison event was redelivered for ever).
 */
export async function ensureRequestEventsConsumer(
  nc: NatsConnection,
  replicas: number,
  limits: RequestEventsConsumerLimits = {},
): Promise<void> {
  await ensureRequestEventsStream(nc, replicas);
  const jsm = await nc.jetstreamManager();
  const wanted = {
    ack_wait: nanos(REQUEST_EVENTS_CONSUMER_DEFAULTS.ackWaitMs),
    max_ack_pending: limits.maxAckPending ?? REQUEST_EVENTS_CONSUMER_DEFAULTS.maxAckPending,
    max_deliver: limits.maxDeliver ?? REQUEST_EVENTS_CONSUMER_DEFAULTS.maxDeliver,
  };
  await createUnlessPresent(
    () => jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable),
    () =>
      jsm.consumers.add(REQUEST_EVENTS.stream, {
        durable_name: REQUEST_EVENTS.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...wanted,
      }),
  );
  const { config } = await jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable);
  if (
    config.ack_wait !== wanted.ack_wait ||
    config.max_ack_pending !== wanted.max_ack_pending ||
    config.max_deliver !== wanted.max_deliver
  ) {
    await jsm.consumers.update(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable, wanted);
  }
}
