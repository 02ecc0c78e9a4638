import type { Provider } from '@nestjs/common';
import { LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { OutboxSignal } from '../events/outbox-signal';
import { GatewayConfig } from '../gateway.config';
import { WebhookDeadMetrics } from './webhook-dead.metrics';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookHttpSender } from './webhook-http.sender';
import { WebhookOperationsRepository } from './webhook-operations.repository';
import { WebhookOutbox } from './webhook-outbox.port';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { WebhookTargetCache, WebhookTargets } from './webhook-target.cache';
import { WebhookTargetVetter } from './webhook-target.vetter';
import { WebhookWakeupListener } from './webhook-wakeup.listener';
import { WebhookMetrics } from './webhook.metrics';
import { WebhookWorker, type WebhookWorkerSettings } from './webhook.worker';

const webhookLog = (logger: Logger): Logger => logger.child({ component: 'webhooks' });

function webhookWorkerSettings(config: GatewayConfig): WebhookWorkerSettings {
  return {
    concurrency: config.WEBHOOK_CONCURRENCY,
    // A lease shorter than one attempt would let a second worker send while the first still waits.
    leaseMs: Math.max(config.WEBHOOK_LEASE_MS, config.WEBHOOK_TIMEOUT_MS + 1000),
    pollMs: config.WEBHOOK_POLL_MS,
    backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
    maxAgeMs: config.WEBHOOK_MAX_AGE_MS,
    accountConcurrency: config.WEBHOOK_ACCOUNT_CONCURRENCY,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
  };
}

/** The webhook outbox (for the request side), admin's side of it, and this replica's delivery worker. */
export const WEBHOOK_PROVIDERS: Provider[] = [
  { provide: WebhookOutbox, useClass: WebhookOutboxRepository },
  { provide: WebhookTargets, useClass: WebhookTargetCache },
  WebhookQueueRepository,
  WebhookOperationsRepository,
  WebhookMetrics,
  WebhookDeadMetrics,
  // The classes below take plain values, so their specs build them directly (the vetter with a fake resolver).
  {
    provide: WebhookTargetVetter,
    inject: [GatewayConfig],
    useFactory: (c: GatewayConfig) => new WebhookTargetVetter(c.WEBHOOK_ALLOW_LOOPBACK_HTTP),
  },
  {
    provide: WebhookHttpSender,
    inject: [GatewayConfig],
    useFactory: (c: GatewayConfig) => new WebhookHttpSender(c.WEBHOOK_TIMEOUT_MS),
  },
  {
    provide: WebhookWorker,
    inject: [
      WebhookQueueRepository,
      WebhookTargets,
      WebhookTargetVetter,
      WebhookHttpSender,
      WebhookMetrics,
      GatewayConfig,
      LOGGER,
    ],
    useFactory: (
      queue: WebhookQueueRepository,
      targets: WebhookTargets,
      vetter: WebhookTargetVetter,
      sender: WebhookHttpSender,
      metrics: WebhookMetrics,
      c: GatewayConfig,
      logger: Logger,
    ) =>
      new WebhookWorker(
        { queue, targets, vetter, sender, metrics, logger: webhookLog(logger) },
        webhookWorkerSettings(c),
      ),
  },
  {
    provide: WebhookWakeupListener,
    inject: [GatewayConfig, WebhookWorker, OutboxSignal, LOGGER],
    useFactory: (c: GatewayConfig, worker: WebhookWorker, signal: OutboxSignal, logger: Logger) =>
      new WebhookWakeupListener(
        c.DATABASE_URL,
        () => {
          worker.wake();
          signal.ring();
        },
        webhookLog(logger),
      ),
  },
  WebhookDeliveryService,
];
