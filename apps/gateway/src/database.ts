import { GatewayRequests1764200000000 } from './migrations/1764200000000-gateway-requests.migration';
import { GatewayWebhooks1764300000000 } from './migrations/1764300000000-gateway-webhooks.migration';
import { GatewayDeadLetters1764400000000 } from './migrations/1764400000000-gateway-dead-letters.migration';
import { GatewayRequestCancelled1764800000000 } from './migrations/1764800000000-gateway-request-cancelled.migration';
import { GatewayAccountEvents1765000000000 } from './migrations/1765000000000-gateway-account-events.migration';
import { DevicePresenceEntity } from './events/device-presence.entity';
import { GatewayWebhookOperations1765100000000 } from './migrations/1765100000000-gateway-webhook-operations.migration';
import { GatewayTraceContext1765200000000 } from './migrations/1765200000000-gateway-trace-context.migration';
import { RequestEntity, RequestMessageEntity } from './requests/request.entity';
import { WebhookAttemptEntity, WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';
import { WebhookReceiverEntity } from './webhooks/webhook-receiver.entity';

/** Every entity and committed migration of the gateway schema. */
type Constructor = new (...args: never[]) => object;
export const GATEWAY_ENTITIES: Constructor[] = [
  RequestEntity,
  RequestMessageEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  DevicePresenceEntity,
  WebhookReceiverEntity,
];
export const GATEWAY_MIGRATIONS: Constructor[] = [
  GatewayRequests1764200000000,
  GatewayWebhooks1764300000000,
  GatewayDeadLetters1764400000000,
  GatewayRequestCancelled1764800000000,
  GatewayAccountEvents1765000000000,
  GatewayWebhookOperations1765100000000,
  GatewayTraceContext1765200000000,
];
