import type { RequestLog, RequestView } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  OTLP_KIND,
  OtlpReceiver,
  PosClient,
  startSystem,
  WebhookReceiver,
  type ReceivedSpan,
  type System,
  waitFor,
} from '@cloudflow/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  expectStatus,
  type Account,
  type Tenant,
} from './support/tenant';
import type { RequestAccepted } from './support/bodies';

/**
 * Tracing end to end (issue 14) on real processes exporting OTLP/HTTP to a test receiver: two
 * hubs, the device on hub B, the POS's socket on hub A. An async payment (REST, with the POS's
 * own traceparent) and a sync one (websocket) each make ONE trace with a span for the API call,
 * the bus hop, the delivery to the socket, each device message, each recording and (async)
 * each webhook attempt, linked parent to child; the webhook receiver gets that trace's
 * traceparent, and the record and the admin request log show its id.
 */
describe('tracing end to end', () => {
  let sys: System;
  let otlp: OtlpReceiver;
  let webhooks: WebhookReceiver;
  let tenant: Tenant;
  let pos: Account;
  let sim: DeviceSimulator;
  let posSocket: PosClient;
  const target = `till-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    webhooks = await WebhookReceiver.start();
    sys = await startSystem({
      hubs: 2,
      // Exported every 100 ms instead of every 5 s: the standard BatchSpanProcessor setting.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    const [hubA, hubB] = sys.hubs.map((h) => `ws://127.0.0.1:${h.port}/ws`);
    tenant = await createTenant(sys);
    pos = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 8)}`,
      webhookUrl: webhooks.url,
    });
    webhooks.secret = pos.webhookSecret;
    const till = await createDevice(sys, tenant, pos.accountId, {
      referenceId: target,
      serialNumber: `SN-${randomUUID().slice(0, 8)}`,
      model: 'M1',
    });
    sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: till.model,
        serialNumber: till.serialNumber,
        apiToken: till.apiToken,
        hubUrl: hubB,
      },
      { delayMs: 10, events: 2 },
    );
    await sim.connect();
    posSocket = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: pos.accountId,
      apiToken: pos.apiToken,
      hubUrl: hubA,
    });
    await posSocket.connect();
  }, 120_000);

  afterAll(async () => {
    await posSocket?.close();
    await sim?.stop();
    await webhooks?.stop();
    await sys?.stop();
    await otlp?.stop();
  });

  const hubInstances = () => new Set(otlp.spans.filter((s) => s.service === 'hub').map((s) => s.instance));
  const named = (spans: ReceivedSpan[], name: string, service: string) =>
    spans.filter((s) => s.name === name && s.service === service);
  const one = (spans: ReceivedSpan[], name: string, service: string) => {
    const found = named(spans, name, service);
    if (found.length !== 1)
      throw new Error(`expected one ${service}:${name}, got ${found.length} of ${describe(spans)}`);
    return found[0];
  };
  const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan, name: string) =>
    spans.filter((s) => s.parentSpanId === parent.spanId && s.name === name);
  /** Every span the test asserts on is in: each service exports in its own batches, at its own time. */
  const atLeast = (want: Record<string, number>) => (spans: ReceivedSpan[]) =>
    Object.entries(want).every(([key, n]) => {
      const [service, name] = key.split(':');
      return named(spans, name, service).length >= n;
    });
  const describe = (spans: ReceivedSpan[]) => spans.map((s) => `${s.service}:${s.name}`).join(', ');

  it('an async payment with the POS traceparent: one trace from the API call to each webhook attempt', async () => {
    const traceId = randomBytes(16).toString('hex');
    const posSpanId = randomBytes(8).toString('hex');
    const requestId = randomUUID();
    const res = await http<RequestAccepted>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      body: {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target,
        payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1250, currency: 'EUR' } },
      },
      headers: { ...clientHeaders(tenant, pos), traceparent: `00-${traceId}-${posSpanId}-01` },
    });
    expect(expectStatus('send', res, 202)).toEqual({ requestId, status: 'dispatched' });
    const delivered = await webhooks.waitForAccepted(3, requestId, 15_000);

    const spans = await otlp.waitForTrace(
      traceId,
      atLeast({
        'gateway:POST /client/v1.1/requests': 1,
        'gateway:bus deliver': 1,
        'gateway:record event': 3,
        'gateway:webhook attempt': 3,
        'hub:hub deliver': 1,
        'hub:socket write': 1,
        'hub:device message': 3,
      }),
      'the async payment trace',
    );
    // The API call continues the POS's trace.
    const api = one(spans, 'POST /client/v1.1/requests', 'gateway');
    expect(api.parentSpanId).toBe(posSpanId);
    expect(api.kind).toBe(OTLP_KIND.server);
    expect(api.attributes['http.response.status_code']).toBe(202);
    // The bus hop: sent by the gateway, received by the device's hub, written to its socket.
    const hop = one(spans, 'bus deliver', 'gateway');
    expect(hop.parentSpanId).toBe(api.spanId);
    const received = one(spans, 'hub deliver', 'hub');
    expect(received.parentSpanId).toBe(hop.spanId);
    const write = one(spans, 'socket write', 'hub');
    expect(write.parentSpanId).toBe(received.spanId);
    // Each device message (two events and the final answer), its recording, its webhook attempt.
    const messages = childrenOf(spans, received, 'device message');
    expect(messages.map((m) => m.attributes['cloudflow.message.type']).sort()).toEqual([
      'flowEvent',
      'flowEvent',
      'paymentResponse',
    ]);
    const attempts: ReceivedSpan[] = [];
    for (const message of messages) {
      const [record] = childrenOf(spans, message, 'record event');
      expect(record).toBeDefined();
      expect(record.attributes['cloudflow.request.id']).toBe(requestId);
      const attempt = childrenOf(spans, record, 'webhook attempt');
      expect(attempt).toHaveLength(1);
      expect(attempt[0].attributes['http.response.status_code']).toBe(200);
      attempts.push(attempt[0]);
    }
    // Each delivery carries the trace, its parent the attempt's span.
    for (const delivery of delivered) {
      const header = String(delivery.headers.traceparent);
      expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(attempts.map((a) => a.spanId)).toContain(header.split('-')[2]);
    }
    // The record and the admin request log show the trace id.
    const record = expectStatus(
      'record',
      await http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
        headers: clientHeaders(tenant, pos),
      }),
      200,
    );
    expect(record.traceId).toBe(traceId);
    const log = expectStatus(
      'admin log',
      await http<RequestLog>('GET', `${sys.adminUrl}/admin/v1/requests?accountId=${pos.accountId}`, {
        headers: tenant.adminHeaders,
      }),
      200,
    );
    expect(log.requests.find((r) => r.requestId === requestId)?.traceId).toBe(traceId);
    expect(otlp.rejected).toEqual([]);
  });

  it('a sync payment from a POS on hub A to the device on hub B: one trace across both hubs', async () => {
    const result = await posSocket.pay(target, 1250);
    expect(result.final.type).toBe('paymentResponse');
    const api = await waitFor(
      'the websocket payment span',
      () =>
        Promise.resolve(
          otlp.spans.find(
            (s) => s.name === 'client request' && s.attributes['cloudflow.request.id'] === result.requestId,
          ),
        ),
      20_000,
      50,
    );
    const traceId = api.traceId;
    // Recorded: the start and three messages, each a span of this trace.
    const spans = await otlp.waitForTrace(
      traceId,
      atLeast({
        'gateway:record event': 4,
        'hub:bus deliver': 1,
        'hub:hub deliver': 1,
        'hub:device message': 3,
        'hub:bus reply': 3,
        'hub:hub reply': 3,
        'hub:socket write': 4,
      }),
      'the sync payment trace',
    );
    expect(api.parentSpanId).toBeUndefined();
    expect(api.service).toBe('hub');
    const hop = one(spans, 'bus deliver', 'hub');
    expect(hop.parentSpanId).toBe(api.spanId);
    expect(hop.instance).toBe(api.instance);
    const received = one(spans, 'hub deliver', 'hub');
    expect(received.parentSpanId).toBe(hop.spanId);
    // The device's hub is the other hub.
    expect(received.instance).not.toBe(api.instance);
    expect(hubInstances().size).toBe(2);
    expect(childrenOf(spans, received, 'socket write')).toHaveLength(1);
    const messages = childrenOf(spans, received, 'device message');
    expect(messages).toHaveLength(3);
    const records = named(spans, 'record event', 'gateway');
    // The start is recorded under the delivery, each device message under itself.
    expect(records.filter((r) => r.parentSpanId === received.spanId)).toHaveLength(1);
    for (const message of messages) {
      expect(childrenOf(spans, message, 'record event')).toHaveLength(1);
      // Back to the POS's hub and its socket.
      const [reply] = childrenOf(spans, message, 'bus reply');
      expect(reply).toBeDefined();
      const [back] = childrenOf(spans, reply, 'hub reply');
      expect(back?.instance).toBe(api.instance);
      expect(childrenOf(spans, back, 'socket write')).toHaveLength(1);
    }
    const record = expectStatus(
      'record',
      await http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${result.requestId}`, {
        headers: clientHeaders(tenant, pos),
      }),
      200,
    );
    expect(record.traceId).toBe(traceId);
  });
});
