import type { Provider } from '@nestjs/common';
import { WebhookDeadMetrics } from './webhook-dead.metrics';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookOutbox } from './webhook-outbox.port';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WebhookOperationsRepository } from './webhook-operations.repository';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { WebhookTargetCache, WebhookTargets } from './webhook-target.cache';

/** The webhook outbox (for the request side) and this replica's delivery worker. */
export const WEBHOOK_PROVIDERS: Provider[] = [
  { provide: WebhookOutbox, useClass: WebhookOutboxRepository },
  { provide: WebhookTargets, useClass: WebhookTargetCache },
  WebhookQueueRepository,
  WebhookOperationsRepository,
  WebhookDeliveryService,
  WebhookDeadMetrics,
];
