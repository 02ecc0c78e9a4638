import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { CloudFlowMessage } from '../../websocket/envelope';
import { EXTERNAL_ID } from '../relay/credential.messages';
import type { RequestMode } from '../request-mode';

/** What GET /requests shows (CONTRACT.md §5). */
export const REQUEST_STATUSES = [
  'dispatched',
  'completed',
  'failed',
  'cancelled',
  'connectionLost',
  'expired',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_LOG_PAGE = { default: 50, max: 200 } as const;

/** admin → gateway: the tenant's request log, exact filters, newest first. */
export class ListRequestsRequest {
  @IsString() @Length(1, 64) tenantId: string;
  @IsOptional() @IsString() @Length(1, 64) @Matches(EXTERNAL_ID) accountId?: string;
  @IsOptional() @IsString() @Length(1, 100) target?: string;
  @IsOptional() @IsIn(REQUEST_STATUSES) status?: RequestStatus;
  @IsOptional() @IsInt() @Min(1) @Max(REQUEST_LOG_PAGE.max) limit?: number;
}

/** One recorded message of a request's timeline. */
export interface RequestMessageView {
  seq: number;
  receivedAt: string;
  message: CloudFlowMessage;
}

/** The stored request (GET /client/v1.1/requests/{requestId}). */
export interface RequestView {
  requestId: string;
  target: string;
  type: string;
  status: RequestStatus;
  createdAt: string;
  updatedAt: string;
  request: CloudFlowMessage;
  messages: CloudFlowMessage[];
  result: CloudFlowMessage | null;
  /** The OpenTelemetry trace it was made in (32 hex), when the gateway or hub traced it. */
  traceId: string | null;
}

export interface RequestDeliveryAttemptView {
  deliveryId: string;
  seq: number;
  attempt: number;
  at: string;
  httpStatus: number | null;
  error: string | null;
}

export interface RequestDeliveryView {
  deliveryId: string;
  seq: number;
  status: 'pending' | 'delivered' | 'dead';
  attempts: RequestDeliveryAttemptView[];
}

/** One entry of the admin request log: the request, its timeline, its webhook deliveries. */
export interface RequestLogEntry extends Omit<RequestView, 'messages'> {
  accountId: string;
  mode: RequestMode;
  expiresAt: string;
  messages: RequestMessageView[];
  deliveries: RequestDeliveryView[];
}

/**
 * A request event the gateway could never record (issue 9, hole 4): refused by storage, unreadable,
 * or still unrecordable at its last allowed delivery. Set aside so it blocks no other event.
 */
export interface DeadLetterView {
  accountId: string | null;
  requestId: string | null;
  eventId: string | null;
  /** Why it was set aside (e.g. the storage error). */
  reason: string;
  /** How often it had been delivered to a gateway. */
  deliveries: number;
  /** The event as JSON text, card numbers masked, NUL characters escaped, cut at 16 KiB. */
  event: string;
  deadAt: string;
}

export interface RequestLog {
  requests: RequestLogEntry[];
  /** The tenant's dead-lettered request events (same accountId filter and limit), newest first. */
  deadLetters: DeadLetterView[];
}
