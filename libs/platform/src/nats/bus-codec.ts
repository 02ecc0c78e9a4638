import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { headers, type Msg, type MsgHdrs } from 'nats';
import { CORRELATION_HEADER, currentCorrelationId } from '../logging/request-context';
import { extractTrace, injectTrace } from '../tracing/trace-propagation';
import { tracingEnabled, type TraceContext } from '../tracing/tracing';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON on the raw NATS paths; receivers pass the contract's parse function for the subject. */
export function encodeBus(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes and validates; anything that is not the contract's shape is `invalidData`. */
export function decodeBus<T>(data: Uint8Array, parse: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new CloudFlowError(ErrorCode.invalidData, 'Bus message is not JSON');
  }
  return parse(value);
}

/**
 * Headers for a raw publish or request: the caller's correlation id, as the RPC client sends it,
 * and (tracing on) the active span's `traceparent`/`tracestate`. None when there is neither (a
 * frame outside any HTTP request, tracing off), so the hot path allocates nothing.
 */
export function busHeaders(): MsgHdrs | undefined {
  const id = currentCorrelationId();
  const traced = tracingEnabled();
  if (!id && !traced) return undefined;
  const h = headers();
  if (id) h.set(CORRELATION_HEADER, id);
  if (traced) injectTrace((name, value) => h.set(name, value));
  return h;
}

/** The trace context a raw message carries (`traceparent` header), when tracing is on. */
export function traceOf(msg: Pick<Msg, 'headers'>): TraceContext | undefined {
  const h = msg.headers;
  return h ? extractTrace((name) => h.get(name) || undefined) : undefined;
}

/** The correlation id a raw message carries, for the receiver's logs and onward messages. */
export function correlationOf(msg: Pick<Msg, 'headers'>): string | undefined {
  return msg.headers?.get(CORRELATION_HEADER) || undefined;
}
