import { context, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { extractTrace } from './trace-propagation';
import { markSpanFailed, SpanKind, tracingEnabled } from './tracing';

/** Probes and scrapes: polled every second by balancers and Prometheus, never part of a payment. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);
const tracer = trace.getTracer('cloudflow');

/**
 * The API call's span (SERVER), in the trace of the caller's `traceparent` when it sent one (a
 * POS that traces its own checkout), else the root of a new trace. Named `METHOD route` once the
 * router matched (the route template, never the path: ids stay out of span names). Explicit
 * rather than the http instrumentation: one span per request and no patching of `http`.
 * Installed only when tracing is on (startService), so an untraced service has no such step.
 */
export function httpServerSpans() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!tracingEnabled() || UNTRACED.has(req.path)) return next();
    const parent = extractTrace((name) => single(req.headers[name])) ?? context.active();
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    span.setAttribute('http.request.method', req.method);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = (req.route as { path?: string } | undefined)?.path;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) markSpanFailed(span, `HTTP ${res.statusCode}`);
      if (!res.writableFinished) markSpanFailed(span, 'connection closed before the answer');
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
