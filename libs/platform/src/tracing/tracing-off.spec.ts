import { headers } from 'nats';
import { busHeaders, traceOf } from '../nats/bus-codec';
import { currentTraceparent, injectTrace, traceFromTraceparent, traceIdOf } from './trace-propagation';
import {
  activeTraceContext,
  currentTraceId,
  inChildSpan,
  inSpan,
  inSpanUnder,
  SpanKind,
  startSpanUnder,
  startTracing,
  tracingEnabled,
} from './tracing';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Without OTEL_EXPORTER_OTLP_ENDPOINT nothing starts and every helper is a plain call. */
describe('tracing off', () => {
  it('starts nothing without an endpoint', () => {
    expect(startTracing({ service: 'test', instance: 'i-1', endpoint: undefined })).toBe(false);
    expect(startTracing({ service: 'test', instance: 'i-1', endpoint: '  ' })).toBe(false);
    expect(tracingEnabled()).toBe(false);
  });

  it('runs the work as it is: no span, same value, same errors', async () => {
    expect(inSpan('x', SpanKind.SERVER, (span) => (span === undefined ? 42 : 0))).toBe(42);
    await expect(inChildSpan('x', SpanKind.CLIENT, () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(() =>
      inSpanUnder(undefined, 'x', SpanKind.CONSUMER, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(startSpanUnder(undefined, 'x', SpanKind.CONSUMER)).toBeUndefined();
    expect(activeTraceContext()).toBeUndefined();
    expect(currentTraceId()).toBeUndefined();
  });

  it('puts nothing on the wire and reads nothing from it', () => {
    // No correlation id and no trace: no headers object at all (the hot path allocates nothing).
    expect(busHeaders()).toBeUndefined();
    const h = headers();
    h.set('traceparent', TRACEPARENT);
    expect(traceOf({ headers: h })).toBeUndefined();
    const written: string[] = [];
    injectTrace((name) => written.push(name));
    expect(written).toEqual([]);
    expect(currentTraceparent()).toBeUndefined();
    expect(traceFromTraceparent(TRACEPARENT)).toBeUndefined();
    // A stored id is still read back (a row written while tracing was on).
    expect(traceIdOf(TRACEPARENT)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('costs next to nothing per call (measured against the bare call)', () => {
    const n = 1_000_000;
    let sink = 0;
    const work = (span: unknown) => (span === undefined ? 1 : 2);
    const time = (fn: () => void) => {
      const t = process.hrtime.bigint();
      fn();
      return Number(process.hrtime.bigint() - t) / n;
    };
    // Warm both paths up first so the JIT has compiled them.
    for (let i = 0; i < 100_000; i++) sink += inSpan('x', SpanKind.INTERNAL, work) + work(undefined);
    const bare = time(() => {
      for (let i = 0; i < n; i++) sink += work(undefined);
    });
    const wrapped = time(() => {
      for (let i = 0; i < n; i++) sink += inChildSpan('x', SpanKind.INTERNAL, work);
    });
    expect(sink).toBeGreaterThan(0);
    // Typically a few ns each here; the bound only catches a helper that started doing real work.
    expect(wrapped - bare).toBeLessThan(200);
  });
});
