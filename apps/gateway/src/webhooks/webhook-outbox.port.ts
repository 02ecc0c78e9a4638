import type {
  CloudFlowMessage,
  EventType,
  PresenceEventBody,
  RequestDeliveryView,
} from '@cloudflow/contracts';
import type { EntityManager } from 'typeorm';

/**
 * One event of an account, to be POSTed to its webhook URL and shown in its feed: a message
 * recorded on an async request, or (issue 14) a device's presence.
 */
export interface OutboxItem {
  tenantId: string;
  accountId: string;
  /** The request's id; for presence, `presenceOrderKey(referenceId)`. */
  requestId: string;
  /** Position in the request's timeline (1, 2, …): deliveries of one request go out in this order. */
  seq: number;
  message: CloudFlowMessage | PresenceEventBody;
  /** Default `requestMessage`. */
  kind?: EventType;
  /** Made by the caller when it needs to know it (presence: pushed to subscribed sockets); else a new one. */
  deliveryId?: string;
  /** The recording's span (tracing on): the delivery's attempts continue its trace. */
  traceparent?: string;
}

/** Where a device's presence events sit in the outbox: deliveries with one key go out in seq order. */
export function presenceOrderKey(referenceId: string): string {
  return `device:${referenceId}`;
}

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
  abstract deliveriesFor(
    tenantId: string,
    requests: RequestRef[],
  ): Promise<Map<string, RequestDeliveryView[]>>;
}
