import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { busHeaders, traceOf } from '../nats/bus-codec';
import { runWithCorrelation } from '../logging/request-context';
import { currentTraceparent, extractTrace, traceFromTraceparent, traceIdOf } from './trace-propagation';
import {
  activeTraceContext,
  currentTraceId,
  endSpan,
  inChildSpan,
  inSpan,
  inSpanUnder,
  NEW_TRACE,
  SpanKind,
  startSpanUnder,
  startTracing,
  stopTracing,
  tracingEnabled,
} from './tracing';

/** The helpers with the real SDK (spans to memory instead of OTLP). */
describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const spans = () => exporter.getFinishedSpans();
  const byName = (name: string): ReadableSpan => {
    const found = spans().filter((s) => s.name === name);
    if (found.length !== 1) throw new Error(`${found.length} spans named ${name}`);
    return found[0];
  };
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  beforeAll(() => {
    expect(startTracing({ service: 'test', instance: 'i-1', exporter })).toBe(true);
    expect(tracingEnabled()).toBe(true);
  });
  afterAll(() => stopTracing());
  beforeEach(() => exporter.reset());

  it('nests spans, and ends them when the work settles, marking failures', async () => {
    await inSpan('api', SpanKind.SERVER, async () => {
      await inChildSpan('hop', SpanKind.CLIENT, () => Promise.resolve());
      await expect(
        inChildSpan('broken', SpanKind.CLIENT, () => Promise.reject(new Error('refused'))),
      ).rejects.toThrow('refused');
    });
    const api = byName('api');
    expect(parentOf(byName('hop'))).toBe(api.spanContext().spanId);
    expect(byName('broken').status).toMatchObject({ code: 2, message: 'refused' });
    expect(api.resource.attributes['service.name']).toBe('test');
    expect(api.resource.attributes['service.instance.id']).toBe('i-1');
  });

  it('starts no trace of its own outside one (inChildSpan) or without a kept context (inSpanUnder)', () => {
    inChildSpan('ping', SpanKind.CLIENT, (span) => expect(span).toBeUndefined());
    inSpan(
      'unrelated',
      SpanKind.SERVER,
      () =>
        // A callback created under another request's context does not join it.
        inSpanUnder(undefined, 'message', SpanKind.CONSUMER, (span) => {
          expect(span).toBeUndefined();
          expect(activeTraceContext()).toBeUndefined();
        }),
      NEW_TRACE,
    );
    expect(spans().map((s) => s.name)).toEqual(['unrelated']);
  });

  it('carries the trace across a NATS message: traceparent in the headers, the receiver a child', () => {
    let sent: ReturnType<typeof busHeaders>;
    let sender = '';
    runWithCorrelation('corr-1', () =>
      inSpan('bus deliver', SpanKind.CLIENT, () => {
        sent = busHeaders();
        sender = trace.getActiveSpan()!.spanContext().spanId;
      }),
    );
    expect(sent!.get('x-correlation-id')).toBe('corr-1');
    expect(sent!.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    inSpanUnder(traceOf({ headers: sent! }), 'hub deliver', SpanKind.SERVER, () => undefined);
    const received = byName('hub deliver');
    expect(parentOf(received)).toBe(sender);
    expect(received.spanContext().traceId).toBe(byName('bus deliver').spanContext().traceId);
  });

  it('keeps a traceparent (a stream event, an outbox row) and continues from it later', () => {
    let kept: string | undefined;
    let traceId: string | undefined;
    inSpan('device message', SpanKind.CONSUMER, () => {
      kept = currentTraceparent();
      traceId = currentTraceId();
    });
    expect(traceIdOf(kept)).toBe(traceId);
    const recording = startSpanUnder(traceFromTraceparent(kept), 'record event', SpanKind.CONSUMER);
    const queued = currentTraceparent(recording);
    endSpan(recording);
    inSpanUnder(traceFromTraceparent(queued), 'webhook attempt', SpanKind.CLIENT, () => undefined);
    const record = byName('record event');
    expect(parentOf(record)).toBe(byName('device message').spanContext().spanId);
    expect(parentOf(byName('webhook attempt'))).toBe(record.spanContext().spanId);
    expect(byName('webhook attempt').spanContext().traceId).toBe(traceId);
  });

  it('ignores malformed or all-zero traceparents', () => {
    for (const bad of [
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
    ]) {
      expect(traceFromTraceparent(bad)).toBeUndefined();
      expect(extractTrace((name) => (name === 'traceparent' ? bad : undefined))).toBeUndefined();
    }
  });
});
