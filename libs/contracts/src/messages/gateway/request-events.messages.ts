import type { CloudFlowMessage } from '../../websocket/envelope';
import type { RequestMode } from '../request-mode';

/**
 * The durable stream of request events: hubs publish what the gateways must record (the start
 * of a sync websocket request, every device reply to a recorded request, late answers, and the
 * hub's own connectionLost), and all gateway replicas share one durable pull consumer on it,
 * so each event is recorded once and redelivered if a gateway dies before acknowledging it.
 * A stream message is one RequestEvent (a JSON object, message id = its eventId) or several, in
 * order, as a JSON array (a hub batching its publishes under load; message id fresh per batch).
 * Gateways read both; a rolling upgrade updates the gateways before the hubs.
 */
export const REQUEST_EVENTS = {
  stream: 'CF_REQUEST_EVENTS',
  subject: 'gateway.requests.events.v1',
  durable: 'gateway-requests',
  /**
   * Events older than this are gone from the stream. Recording needs minutes (a gateway outage
   * of hours at worst); the stream holds masked device frames, so it keeps them no longer than that.
   */
  maxAgeMs: 24 * 3_600_000,
} as const;

/**
 * - `start`: a sync request the device acknowledged (index 0).
 * - `reply`: a device message (or the hub's connectionLost) for a request its socket knows; `index` 1, 2, … per socket.
 * - `late`: a device message for a request its socket does not know (it reconnected): recorded if such a request exists.
 */
/** W3C Trace Context `traceparent`: `version-traceid-spanid-flags`, lower-case hex, ids not all zero. */
export const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export type RequestEventKind = 'start' | 'reply' | 'late';

export interface RequestEvent {
  /** Unique per event (hub-assigned); the gateway records each id once, so redeliveries are harmless. */
  eventId: string;
  kind: RequestEventKind;
  /** How the request was made: websocket (sync) or REST (async); unknown for late answers. */
  mode?: RequestMode;
  tenantId: string;
  accountId: string;
  /** The device's referenceId (the request's target). */
  target: string;
  requestId: string;
  /** The device connection that carried it. */
  connId: string;
  /** Order of this socket's events for the request (start 0, replies 1, 2, …); null for late answers. */
  index: number | null;
  /** `hub` for the hub's own connectionLost (the socket dropped); the device's messages otherwise. */
  origin?: 'device' | 'hub';
  message: CloudFlowMessage;
  at: string;
  /**
   * W3C `traceparent` of the span that produced it (the device message, the delivery), when the
   * hub traces: the gateway records it as a child span and keeps it for the webhook's attempts.
   * In the event, not only a header: a stream message may carry several events of several traces.
   */
  traceparent?: string;
}
