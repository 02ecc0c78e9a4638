import type { Provider } from '@nestjs/common';
import { WebhookDeadMetrics } from './webhook-dead.metrics';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookOutbox } from './webhook-outbox.port';
import { PostgresWebhookOutbox } from './webhook-outbox.service';
import { WebhookOperationsRepository } from './webhook-operations.repository';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { AccountWebhookTargets, WebhookTargets } from './webhook-targets';

/** The webhook outbox (for the request side) and this replica's delivery worker. */
export const WEBHOOK_PROVIDERS: Provider[] = [
  { provide: WebhookOutbox, useClass: PostgresWebhookOutbox },
  { provide: WebhookTargets, useClass: AccountWebhookTargets },
  WebhookQueueRepository,
  WebhookOperationsRepository,
  WebhookDeliveryService,
  WebhookDeadMetrics,
];
