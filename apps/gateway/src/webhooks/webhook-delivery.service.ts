import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, MetricsService } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { WebhookHttpSender } from './webhook-http.sender';
import { WebhookMetrics } from './webhook.metrics';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { WebhookTargets } from './webhook-target.cache';
import { WebhookTargetVetter } from './webhook-target.vetter';
import { WebhookWakeupListener } from './webhook-wakeup.listener';
import { OutboxSignal } from '../events/outbox-signal';
import { WebhookWorker } from './webhook.worker';

/** Runs this replica's webhook worker for the life of the gateway process. */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly worker: WebhookWorker;
  private readonly wakeup: WebhookWakeupListener;
  private readonly sender: WebhookHttpSender;
  private purgeTimer?: NodeJS.Timeout;
  private readonly retentionMs: number;
  private readonly deadRetentionMs: number;
  private readonly maxAgeMs: number;
  private readonly log: Logger;

  constructor(
    private readonly queue: WebhookQueueRepository,
    targets: WebhookTargets,
    config: GatewayConfig,
    metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
    signal: OutboxSignal,
  ) {
    const log = (this.log = logger.child({ component: 'webhooks' }));
    this.retentionMs = config.WEBHOOK_RETENTION_HOURS * 3_600_000;
    this.deadRetentionMs = config.WEBHOOK_DEAD_RETENTION_HOURS * 3_600_000;
    this.maxAgeMs = config.WEBHOOK_MAX_AGE_MS;
    this.sender = new WebhookHttpSender(config.WEBHOOK_TIMEOUT_MS);
    this.worker = new WebhookWorker(
      {
        queue,
        targets,
        vetter: new WebhookTargetVetter(config.WEBHOOK_ALLOW_LOOPBACK_HTTP),
        sender: this.sender,
        metrics: new WebhookMetrics(metrics.registry),
        logger: log,
      },
      {
        concurrency: config.WEBHOOK_CONCURRENCY,
        // A lease shorter than one attempt would let a second worker send while the first still waits.
        leaseMs: Math.max(config.WEBHOOK_LEASE_MS, config.WEBHOOK_TIMEOUT_MS + 1000),
        pollMs: config.WEBHOOK_POLL_MS,
        backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
        backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
        maxAgeMs: config.WEBHOOK_MAX_AGE_MS,
        accountConcurrency: config.WEBHOOK_ACCOUNT_CONCURRENCY,
        disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
      },
    );
    this.wakeup = new WebhookWakeupListener(
      config.DATABASE_URL,
      () => {
        this.worker.wake();
        signal.ring();
      },
      log,
    );
  }

  onApplicationBootstrap(): void {
    this.worker.start();
    this.wakeup.start();
    // Every replica purges; the DELETE is idempotent, so overlapping runs are harmless.
    this.purgeTimer = setInterval(() => void this.purge(), 3_600_000);
    this.purgeTimer.unref();
  }

  private async purge(): Promise<void> {
    try {
      const expired = await this.queue.expireDisabled(this.maxAgeMs);
      if (expired) this.log.info({ expired }, 'webhook deliveries of disabled receivers went dead');
      const purged = await this.queue.purgeFinished(this.retentionMs, this.deadRetentionMs);
      if (purged) this.log.info({ purged }, 'purged finished webhook deliveries');
    } catch (error) {
      this.log.warn({ err: error }, 'could not purge finished webhook deliveries');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.wakeup.stop();
    await this.worker.stop();
    this.sender.close();
  }
}
