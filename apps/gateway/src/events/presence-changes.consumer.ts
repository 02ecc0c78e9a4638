import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { presenceChangeProblem, type PresenceChange } from '@cloudflow/contracts';
import { LOGGER, NatsConnectionOwner } from '@cloudflow/platform';
import { presenceChangesConsumer } from '@cloudflow/presence';
import type { ConsumerMessages, JsMsg } from 'nats';
import type { Logger } from 'pino';
import { EventPush } from './event-push';
import { PresenceRecorder } from './presence-recorder';

/** Changes recorded in one transaction at most. */
const MAX_BATCH = 256;
/** Taken from NATS and not yet recorded before the loop stops reading. */
const MAX_HELD = 1024;

const utf8 = new TextDecoder();

/**
 * Every gateway replica pulls the presence stream's one durable consumer, so each change is
 * taken by one of them (twice only after a crash: the recorder makes it news once). What is
 * taken is recorded in batches, acked after the commit, and nak'ed for a later try when Postgres
 * or admin cannot be reached: a change is never dropped for an outage.
 */
@Injectable()
export class PresenceChangesConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private held: Array<{ msg: JsMsg; change: PresenceChange }> = [];
  private working?: Promise<void>;
  private failures = 0;

  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly recorder: PresenceRecorder,
    private readonly push: EventPush,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.working;
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped;) {
      try {
        const nc = await this.nats.connection();
        const consumer = await presenceChangesConsumer(nc, this.nats.jetStreamReplicas);
        this.messages = await consumer.consume({ max_messages: MAX_BATCH });
        failures = 0;
        for await (const msg of this.messages) {
          this.take(msg);
          if (this.held.length >= MAX_HELD) await this.working;
          if (this.stopped) break;
        }
      } catch (err) {
        if (this.stopped) return;
        if (failures++ % 10 === 0) this.logger.warn({ err }, 'presence stream unavailable; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private take(msg: JsMsg): void {
    let change: unknown;
    try {
      change = JSON.parse(utf8.decode(msg.data));
    } catch {
      change = undefined;
    }
    const problem = presenceChangeProblem(change);
    if (problem) {
      // Never recordable: acknowledged for good, so it cannot hold anything back.
      this.logger.warn({ problem, seq: msg.seq }, 'unreadable presence change dropped');
      msg.term();
      return;
    }
    this.held.push({ msg, change: change as PresenceChange });
    this.working ??= this.drain().finally(() => (this.working = undefined));
  }

  private async drain(): Promise<void> {
    while (this.held.length > 0) {
      const batch = this.held.splice(0, MAX_BATCH);
      // Postgres or admin out of reach: the batch is tried again here, in place, and the changes
      // after it wait behind it, so a transient failure never lets a later change overtake it
      // (the recorder would take an older socket's changes for old news).
      for (let pause = 250; ; pause = Math.min(pause * 2, 4000)) {
        try {
          const pushed = await this.recorder.record(batch.map((b) => b.change));
          for (const { msg } of batch) msg.ack();
          this.push.send(pushed);
          this.failures = 0;
          break;
        } catch (err) {
          if (this.failures++ % 10 === 0)
            this.logger.warn({ err, changes: batch.length }, 'could not record presence changes; retrying');
          if (this.stopped) {
            // Another replica takes them up.
            for (const { msg } of [...batch, ...this.held.splice(0)]) msg.nak();
            return;
          }
          // Still ours: the ack wait starts again (a dead NATS connection redelivers them later anyway).
          for (const { msg } of batch) msg.working();
          await new Promise((r) => setTimeout(r, pause));
        }
      }
    }
  }
}
