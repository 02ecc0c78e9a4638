/**
 * The webhook room: where a webhook goes, file by file.
 *
 * 1. Outbox row. The request side (requests/, events/) sees only the port `webhook-outbox.port.ts`;
 *    `webhook-outbox.repository.ts` inserts the rows (`webhook-delivery.entity.ts`) inside the
 *    recorder's transaction and NOTIFYs the channel when it commits.
 * 2. Worker. `webhook-wakeup.listener.ts` hears the NOTIFY (a poll backs it up) and wakes
 *    `webhook.worker.ts`, which claims due rows under a lease (`webhook-queue.repository.ts`) and
 *    finds each account's URL and secrets (`webhook-target.cache.ts`).
 * 3. Vetter. `webhook-target.vetter.ts` resolves the URL and refuses any address that is not
 *    public (`webhook-address.policy.ts`; loopback where the deployment allows it): the SSRF
 *    check, at every attempt.
 * 4. Signed HTTP send. `webhook-signature.ts` signs the body, `webhook-tracing.ts` makes the
 *    attempt a span, `webhook-http.sender.ts` POSTs to the vetted address.
 * 5. Backoff or dead letter. A failure is retried after `webhook-backoff.policy.ts`'s delay until
 *    the maximum age, then the row is dead; a receiver failing too long is disabled
 *    (`webhook-receiver.entity.ts`). Counted by `webhook.metrics.ts` and `webhook-dead.metrics.ts`.
 *
 * Admin's routes (list, redeliver, receiver health) are `webhook-operations.controller.ts` over
 * `webhook-operations.repository.ts`; `webhook-delivery.service.ts` runs the worker for the life
 * of the process and purges finished rows.
 */
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
