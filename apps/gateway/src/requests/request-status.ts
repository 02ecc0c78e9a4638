import {
  CANCELLED_OUTCOME,
  FINAL_TYPES,
  type CloudFlowMessage,
  type RequestStatus,
} from '@cloudflow/contracts';
import type { StoredStatus } from './request.entity';

/** Statuses a late final answer may still move on from: a device's result is never dropped. */
const REOPENABLE: ReadonlySet<StoredStatus> = new Set([
  'dispatching',
  'dispatched',
  'connectionLost',
  'expired',
]);
const OPEN: ReadonlySet<StoredStatus> = new Set(['dispatching', 'dispatched']);

export interface StatusChange {
  status: StoredStatus;
  /** The message becomes the request's `result`. */
  result: boolean;
}

/**
 * Where a recorded message moves its request. The device's final answer decides (completed /
 * failed), even after connectionLost or expired; the hub's connectionLost only ends an open
 * request; events and anything after a final answer change nothing.
 */
export function statusAfter(
  current: StoredStatus,
  message: CloudFlowMessage,
  origin: 'device' | 'hub',
): StatusChange | null {
  if (!FINAL_TYPES.has(message.type)) return null;
  if (origin === 'hub') return OPEN.has(current) ? { status: 'connectionLost', result: false } : null;
  if (!REOPENABLE.has(current)) return null;
  if (message.type === 'flowException') return { status: 'failed', result: true };
  // The terminal stopped it on a cancel (issue 13): its own final answer says so.
  return {
    status: message.payload?.outcome === CANCELLED_OUTCOME ? 'cancelled' : 'completed',
    result: true,
  };
}

/** The status callers see: a request being written is already on its way. */
export function publicStatus(status: StoredStatus): RequestStatus {
  return status === 'dispatching' || status === 'rejected' ? 'dispatched' : status;
}
