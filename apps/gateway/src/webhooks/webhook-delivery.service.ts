import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { WebhookHttpSender } from './webhook-http.sender';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { WebhookWakeupListener } from './webhook-wakeup.listener';
import { WebhookWorker } from './webhook.worker';

/** Runs this replica's webhook worker (and its wake-up channel) for the life of the gateway process. */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private purgeTimer?: NodeJS.Timeout;
  private readonly retentionMs: number;
  private readonly deadRetentionMs: number;
  private readonly maxAgeMs: number;
  private readonly log: Logger;

  constructor(
    private readonly queue: WebhookQueueRepository,
    private readonly worker: WebhookWorker,
    private readonly wakeup: WebhookWakeupListener,
    private readonly sender: WebhookHttpSender,
    config: GatewayConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'webhooks' });
    this.retentionMs = config.WEBHOOK_RETENTION_HOURS * 3_600_000;
    this.deadRetentionMs = config.WEBHOOK_DEAD_RETENTION_HOURS * 3_600_000;
    this.maxAgeMs = config.WEBHOOK_MAX_AGE_MS;
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

  /** In this order: no more wake-ups, the deliveries in flight finish, then their connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.wakeup.stop();
    await this.worker.stop();
    this.sender.close();
  }
}
