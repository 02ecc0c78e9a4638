import {
  context,
  ROOT_CONTEXT,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export { SpanKind };
/** A trace context kept with state that outlives the call that made it (an in-flight request). */
export type TraceContext = Context;
export type TraceSpan = Span;

/** Only the W3C `traceparent`/`tracestate` pair: no baggage crosses the bus or reaches a webhook. */
export const W3C_PROPAGATOR: TextMapPropagator = new W3CTraceContextPropagator();

let enabled = false;
let stop: (() => Promise<void>) | undefined;
/** A proxy: it starts real spans once the SDK registered its provider (startTracing). */
const tracer = trace.getTracer('cloudflow');

/** True once startTracing ran with an endpoint; every helper here is a plain call otherwise. */
export function tracingEnabled(): boolean {
  return enabled;
}

export interface TracingStart {
  /** `service.name`: gateway, hub, auth, admin. */
  service: string;
  /** `service.instance.id`: the replica (INSTANCE_ID, or host:pid). */
  instance: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (BaseConfig); unset or empty: nothing is started. */
  endpoint?: string;
  /** Tests: spans go here instead of an OTLP exporter. */
  exporter?: SpanExporter;
}

/**
 * Starts the OpenTelemetry SDK for this process, once (an in-process test may build several
 * services: the first one names the process). The SDK is loaded only here, so a service without
 * an endpoint never loads it, and every helper below stays a plain function call. Exports OTLP
 * over HTTP (JSON) to `${endpoint}/v1/traces`; the exporter reads the standard OTEL_EXPORTER_OTLP_*
 * and OTEL_BSP_* variables itself. No metrics or logs go through OTLP (Prometheus and pino do those).
 */
export function startTracing(options: TracingStart): boolean {
  if (enabled) return true;
  if (!options.exporter && !options.endpoint?.trim()) return false;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor, SimpleSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new NodeSDK({
    serviceName: options.service,
    resource: resourceFromAttributes({
      'service.name': options.service,
      'service.instance.id': options.instance,
    }),
    autoDetectResources: false,
    spanProcessors: [
      options.exporter
        ? new SimpleSpanProcessor(options.exporter)
        : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
    textMapPropagator: W3C_PROPAGATOR,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  enabled = true;
  stop = async () => {
    enabled = false;
    await sdk.shutdown();
  };
  return true;
}

/** Exports what is still buffered and stops (the service's shutdown); a no-op when off. */
export async function stopTracing(): Promise<void> {
  const s = stop;
  stop = undefined;
  await s?.();
}

/**
 * Runs `fn` inside a new span, ended when `fn` (or its promise) settles; a throw or rejection
 * marks it as an error. `parent` defaults to the active context; pass one kept from earlier (an
 * in-flight request's) to continue its trace. With tracing off: `fn(undefined)` and nothing else,
 * so callers pass constant names and set attributes on the span they get (`span?.setAttribute`).
 */
export function inSpan<T>(
  name: string,
  kind: SpanKind,
  fn: (span: Span | undefined) => T,
  parent?: Context,
): T {
  if (!enabled) return fn(undefined);
  return run(name, kind, fn, parent ?? context.active());
}

/**
 * inSpan, but only inside a trace: with no span in the parent (a ping, a frame outside any
 * payment) `fn` runs without one, so housekeeping never starts traces of its own.
 */
export function inChildSpan<T>(
  name: string,
  kind: SpanKind,
  fn: (span: Span | undefined) => T,
  parent?: Context,
): T {
  if (!enabled) return fn(undefined);
  const ctx = parent ?? context.active();
  if (!trace.getSpanContext(ctx)) return fn(undefined);
  return run(name, kind, fn, ctx);
}

/**
 * inSpan under a context kept from earlier (a message's traceparent, an in-flight request's
 * span), never under whatever happens to be active: without one, `fn` runs outside any trace
 * (a socket's or a subscription's callbacks inherit the context they were created in, which
 * belongs to some other request).
 */
export function inSpanUnder<T>(
  parent: Context | undefined,
  name: string,
  kind: SpanKind,
  fn: (span: Span | undefined) => T,
): T {
  if (!enabled) return fn(undefined);
  if (!parent) return context.with(ROOT_CONTEXT, fn, undefined, undefined);
  return run(name, kind, fn, parent);
}

/**
 * A span under a kept context that is ended later by `endSpan` (work that is not one function
 * call: an event recorded by a batch's transaction). Undefined when off or without a parent.
 */
export function startSpanUnder(
  parent: Context | undefined,
  name: string,
  kind: SpanKind,
  attributes?: Attributes,
): Context | undefined {
  if (!enabled || !parent) return undefined;
  return trace.setSpan(parent, tracer.startSpan(name, { kind, attributes }, parent));
}

/** Ends the span of `startSpanUnder`'s context, failed when `error` is given. */
export function endSpan(ctx: Context | undefined, error?: string): void {
  const span = ctx && trace.getSpan(ctx);
  if (!span) return;
  if (error) markSpanFailed(span, error);
  span.end();
}

/** The parent of a span that starts a new trace (a websocket payment: frames carry no traceparent). */
export const NEW_TRACE: Context = ROOT_CONTEXT;

/** The active context when tracing is on and it carries a span (to keep with in-flight state). */
export function activeTraceContext(): Context | undefined {
  if (!enabled) return undefined;
  const ctx = context.active();
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/** Runs `fn` with `ctx` active (a kept context: onward messages then carry its trace). */
export function withTraceContext<T>(ctx: Context | undefined, fn: () => T): T {
  if (!enabled || !ctx) return fn();
  return context.with(ctx, fn);
}

/** The 32-hex trace id of the active span (or of `ctx`), for the request record. */
export function currentTraceId(ctx?: Context): string | undefined {
  if (!enabled) return undefined;
  return trace.getSpanContext(ctx ?? context.active())?.traceId;
}

function run<T>(name: string, kind: SpanKind, fn: (span: Span | undefined) => T, parent: Context): T {
  const span = tracer.startSpan(name, { kind }, parent);
  const ctx = trace.setSpan(parent, span);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (error) {
    fail(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

function fail(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Marks a span as failed without an exception (a refused delivery, a webhook's 500). */
export function markSpanFailed(span: Span | undefined, message: string): void {
  span?.setStatus({ code: SpanStatusCode.ERROR, message });
}
