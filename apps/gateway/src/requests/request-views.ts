import type {
  CloudFlowMessage,
  RequestDeliveryView,
  RequestLogEntry,
  RequestView,
} from '@cloudflow/contracts';
import type { RequestEntity, RequestMessageEntity } from './request.entity';
import { publicStatus } from './request-status';

/** GET /client/v1.1/requests/{requestId} (CONTRACT.md §5). */
export function toRequestView(row: RequestEntity, messages: RequestMessageEntity[]): RequestView {
  return {
    requestId: row.requestId,
    target: row.target,
    type: row.type,
    status: publicStatus(row.status),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    request: row.request,
    messages: messages.map((m): CloudFlowMessage => m.message),
    result: row.result,
    traceId: row.traceId ?? null,
  };
}

/** One entry of the admin request log. */
export function toLogEntry(
  row: RequestEntity,
  messages: RequestMessageEntity[],
  deliveries: RequestDeliveryView[],
): RequestLogEntry {
  return {
    ...toRequestView(row, []),
    accountId: row.accountId,
    mode: row.mode,
    expiresAt: row.expiresAt.toISOString(),
    messages: messages.map((m) => ({
      seq: m.seq,
      receivedAt: m.receivedAt.toISOString(),
      message: m.message,
    })),
    deliveries,
  };
}
