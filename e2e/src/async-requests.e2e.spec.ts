import type { ErrorBody, RequestLog, RequestStatus, RequestView } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  PosClient,
  startSystem,
  waitFor,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { AccountView, DeviceConnection, RequestAccepted } from './support/bodies';

type Body = Record<string, unknown>;

/**
 * Issue 4 (requests) on real processes with two hubs: async requests over REST, recorded and
 * settled from the device's replies through the request stream, idempotent by requestId, with
 * the failure answers of CONTRACT.md §5, hub death, late answers and sync requests in the log.
 */
describe('asynchronous requests', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let receiver: WebhookReceiver;
  const receivers: WebhookReceiver[] = [];
  let hubA: string;
  let hubB: string;
  const sims: DeviceSimulator[] = [];
  const poses: PosClient[] = [];

  const device = async (acct = account) => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, tenant, acct.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simOn = async (
    d: Device,
    hubUrl: string,
    behaviour: ConstructorParameters<typeof DeviceSimulator>[1] = {},
  ) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl,
      },
      { delayMs: 10, ...behaviour },
    );
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const payment = (target: string, baseAmount = 1250, requestId = randomUUID()): Body => ({
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId,
    target,
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency: 'EUR' } },
  });
  const post = <T = unknown>(body: Body, acct = account) =>
    http<T>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, { body, headers: clientHeaders(tenant, acct) });
  const get = (requestId: string, acct = account) =>
    http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
      headers: clientHeaders(tenant, acct),
    });
  // The hub registers a device's presence just after its socket opens: a POST may only count on it once /connected says so.
  const untilConnected = (d: Device, acct = account) =>
    waitFor(
      `device ${d.referenceId} to be connected`,
      async () => {
        const res = await http<DeviceConnection>(
          'GET',
          `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`,
          { headers: clientHeaders(tenant, acct) },
        );
        return res.status === 200 && res.body.connected === true ? true : undefined;
      },
      10_000,
    );
  const untilStatus = (requestId: string, status: RequestStatus, timeoutMs = 10_000) =>
    waitFor(
      `request ${requestId} to be ${status}`,
      async () => {
        const res = await get(requestId);
        return res.status === 200 && res.body.status === status ? res.body : undefined;
      },
      timeoutMs,
    );

  beforeAll(async () => {
    // Sandbox APP keys are rate-limited; this spec sends bursts (eight concurrent duplicates).
    sys = await startSystem({
      hubs: 2,
      env: { SANDBOX_RATE_PER_SECOND: '10000', SANDBOX_USAGE_LIMIT_PER_DAY: '1000000' },
    });
    hubA = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    hubB = `ws://127.0.0.1:${sys.hubs[1].port}/ws`;
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 50,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...sims.map((s) => s.stop()), ...poses.map((p) => p.close())]).catch(() => undefined);
    await Promise.all([receiver, ...receivers].map((r) => r?.stop()));
    await sys?.stop();
  }, 60_000);

  it('dispatches a payment (202), records events and the final answer in order, and replays it without asking the device again', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { events: 2 });
    const body = payment(d.referenceId);
    const requestId = body.requestId as string;
    const sent = await post<RequestAccepted>(body);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ requestId, status: 'dispatched' });

    const done = await untilStatus(requestId, 'completed');
    expect(done).toMatchObject({
      requestId,
      target: d.referenceId,
      type: 'payment',
      request: { requestId, payload: body.payload },
    });
    const messages = done.messages;
    expect(messages.map((m) => m.type)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(messages.map((m) => m.payload.stage ?? null)).toEqual(['PRESENT_CARD', 'PROCESSING', null]);
    expect(done.result).toMatchObject({
      type: 'paymentResponse',
      originatingRequestId: requestId,
      payload: { outcome: 'FULFILLED' },
    });

    // The webhook receiver checks every signature itself: events and the final answer, in order.
    const hooks = await receiver.waitForAccepted(3, requestId);
    expect(hooks.every((h) => h.verified)).toBe(true);
    expect(hooks.map((h) => h.body?.type)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);

    const replay = await post<RequestView>(body);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({
      requestId,
      status: 'completed',
      result: { type: 'paymentResponse' },
    });
    const reordered = await post({
      payload: body.payload,
      target: body.target,
      requestId,
      version: body.version,
      format: body.format,
      type: body.type,
    });
    expect(reordered.status).toBe(200);
    const different = await post<ErrorBody>({
      ...body,
      payload: { ...(body.payload as Body), amounts: { baseAmount: 9999, currency: 'EUR' } },
    });
    expect(different.status).toBe(409);
    expect(different.body.errorCode).toBe('duplicateItem');
    expect(sim.requestsReceived).toBe(1);
  }, 30_000);

  it('dispatches exactly once for eight concurrent duplicates', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { events: 1 });
    const body = payment(d.referenceId, 2000);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    await untilStatus(body.requestId as string, 'completed');
    expect(sim.requestsReceived).toBe(1);
  }, 30_000);

  it('answers 410 for an offline device (nothing stored, safe to retry), 412 when busy or without a webhook URL, 404 for unknown devices and other accounts', async () => {
    const d = await device();
    const body = payment(d.referenceId);
    const offline = await post<ErrorBody>(body);
    expect(offline.status).toBe(410);
    expect(offline.body.errorCode).toBe('connectionLost');
    expect((await get(body.requestId as string)).status).toBe(404);

    const sim = await simOn(d, hubA, { holdFinal: true, events: 1 });
    await untilConnected(d);
    const retried = await post(body);
    expect(retried.status).toBe(202);
    await sim.received.waitFor((f) => f.requestId === body.requestId);
    const busy = await post<ErrorBody>(payment(d.referenceId));
    expect(busy.status).toBe(412);
    expect(busy.body.errorCode).toBe('preconditionFailed');
    await sim.releaseFinal();
    await untilStatus(body.requestId as string, 'completed');

    expect((await post(payment('no-such-till'))).status).toBe(404);
    const bare = await createAccount(sys, tenant, { accountId: `pos-${randomUUID().slice(0, 6)}` });
    const bareDevice = await device(bare);
    await simOn(bareDevice, hubA);
    const noHook = await post<ErrorBody>(payment(bareDevice.referenceId), bare);
    expect(noHook.status).toBe(412);
    expect(noHook.body.errorMessage).toMatch(/webhook/i);
    expect((await get(body.requestId as string, bare)).status).toBe(404);

    const invalid = await post({ ...payment(d.referenceId), requestId: 'not-a-uuid' });
    expect(invalid.status).toBe(422);
    expect(
      (await post({ ...payment(d.referenceId), type: 'flowEvent', originatingRequestId: randomUUID() }))
        .status,
    ).toBe(422);
  }, 40_000);

  it('records a sync websocket payment, shown by GET /requests/{id} and the admin request log', async () => {
    const d = await device();
    await simOn(d, hubB, { events: 1 });
    const pos = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
      hubUrl: hubA,
    });
    poses.push(pos);
    await pos.connect('1.1');
    const result = await pos.pay(d.referenceId, 4242);
    expect(result.final.type).toBe('paymentResponse');
    const stored = await untilStatus(result.requestId, 'completed');
    expect(stored.messages.map((m) => m.type)).toEqual(['flowEvent', 'paymentResponse']);

    const asyncBody = payment(d.referenceId, 1500);
    expect((await post(asyncBody)).status).toBe(202);
    await untilStatus(asyncBody.requestId as string, 'completed');
    await receiver.waitForAccepted(2, asyncBody.requestId as string);
    const log = await waitFor('the admin request log to show both', async () => {
      const res = await http<RequestLog>(
        'GET',
        `${sys.adminUrl}/admin/v1/requests?accountId=${account.accountId}&target=${d.referenceId}`,
        { headers: tenant.adminHeaders },
      );
      expect(res.status).toBe(200);
      const entries = res.body.requests;
      const delivered = entries.find((e) => e.requestId === asyncBody.requestId)?.deliveries;
      return entries.length === 2 && delivered?.every((x) => x.status === 'delivered') ? entries : undefined;
    });
    expect(log.map((e) => [e.requestId, e.mode, e.status])).toEqual([
      [asyncBody.requestId, 'async', 'completed'],
      [result.requestId, 'sync', 'completed'],
    ]);
    expect(log[1].messages.map((m) => m.message.type)).toEqual(['flowEvent', 'paymentResponse']);
    expect(log[1].deliveries).toEqual([]);
    expect(log[0].deliveries.length).toBe(2);
    const filtered = await http<RequestLog>(
      'GET',
      `${sys.adminUrl}/admin/v1/requests?status=failed&target=${d.referenceId}`,
      { headers: tenant.adminHeaders },
    );
    expect(filtered.body.requests).toEqual([]);
  }, 30_000);

  it("expires a request after the account's own timeout, then records the device's late final answer as completed", async () => {
    // An account of its own (its own receiver and secret): the timeout must not touch the other tests.
    const hooks = await WebhookReceiver.start();
    receivers.push(hooks);
    const quick = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      webhookUrl: hooks.url,
    });
    hooks.secret = quick.webhookSecret;
    const patched = await http<AccountView>('PATCH', `${sys.adminUrl}/admin/v1/accounts/${quick.accountId}`, {
      body: { requestTimeoutSeconds: 5 },
      headers: tenant.adminHeaders,
    });
    expect(patched.status).toBe(200);
    expect(patched.body.requestTimeoutSeconds).toBe(5);

    // The terminal shows one event, then says nothing until released (a customer walked away).
    const d = await device(quick);
    const sim = await simOn(d, hubA, { holdFinal: true, events: 1 });
    const body = payment(d.referenceId, 2100);
    const requestId = body.requestId as string;
    const sentAt = Date.now();
    expect((await post(body, quick)).status).toBe(202);
    const expired = await waitFor(
      'the request to expire',
      async () => {
        const res = await get(requestId, quick);
        return res.body.status === 'expired' ? res.body : undefined;
      },
      12_000,
    );
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(4500);
    expect(Date.parse(expired.updatedAt) - Date.parse(expired.createdAt)).toBeGreaterThanOrEqual(5000);
    expect(expired.messages.map((m) => m.type)).toEqual(['flowEvent', 'flowException']);
    expect(expired.messages[1].payload).toMatchObject({
      errorMessage: expect.stringMatching(/within 5 s; the request expired/) as unknown,
    });
    expect(expired.result).toBeNull();

    await sim.releaseFinal();
    const done = await waitFor('the late answer to complete it', async () => {
      const res = await get(requestId, quick);
      return res.body.status === 'completed' ? res.body : undefined;
    });
    expect(done.messages.map((m) => m.type)).toEqual(['flowEvent', 'flowException', 'paymentResponse']);
    expect(done.result).toMatchObject({ type: 'paymentResponse', originatingRequestId: requestId });
    const delivered = await hooks.waitForAccepted(3, requestId);
    expect(delivered.map((h) => h.body?.type)).toEqual(['flowEvent', 'flowException', 'paymentResponse']);
    expect(delivered.every((h) => h.verified)).toBe(true);
    expect(sim.requestsReceived).toBe(1);
  }, 30_000);

  it('answers 417 while Postgres is down, dispatching nothing, and recovers by itself', async () => {
    const d = await device();
    const sim = await simOn(d, hubA, { events: 1 });
    await sys.postgres.stopServer();
    try {
      const down = await post<ErrorBody>(payment(d.referenceId));
      expect(down.status).toBe(417);
      expect(down.body.errorCode).toBe('storageFailed');
      expect(sim.requestsReceived).toBe(0);
    } finally {
      await sys.postgres.startServer();
    }
    const body = payment(d.referenceId);
    await waitFor(
      'the gateway to store requests again',
      async () => ((await post(body)).status === 202 ? true : undefined),
      20_000,
      300,
    );
    await untilStatus(body.requestId as string, 'completed');
    expect(sim.requestsReceived).toBe(1);
  }, 60_000);

  it('marks a request connectionLost when the device hub is killed, then records the late answer after the device reconnects elsewhere', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { holdFinal: true, events: 1, failoverHubUrls: [hubA] });
    const body = payment(d.referenceId, 3300);
    const requestId = body.requestId as string;
    expect((await post(body)).status).toBe(202);
    await sim.received.waitFor((f) => f.requestId === requestId);
    await waitFor('the event to be recorded', async () =>
      (await get(requestId)).body.messages.length === 1 ? true : undefined,
    );

    const killedAt = Date.now();
    await sys.hubs[1].child.kill();
    const lost = await untilStatus(requestId, 'connectionLost', 10_000);
    expect(Date.now() - killedAt).toBeLessThan(8000);
    expect(lost.messages.map((m) => m.type)).toEqual(['flowEvent', 'flowException']);

    await waitFor('the device to reconnect to hub A', async () => (sim.connected ? true : undefined), 15_000);
    await sim.releaseFinal();
    const done = await untilStatus(requestId, 'completed');
    expect(done.messages.map((m) => m.type)).toEqual(['flowEvent', 'flowException', 'paymentResponse']);
    expect(done.result).toMatchObject({ type: 'paymentResponse', payload: { outcome: 'FULFILLED' } });
    const hooks = await receiver.waitForAccepted(3, requestId);
    expect(hooks.map((h) => h.body?.type)).toEqual(['flowEvent', 'flowException', 'paymentResponse']);
  }, 60_000);

  it('is not ready and answers a clear error at once while NATS is down, then records the answer to a request sent before the outage', async () => {
    const d = await device();
    const sim = await simOn(d, hubA, { holdFinal: true, events: 1 });
    const readyz = () =>
      fetch(`${sys.gatewayUrl}/readyz`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Body,
      }));
    expect((await readyz()).status).toBe(200);
    const before = payment(d.referenceId, 1700);
    const requestId = before.requestId as string;
    expect((await post(before)).status).toBe(202);
    await waitFor('the event to be recorded', async () =>
      (await get(requestId)).body.messages.length === 1 ? true : undefined,
    );

    await sys.nats.stopServer();
    try {
      const notReady = await waitFor(
        'the gateway to report not ready',
        async () => {
          const r = await readyz();
          return r.status === 503 ? r.body : undefined;
        },
        15_000,
        200,
      );
      expect(notReady).toMatchObject({ errorCode: 'connectionLost', checks: { nats: false } });
      const startedAt = Date.now();
      const down = await post<ErrorBody>(payment(d.referenceId));
      expect(Date.now() - startedAt).toBeLessThan(5000);
      expect(down.status).toBe(400);
      expect(down.body).toEqual({
        errorCode: 'failed',
        errorMessage: expect.stringMatching(/messaging is unavailable.*nothing was dispatched/i) as unknown,
      });
      // Reads need only Postgres.
      expect((await get(requestId)).body.status).toBe('dispatched');
    } finally {
      await sys.nats.startServer();
    }

    // NATS is back on the same port: the gateway reconnects by itself, and the request stream
    // (file storage) and its consumer pick up the answer the device sends now.
    await waitFor(
      'the gateway to be ready again',
      async () => ((await readyz()).status === 200 ? true : undefined),
      20_000,
      200,
    );
    await sim.releaseFinal();
    const done = await untilStatus(requestId, 'completed', 15_000);
    expect(done.messages.map((m) => m.type)).toEqual(['flowEvent', 'paymentResponse']);
    const hooks = await receiver.waitForAccepted(2, requestId);
    expect(hooks.map((h) => h.body?.type)).toEqual(['flowEvent', 'paymentResponse']);
    expect(hooks.every((h) => h.verified)).toBe(true);
    expect(sim.requestsReceived).toBe(1);

    // The restarted server lost the in-memory presence buckets; the hub re-asserts the device it
    // still holds (the socket never closed), so a new payment reaches it without a reconnect.
    const after = await waitFor(
      'a new payment to be dispatched after the outage',
      async () => {
        const next = payment(d.referenceId, 1800);
        const res = await post(next);
        if (res.status === 410) return undefined;
        expect(res.status).toBe(202);
        return next.requestId as string;
      },
      10_000,
      250,
    );
    await sim.releaseFinal();
    expect((await untilStatus(after, 'completed', 15_000)).status).toBe('completed');
    expect(sim.requestsReceived).toBe(2);
  }, 60_000);
});
