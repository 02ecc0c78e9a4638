import type { CloudFlowMessage, RequestDeliveryAttemptView, RequestDeliveryView } from '@cloudflow/contracts';
import type { EntityManager } from 'typeorm';

/** One message recorded on an async request, to be POSTed to the account's webhook URL. */
export interface OutboxItem {
  tenantId: string;
  accountId: string;
  requestId: string;
  /** Position in the request's timeline (1, 2, …): deliveries of one request go out in this order. */
  seq: number;
  message: CloudFlowMessage;
}

/**
 * A delivery and its attempts, as the admin request log shows them: the bus contract's own
 * types (the request log travels to admin over NATS), named here for the outbox's side.
 */
export type DeliveryAttemptView = RequestDeliveryAttemptView;
export type DeliveryView = RequestDeliveryView;

/** A request as the outbox knows it: a requestId is unique only within its account. */
export interface RequestRef {
  accountId: string;
  requestId: string;
}

/** The key `deliveriesFor` answers under (two accounts of one tenant may use the same requestId). */
export function deliveryKey(ref: RequestRef): string {
  return `${ref.accountId}\u0000${ref.requestId}`;
}

/**
 * The persisted webhook outbox, seen from the request side. `enqueue` runs inside the caller's
 * transaction, so a message is recorded on its request and queued for delivery atomically.
 */
export abstract class WebhookOutbox {
  abstract enqueue(manager: EntityManager, item: OutboxItem): Promise<void>;
  /** `enqueue` for many messages in one statement (the recorder's batch). */
  abstract enqueueMany(manager: EntityManager, items: OutboxItem[]): Promise<void>;
  /** Deliveries (with their attempts) of the given requests of one tenant, keyed by `deliveryKey`. */
  abstract deliveriesFor(tenantId: string, requests: RequestRef[]): Promise<Map<string, DeliveryView[]>>;
}
