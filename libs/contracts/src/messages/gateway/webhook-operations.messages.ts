import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { AccountRef } from '../relay/credential.messages';

/** What a webhook delivery can be: waiting (or retrying), delivered (2xx), or given up on. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WEBHOOK_DELIVERY_PAGE = { default: 50, max: 500 } as const;

/** admin → gateway: an account's deliveries, newest first, optionally of one status. */
export class ListWebhookDeliveriesRequest extends AccountRef {
  @IsOptional() @IsIn(WEBHOOK_DELIVERY_STATUSES) status?: WebhookDeliveryStatus;
  @IsOptional() @IsInt() @Min(1) @Max(WEBHOOK_DELIVERY_PAGE.max) limit?: number;
}

/** admin → gateway: send one delivery again (same deliveryId and body, a fresh retry budget). */
export class RedeliverWebhookRequest extends AccountRef {
  @IsUUID() deliveryId: string;
}

/** admin → gateway: send every dead delivery of the account again. */
export class RedeliverDeadWebhooksRequest extends AccountRef {}

/** admin → gateway: the account's receiver health, or its re-enabling. */
export class WebhookReceiverRequest extends AccountRef {}

/** One delivery as the tenant sees it (the body itself is not shown: it is the request's message). */
export interface WebhookDeliverySummary {
  deliveryId: string;
  requestId: string;
  seq: number;
  status: WebhookDeliveryStatus;
  /** Attempts so far, every one counted (also those before a redelivery). */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
  /** The latest redelivery asked for through the admin API. */
  redeliveredAt: string | null;
}

export interface WebhookDeliveryList {
  deliveries: WebhookDeliverySummary[];
}

export interface RedeliveredWebhooks {
  /** How many dead deliveries were queued again. */
  redelivered: number;
}

/**
 * An account's webhook receiver: `ok` (its last attempt succeeded, or none failed), `failing`
 * (every attempt since `failingSince` failed) or `disabled` (failing for longer than the
 * deployment allows: nothing is attempted until the tenant enables it again).
 */
export interface WebhookReceiverStatus {
  accountId: string;
  state: 'ok' | 'failing' | 'disabled';
  failingSince: string | null;
  disabledAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Deliveries waiting (pending) and given up on (dead). */
  pending: number;
  dead: number;
}

/** auth: a new webhook secret; the old one keeps signing next to it until `previousExpiresAt`. */
export class RotateWebhookSecretRequest extends AccountRef {}

export interface RotatedWebhookSecret {
  webhookSecret: string;
  /** When deliveries stop carrying the old secret's signature (null: there was no old one). */
  previousExpiresAt: string | null;
}
