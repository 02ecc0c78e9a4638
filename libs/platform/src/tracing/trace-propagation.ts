import { TRACEPARENT } from '@cloudflow/contracts';
import { context, ROOT_CONTEXT, trace, type Context, type TextMapGetter } from '@opentelemetry/api';
import { tracingEnabled, W3C_PROPAGATOR } from './tracing';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/** Anything with a header lookup: NATS MsgHdrs, a Node header map wrapped in a function. */
export type HeaderLookup = (name: string) => string | undefined;

const lookupGetter: TextMapGetter<HeaderLookup> = {
  get: (carrier, key) => carrier(key),
  keys: () => [TRACEPARENT_HEADER, TRACESTATE_HEADER],
};

/**
 * Writes `traceparent` (and `tracestate`) of the active span, or of `ctx`, with `set`: on a NATS
 * message, a webhook's HTTP headers. Nothing when tracing is off or there is no span.
 */
export function injectTrace(set: (name: string, value: string) => void, ctx?: Context): void {
  if (!tracingEnabled()) return;
  W3C_PROPAGATOR.inject(ctx ?? context.active(), set, {
    set: (carrier: typeof set, key: string, value: string) => carrier(key, value),
  });
}

/** The context a received message or request carries (its `traceparent`), or undefined. */
export function extractTrace(lookup: HeaderLookup): Context | undefined {
  if (!tracingEnabled()) return undefined;
  if (!lookup(TRACEPARENT_HEADER)) return undefined;
  const ctx = W3C_PROPAGATOR.extract(ROOT_CONTEXT, lookup, lookupGetter);
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/** The active span (or `ctx`'s) as one `traceparent` value: what a stored row or a stream event keeps. */
export function currentTraceparent(ctx?: Context): string | undefined {
  if (!tracingEnabled()) return undefined;
  let value: string | undefined;
  injectTrace((name, v) => {
    if (name === TRACEPARENT_HEADER) value = v;
  }, ctx);
  return value;
}

/** A kept `traceparent` back as a parent context (a malformed one is ignored). */
export function traceFromTraceparent(value: string | null | undefined): Context | undefined {
  if (!tracingEnabled() || !value || !TRACEPARENT.test(value)) return undefined;
  return extractTrace((name) => (name === TRACEPARENT_HEADER ? value : undefined));
}

/** The trace id inside a `traceparent`. */
export function traceIdOf(value: string | null | undefined): string | undefined {
  return value && TRACEPARENT.test(value) ? value.slice(3, 35) : undefined;
}
