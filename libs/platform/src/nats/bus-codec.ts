import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { headers, type Msg, type MsgHdrs } from 'nats';
import { CORRELATION_HEADER, currentCorrelationId } from '../logging/request-context';

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
 * Headers for a raw publish or request: the caller's correlation id, as the RPC client sends it.
 * None when there is no id (a frame outside any HTTP request), so the hot path allocates nothing.
 */
export function busHeaders(): MsgHdrs | undefined {
  const id = currentCorrelationId();
  if (!id) return undefined;
  const h = headers();
  h.set(CORRELATION_HEADER, id);
  return h;
}

/** The correlation id a raw message carries, for the receiver's logs and onward messages. */
export function correlationOf(msg: Pick<Msg, 'headers'>): string | undefined {
  return msg.headers?.get(CORRELATION_HEADER) || undefined;
}
