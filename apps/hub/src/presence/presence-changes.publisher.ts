import { Inject, Injectable } from '@nestjs/common';
import { presenceChangeId, presenceChangeSubject, type PresenceChange } from '@cloudflow/contracts';
import { LOGGER, NatsConnectionOwner } from '@cloudflow/platform';
import { ensurePresenceChangesStream } from '@cloudflow/presence';
import type { Logger } from 'pino';

/** Changes waiting for the stream at most; past this the oldest go (the gateways' sweep still ends their sessions). */
const MAX_WAITING = 50_000;
const ACK_TIMEOUT_MS = 5000;

/**
 * Publishes this hub's device socket openings and closings to the presence stream
 * (PRESENCE_EVENTS), in the order they happened, each until JetStream has it: a NATS outage
 * delays them, it does not lose them (a retried publish carries the same message id, so the
 * stream keeps one). The gateways make the events from these; a hub that dies with changes
 * still here is covered by their sweep of dead hubs (reason `hubGone`).
 */
@Injectable()
export class PresenceChangesPublisher {
  private readonly waiting: PresenceChange[] = [];
  private pumping?: Promise<void>;
  private streamReady = false;
  private failures = 0;

  constructor(
    private readonly nats: NatsConnectionOwner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  publish(change: PresenceChange): void {
    if (this.waiting.length >= MAX_WAITING) {
      this.waiting.shift();
      if (this.failures % 1000 === 0) this.logger.warn('presence changes piling up; dropping the oldest');
    }
    this.waiting.push(change);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Shutdown: waits (at most `timeoutMs`) until what is waiting reached the stream. */
  async flush(timeoutMs: number): Promise<void> {
    if (!this.pumping) return;
    await Promise.race([this.pumping, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async pump(): Promise<void> {
    while (this.waiting.length > 0) {
      const change = this.waiting[0];
      try {
        await this.send(change);
        this.waiting.shift();
        this.failures = 0;
      } catch (err) {
        this.streamReady = false;
        if (this.failures++ % 20 === 0)
          this.logger.warn({ err, waiting: this.waiting.length }, 'presence stream unavailable; retrying');
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(this.failures, 4), 4000)));
      }
    }
  }

  private async send(change: PresenceChange): Promise<void> {
    const nc = await this.nats.connection();
    if (!this.streamReady) {
      await ensurePresenceChangesStream(nc, this.nats.jetStreamReplicas);
      this.streamReady = true;
    }
    await nc.jetstream().publish(presenceChangeSubject(change.tenantId), JSON.stringify(change), {
      msgID: presenceChangeId(change),
      timeout: ACK_TIMEOUT_MS,
    });
  }
}
