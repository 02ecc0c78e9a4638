import {
  injectTrace,
  inSpanUnder,
  markSpanFailed,
  SpanKind,
  traceFromTraceparent,
  tracingEnabled,
} from '@cloudflow/platform';
import type { SendResult } from './webhook-http.sender';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One webhook attempt as a span of its payment's trace: the child of the recording that queued
 * the delivery (the row's traceparent). A delivery queued without one (tracing off then, a
 * presence event) is sent outside any trace. A plain call when tracing is off.
 */
export function tracedAttempt(
  row: { traceparent: string | null; deliveryId: string; attempts: number },
  attempt: () => Promise<SendResult>,
): Promise<SendResult> {
  return inSpanUnder(
    traceFromTraceparent(row.traceparent),
    'webhook attempt',
    SpanKind.CLIENT,
    async (span) => {
      span?.setAttribute('cloudflow.delivery.id', row.deliveryId);
      span?.setAttribute('cloudflow.attempt', row.attempts + 1);
      const result = await attempt();
      if (result.httpStatus !== null) span?.setAttribute('http.response.status_code', result.httpStatus);
      if (result.error !== null) markSpanFailed(span, result.error);
      return result;
    },
  );
}

/** `traceparent` (and `tracestate`) of the attempt's span, for the delivery's HTTP headers; none when untraced. */
export function traceHeaders(): Readonly<Record<string, string>> {
  if (!tracingEnabled()) return NO_HEADERS;
  const headers: Record<string, string> = {};
  injectTrace((name, value) => (headers[name] = value));
  return headers;
}
