import type { Logger } from 'pino';
import { backoffDelayMs } from './webhook-backoff.policy';
import type { SendResult, WebhookHttpSender } from './webhook-http.sender';
import type { WebhookMetrics } from './webhook.metrics';
import type { ClaimedDelivery, WebhookQueueRepository } from './webhook-queue.repository';
import {
  DELIVERY_ID_HEADER,
  REQUEST_ID_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  signingSecrets,
} from './webhook-signature';
import { TargetUnavailable, type WebhookTargets } from './webhook-target.cache';
import { tracedAttempt, traceHeaders } from './webhook-tracing';
import { WebhookRefused, type WebhookTargetVetter } from './webhook-target.vetter';

export interface WebhookWorkerSettings {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxAgeMs: number;
  /** Rows of one account in flight at once, over every replica (issue 14, fairness). */
  accountConcurrency: number;
  /** A receiver failing this long is disabled (issue 14). */
  disableAfterMs: number;
}

export interface WebhookWorkerParts {
  queue: WebhookQueueRepository;
  targets: WebhookTargets;
  vetter: WebhookTargetVetter;
  sender: WebhookHttpSender;
  metrics?: WebhookMetrics;
  logger: Logger;
}

/**
 * Delivers the outbox: every gateway replica runs one. It keeps up to `concurrency` deliveries
 * in flight, claiming more whenever a slot frees, an enqueue commits (wake()) or the poll ticks.
 * At-least-once: a delivery is settled only after the receiver answered, so a worker killed in
 * between leaves a lease that expires and another worker sends the same deliveryId again.
 */
export class WebhookWorker {
  private running = false;
  private pumping = false;
  private again = false;
  private inflight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private retryAt = Infinity;
  private storageFailures = 0;
  private wakeScheduled = false;

  constructor(
    private readonly parts: WebhookWorkerParts,
    private readonly settings: WebhookWorkerSettings,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Look for due deliveries now (an enqueue committed, a slot freed). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Stops claiming and waits for the deliveries in flight (each bounded by the send timeout). */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await Promise.allSettled([...this.inflight]);
  }

  get busy(): number {
    return this.inflight.size;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.running && this.inflight.size < this.settings.concurrency) {
          const rows = await this.parts.queue.claim(
            this.settings.concurrency - this.inflight.size,
            this.settings.leaseMs,
            this.settings.accountConcurrency,
          );
          this.storageFailures = 0;
          if (rows.length === 0) break;
          for (const row of rows) this.track(this.deliver(row));
        }
      } while (this.again && this.running);
    } catch (error) {
      // Postgres down: nothing to claim; the poll tries again, quietly after the first warning.
      if (this.storageFailures++ % 30 === 0)
        this.parts.logger.warn({ err: error }, 'webhook outbox unavailable; retrying');
    } finally {
      this.pumping = false;
    }
  }

  /** One timer for the soonest retry this worker scheduled, so short backoffs do not wait for the poll. */
  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (at >= this.retryAt || ms >= this.settings.pollMs) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryAt = Infinity;
      this.wake();
    }, ms + 5);
    this.retryTimer.unref();
  }

  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => {
      this.inflight.delete(work);
      // The next message of the same request may be due now.
      this.wakeSoon();
    });
  }

  /**
   * wake(), once for all the deliveries that finished in this turn of the event loop: their 2xx
   * settle in one batch, so they free their slots together and one claim refills them all
   * (was a claim per freed slot, i.e. about one claim statement per delivery).
   */
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private async deliver(row: ClaimedDelivery): Promise<void> {
    // Only the receiver's own failures count towards disabling it, not ours (auth or admin unreachable).
    let receiverFault = true;
    const result = await tracedAttempt(row, () => this.attempt(row)).catch((error: unknown): SendResult => {
      if (error instanceof TargetUnavailable) receiverFault = false;
      return { httpStatus: null, error: error instanceof Error ? error.message : String(error) };
    });
    const { queue, metrics, logger } = this.parts;
    const log = {
      deliveryId: row.deliveryId,
      requestId: row.requestId,
      seq: row.seq,
      attempt: row.attempts + 1,
    };
    try {
      if (result.error === null && result.httpStatus !== null) {
        if (await queue.markDelivered(row, result.httpStatus)) metrics?.delivered(row);
        logger.debug(log, 'webhook delivered');
        return;
      }
      // A redelivery starts the backoff over (issue 14): count only the attempts since it.
      const retryInMs = backoffDelayMs(row.budgetAttempts + 1, {
        baseMs: this.settings.backoffBaseMs,
        maxMs: this.settings.backoffMaxMs,
      });
      const error = result.error ?? 'delivery failed';
      const settled = await queue.markFailed(
        row,
        { httpStatus: result.httpStatus, error },
        {
          retryInMs,
          maxAgeMs: this.settings.maxAgeMs,
          receiverFault,
          disableAfterMs: this.settings.disableAfterMs,
        },
      );
      if (settled?.receiverDisabled)
        logger.warn(
          { accountId: row.accountId, error },
          'webhook receiver disabled: failing for too long; the tenant can enable it again',
        );
      const status = settled?.status;
      if (status === 'dead') {
        metrics?.count('dead');
        logger.warn({ ...log, error }, 'webhook delivery dead: gave up after the maximum age');
      } else if (status === 'pending') {
        metrics?.count('failed');
        this.wakeIn(Math.min(retryInMs, this.settings.maxAgeMs));
        logger.info({ ...log, error, retryInMs }, 'webhook delivery failed; will retry');
      }
    } catch (error) {
      // Not recorded: the lease runs out and the delivery is tried again (at-least-once).
      logger.warn({ err: error, ...log }, 'could not record a webhook attempt');
    }
  }

  private async attempt(row: ClaimedDelivery): Promise<SendResult> {
    const target = await this.parts.targets.resolve(row.tenantId, row.accountId);
    // The account may still set one: keep retrying until the maximum age.
    if (!target.url) return { httpStatus: null, error: 'account has no webhook URL' };
    let vetted;
    try {
      vetted = await this.parts.vetter.vet(target.url);
    } catch (error) {
      if (error instanceof WebhookRefused) return { httpStatus: null, error: error.message };
      throw error;
    }
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(signingSecrets(target), row.body, Date.now() / 1000),
      [DELIVERY_ID_HEADER]: row.deliveryId,
      ...traceHeaders(),
      // A presence event belongs to no request (its key in the outbox only orders the device's events).
      ...(row.kind === 'requestMessage' ? { [REQUEST_ID_HEADER]: row.requestId } : {}),
    };
    return this.parts.sender.send(vetted, row.body, headers);
  }
}
