import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CloudFlowError,
  ErrorCode,
  ListWebhookDeliveriesRequest,
  RedeliverDeadWebhooksRequest,
  RedeliverWebhookRequest,
  SUBJECTS,
  WEBHOOK_DELIVERY_PAGE,
  WebhookReceiverRequest,
  type RedeliveredWebhooks,
  type WebhookDeliveryList,
  type WebhookDeliverySummary,
  type WebhookReceiverStatus,
} from '@cloudflow/contracts';
import { WebhookOperationsRepository } from './webhook-operations.repository';

const G = SUBJECTS.gateway;

/**
 * NATS responders (queue group `gateway`) for admin's webhook routes (issue 14). Admin has
 * checked that the account is the caller tenant's; every query is scoped to both anyway.
 */
@Controller()
export class WebhookOperationsController {
  constructor(private readonly operations: WebhookOperationsRepository) {}

  @MessagePattern(G.webhookDeliveryList)
  async list(@Payload() r: ListWebhookDeliveriesRequest): Promise<WebhookDeliveryList> {
    const limit = r.limit ?? WEBHOOK_DELIVERY_PAGE.default;
    return { deliveries: await this.operations.list(r.tenantId, r.accountId, r.status, limit) };
  }

  @MessagePattern(G.webhookRedeliver)
  async redeliver(@Payload() r: RedeliverWebhookRequest): Promise<WebhookDeliverySummary> {
    const delivery = await this.operations.redeliver(r.tenantId, r.accountId, r.deliveryId);
    if (!delivery) throw new CloudFlowError(ErrorCode.notFound, `Delivery '${r.deliveryId}' does not exist`);
    return delivery;
  }

  @MessagePattern(G.webhookRedeliverDead)
  async redeliverDead(@Payload() r: RedeliverDeadWebhooksRequest): Promise<RedeliveredWebhooks> {
    return { redelivered: await this.operations.redeliverDead(r.tenantId, r.accountId) };
  }

  @MessagePattern(G.webhookReceiverGet)
  receiver(@Payload() r: WebhookReceiverRequest): Promise<WebhookReceiverStatus> {
    return this.operations.receiver(r.tenantId, r.accountId);
  }

  @MessagePattern(G.webhookReceiverEnable)
  async enable(@Payload() r: WebhookReceiverRequest): Promise<WebhookReceiverStatus> {
    await this.operations.enable(r.tenantId, r.accountId);
    return this.operations.receiver(r.tenantId, r.accountId);
  }
}
