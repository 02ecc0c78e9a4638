import { EVENTS, parseEvent, REVOCATIONS, type AccessRevokedEvent } from '@cloudflow/contracts';
import {
  DeliverPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type NatsConnection,
} from 'nats';
import type { Logger } from 'pino';
import { decodeBus } from './bus-codec';
import { NatsConnectionOwner } from './nats-connection.owner';
import { createUnlessPresent } from './create-unless-present';

const RESTART_MS = 1_000;

/**
 * Every `accessRevoked` broadcast, reliably (issue 12 item 1). A plain subscription loses what
 * NATS core drops: a broadcast sent while a route between NATS nodes was down, or while this
 * process reconnected. The REVOCATIONS stream captures the broadcast subject as it is published
 * (the publishers change nothing), and this follows it with an ordered consumer, which notices a
 * gap in the sequence and reads again from where it was. After a reconnect it starts over from
 * the time of the last event it handled, so a handler sees some events twice and must not mind.
 */
export class RevocationStream {
  private messages?: ConsumerMessages;
  private stopped = false;
  private caughtUpOnce = false;

  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly logger: Logger,
  ) {
    // A restarted NATS server may come back without the (memory) stream: set it up again.
    nats.onReconnect(() => this.messages?.stop());
  }

  /**
   * Calls `handler` for each revocation the stream holds from `sinceMs` on, and for each new one,
   * with the time (ms) NATS stored it.
   */
  follow(sinceMs: number, handler: (event: AccessRevokedEvent, storedAtMs: number) => void): void {
    void this.run(sinceMs, handler);
  }

  /** Whether every revocation kept at the start has been handled (a hub is not ready before). */
  get caughtUp(): boolean {
    return this.caughtUpOnce;
  }

  stop(): void {
    this.stopped = true;
    this.messages?.stop();
  }

  private async run(
    sinceMs: number,
    handler: (event: AccessRevokedEvent, storedAtMs: number) => void,
  ): Promise<void> {
    let from = sinceMs;
    while (!this.stopped) {
      try {
        const nc = await this.nats.connection();
        await ensureRevocationsStream(nc, this.nats.jetStreamReplicas);
        const consumer = await nc.jetstream().consumers.get(REVOCATIONS.stream, {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(from).toISOString(),
        });
        this.messages = await consumer.consume();
        if (this.stopped) this.messages.stop();
        if ((await consumer.info()).num_pending === 0) this.caughtUpOnce = true;
        for await (const m of this.messages) {
          const storedAtMs = Math.floor(m.info.timestampNanos / 1e6);
          from = Math.max(from, storedAtMs);
          let event: AccessRevokedEvent;
          try {
            event = decodeBus(m.data, (value) => parseEvent(EVENTS.accessRevoked, value));
          } catch (err) {
            this.logger.warn({ err }, 'malformed revocation in the stream ignored');
            continue;
          }
          try {
            handler(event, storedAtMs);
          } catch (err) {
            this.logger.warn({ err }, 'revocation handler failed');
          }
          if (m.info.pending === 0) this.caughtUpOnce = true;
        }
      } catch (err) {
        this.logger.warn({ err }, 'cannot follow the revocation stream yet; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RESTART_MS).unref());
    }
  }
}

/** Whoever follows first creates it; memory storage: revocations matter for minutes, not across a NATS restart. */
export async function ensureRevocationsStream(nc: NatsConnection, replicas: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await createUnlessPresent(
    () => jsm.streams.info(REVOCATIONS.stream),
    () =>
      jsm.streams.add({
        name: REVOCATIONS.stream,
        subjects: [EVENTS.accessRevoked],
        storage: StorageType.Memory,
        retention: RetentionPolicy.Limits,
        max_age: nanos(REVOCATIONS.maxAgeMs),
        max_msgs: 1_000_000,
        num_replicas: replicas,
      }),
  );
}
