import {
  REQUEST_EVENTS,
  type ErrorBody,
  type RequestLog,
  type RequestStatus,
  type RequestView,
} from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  startSystem,
  waitFor,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { connect, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { DeviceConnection } from './support/bodies';

type Body = Record<string, unknown>;

/** Short on purpose: the tests that stall a hub wait this (plus the margin) for the gateway's verdict. */
const DELIVERY_TIMEOUT_MS = 1500;
const DEADLINE_MARGIN_MS = 500;
/** A small admission cap, so a flood of a few hundred POSTs must be shed. */
const ADMISSION_CAP = 8;

/**
 * Issue 9 on the gateway's side, on real processes (two hubs, two gateways): poison request
 * events are dead-lettered instead of blocking every tenant's recording (hole 4), a 410 says
 * whether anything was dispatched and "unknown" comes only after the delivery deadline (holes
 * 7 and 1), overload is shed with 429 + Retry-After before anything is dispatched (hole 9), and
 * a SIGTERM'd gateway drains: not ready at once, in-flight requests answered, then exit (hole 10).
 */
describe('gateway under faults', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let receiver: WebhookReceiver;
  let hubA: string;
  let hubB: string;
  const sims: DeviceSimulator[] = [];

  const device = async (acct = account, t = tenant) => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, t, acct.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simOn = async (d: Device, hubUrl: string, t = tenant) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: t.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl,
      },
      { delayMs: 10 },
    );
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const payment = (target: string, requestId = randomUUID()): Body => ({
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId,
    target,
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1250, currency: 'EUR' } },
  });
  const post = <T = unknown>(body: Body, gatewayUrl = sys.gatewayUrl, acct = account, t = tenant) =>
    http<T>('POST', `${gatewayUrl}/client/v1.1/requests`, { body, headers: clientHeaders(t, acct) });
  const untilStatus = (
    requestId: string,
    status: RequestStatus,
    timeoutMs: number,
    acct = account,
    t = tenant,
  ) =>
    waitFor(
      `request ${requestId} to be ${status}`,
      async () => {
        const res = await http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
          headers: clientHeaders(t, acct),
        });
        return res.status === 200 && res.body.status === status ? res.body : undefined;
      },
      timeoutMs,
    );
  /** The device's presence is written (the gateway finds its hub) before a test stalls that hub. */
  const untilConnected = (d: Device) =>
    waitFor(
      `device ${d.referenceId} to be connected`,
      async () => {
        const res = await http<DeviceConnection>(
          'GET',
          `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`,
          { headers: clientHeaders(tenant, account) },
        );
        return res.status === 200 && res.body.connected === true ? true : undefined;
      },
      10_000,
    );
  /** Pauses the hub process (it keeps its NATS subscriptions, as a stalled hub does) for the duration of `work`. */
  const withStoppedHub = async <T>(index: number, work: () => Promise<T>): Promise<T> => {
    sys.hubs[index].child.signal('SIGSTOP');
    try {
      return await work();
    } finally {
      sys.hubs[index].child.signal('SIGCONT');
    }
  };

  beforeAll(async () => {
    sys = await startSystem({
      hubs: 2,
      gateways: 2,
      env: {
        SANDBOX_RATE_PER_SECOND: '100000',
        SANDBOX_USAGE_LIMIT_PER_DAY: '10000000',
        REQUEST_DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
        REQUEST_DEADLINE_MARGIN_MS: String(DEADLINE_MARGIN_MS),
        REQUEST_ADMISSION_MAX_IN_FLIGHT: String(ADMISSION_CAP),
        WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
      },
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
    for (const hub of sys?.hubs ?? []) hub.child.signal('SIGCONT');
    await Promise.all(sims.map((s) => s.stop())).catch(() => undefined);
    await receiver?.stop();
    await sys?.stop();
  }, 60_000);

  it('poison events of one tenant (more than max_ack_pending) do not block another tenant; they become dead letters', async () => {
    const poisonTenant = await createTenant(sys, 'E2E Poison');
    const nc: NatsConnection = await connect(sys.nats.connectOptions());
    const POISON = 1050; // more than the consumer's max_ack_pending (1000)
    const poison = (i: number) => ({
      eventId: randomUUID(),
      kind: 'start',
      mode: 'sync',
      tenantId: poisonTenant.tenantId,
      accountId: 'pos-poison',
      target: 'till-poison',
      requestId: randomUUID(),
      connId: `conn-${i}`,
      index: 0,
      // Postgres jsonb refuses \u0000; the card number must not survive into the dead letter.
      message: {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId: randomUUID(),
        target: 'till-poison',
        payload: { note: `bad\u0000${i}`, pan: '4111111111111111' },
      },
      at: new Date().toISOString(),
    });
    const enc = new TextEncoder();
    const js = nc.jetstream();
    try {
      for (let i = 0; i < POISON; i += 150) {
        await Promise.all(
          Array.from({ length: Math.min(150, POISON - i) }, (_, k) =>
            js.publish(REQUEST_EVENTS.subject, enc.encode(JSON.stringify(poison(i + k)))),
          ),
        );
      }
      // One nested too deep to walk or store, written as text (JSON.stringify itself would overflow).
      const depth = 20_000;
      const deep = JSON.stringify({
        ...poison(-1),
        message: {
          type: 'payment',
          format: 'appflow',
          version: '2.1.2',
          requestId: randomUUID(),
          target: 'till-poison',
          payload: '@DEEP@',
        },
      });
      await js.publish(
        REQUEST_EVENTS.subject,
        enc.encode(deep.replace('"@DEEP@"', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
      );
      // And one that is not an event at all.
      await js.publish(REQUEST_EVENTS.subject, enc.encode('{"not json'));
    } finally {
      await nc.drain();
    }

    // Another tenant's payment, published behind all of them, is recorded promptly.
    const d = await device();
    await simOn(d, hubB);
    const body = payment(d.referenceId);
    expect((await post(body)).status).toBe(202);
    const started = Date.now();
    await untilStatus(body.requestId as string, 'completed', 60_000);
    console.log(
      `tenant B recorded ${Date.now() - started} ms after its 202, behind ${POISON + 2} poison events`,
    );

    // The poison ones are dead letters, on the admin request log of their own tenant only.
    const pg = new Client({ connectionString: sys.databaseUrl });
    await pg.connect();
    try {
      const count = async () =>
        Number(
          (
            await pg.query<{ count: string }>(
              `SELECT count(*) FROM gateway.request_dead_letters WHERE tenant_id = $1`,
              [poisonTenant.tenantId],
            )
          ).rows[0].count,
        );
      await waitFor(
        'every poison event to be dead-lettered',
        async () => ((await count()) === POISON + 1 ? true : undefined),
        60_000,
      );
      const unreadable = await pg.query<{ reason: string; event: string }>(
        `SELECT reason, event FROM gateway.request_dead_letters WHERE tenant_id IS NULL AND event LIKE '{"not json%'`,
      );
      expect(unreadable.rows).toHaveLength(1);
      expect(unreadable.rows[0].reason).toMatch(/unreadable/);
    } finally {
      await pg.end();
    }
    const log = await http<RequestLog>('GET', `${sys.adminUrl}/admin/v1/requests?limit=200`, {
      headers: poisonTenant.adminHeaders,
    });
    expect(log.status).toBe(200);
    const dead = log.body.deadLetters;
    expect(dead).toHaveLength(200);
    const nul = dead.find((x) => x.event.includes('<NUL>'))!;
    expect(nul.accountId).toBe('pos-poison');
    expect(nul.deliveries).toBeGreaterThanOrEqual(1);
    expect(nul.reason).toMatch(/storage refused the event/);
    expect(nul.event).toContain('************1111');
    expect(dead.some((x) => x.event.includes('4111111111111111'))).toBe(false);
    const mine = await http<RequestLog>('GET', `${sys.adminUrl}/admin/v1/requests`, {
      headers: tenant.adminHeaders,
    });
    expect(mine.body.deadLetters).toEqual([]);
  }, 240_000);

  it('410 says dispatched:false when nothing reached the terminal, and dispatched:true (outcome unknown) only after the delivery deadline', async () => {
    const d = await device();
    const offline = await post<ErrorBody>(payment(d.referenceId));
    expect(offline.status).toBe(410);
    expect(offline.body).toMatchObject({ errorCode: 'connectionLost', dispatched: false });

    await simOn(d, hubA);
    await untilConnected(d);
    const body = payment(d.referenceId);
    const { res, elapsed } = await withStoppedHub(0, async () => {
      const t0 = Date.now();
      const answer = await post<ErrorBody>(body);
      return { res: answer, elapsed: Date.now() - t0 };
    });
    // The deliver's deadline was now + DELIVERY_TIMEOUT_MS: "unknown" may only be said after it (plus the margin).
    expect(elapsed).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS + DEADLINE_MARGIN_MS - 50);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ errorCode: 'connectionLost', dispatched: true });
    // Concluded before the 410 was sent (a late answer the device gives after SIGCONT may already follow it).
    const stored = await http<RequestView>(
      'GET',
      `${sys.gatewayUrl}/client/v1.1/requests/${body.requestId as string}`,
      {
        headers: clientHeaders(tenant, account),
      },
    );
    expect(['connectionLost', 'completed']).toContain(stored.body.status);
    expect(stored.body.messages[0]).toMatchObject({
      type: 'flowException',
      payload: { errorCode: 'connectionLost', dispatched: true },
    });
  }, 60_000);

  it('a flood of POSTs is shed with 429 + Retry-After before anything is dispatched: no 417, no hang', async () => {
    const devices = await Promise.all(Array.from({ length: 8 }, () => device()));
    const deviceSims = await Promise.all(devices.map((d, i) => simOn(d, i % 2 ? hubA : hubB)));
    const bodies = Array.from({ length: 400 }, (_, i) => payment(devices[i % devices.length].referenceId));
    const headers = { ...clientHeaders(tenant, account), 'content-type': 'application/json' };
    const answers = await Promise.all(
      bodies.map(async (body) => {
        try {
          const res = await fetch(`${sys.gatewayUrl}/client/v1.1/requests`, {
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
          });
          return {
            requestId: body.requestId as string,
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            body: (await res.json()) as Body,
          };
        } catch (err) {
          return {
            requestId: body.requestId as string,
            status: 0,
            retryAfter: null,
            body: { error: String(err) },
          };
        }
      }),
    );
    const byStatus: Record<number, number> = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    console.log(
      `flood of ${answers.length} POSTs (cap ${ADMISSION_CAP} in flight): ${JSON.stringify(byStatus)}`,
    );
    expect(answers.filter((a) => a.status === 0)).toEqual([]); // nobody left without an answer
    expect(answers.filter((a) => a.status === 417 || a.status >= 500)).toEqual([]);
    expect(answers.every((a) => [200, 202, 412, 429].includes(a.status))).toBe(true);
    const shed = answers.filter((a) => a.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.every((a) => a.body.errorCode === 'tooManyRequests' && Number(a.retryAfter) >= 1)).toBe(true);
    expect(answers.some((a) => a.status === 202)).toBe(true);

    // Wait until every dispatched one is recorded as done, then count what the terminals got.
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.requestId);
    for (const requestId of accepted) await untilStatus(requestId, 'completed', 30_000);
    const received = deviceSims.flatMap((s) =>
      s.received.frames.filter((f) => f.type === 'payment').map((f) => f.requestId),
    );
    const shedIds = new Set(shed.map((a) => a.requestId));
    expect(received.filter((id) => shedIds.has(id))).toEqual([]);
    expect(received.filter((id) => accepted.includes(id)).sort()).toEqual([...accepted].sort());
  }, 180_000);

  it('a SIGTERM during a slow POST: /readyz is 503 at once, the POST still gets its answer, then the gateway exits', async () => {
    const gateway = sys.gateways[1];
    const d = await device();
    await simOn(d, hubA);
    await untilConnected(d);
    const body = payment(d.referenceId);
    const { res, readyDuringDrain } = await withStoppedHub(0, async () => {
      // The stalled hub keeps this POST in flight for DELIVERY_TIMEOUT_MS + margin.
      const answer = post<ErrorBody>(body, gateway.url);
      await new Promise((r) => setTimeout(r, 300));
      gateway.child.signal('SIGTERM');
      const ready = await waitFor(
        'the draining gateway to answer /readyz 503',
        async () => {
          const r = await fetch(`${gateway.url}/readyz`).catch(() => undefined);
          return r?.status === 503 ? r.status : undefined;
        },
        5_000,
      );
      return { res: await answer, readyDuringDrain: ready };
    });
    expect(readyDuringDrain).toBe(503);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ errorCode: 'connectionLost', dispatched: true });
    expect(
      await Promise.race([
        gateway.child.exited,
        new Promise((r) => setTimeout(() => r('still running'), 20_000)),
      ]),
    ).toBe(0);
  }, 60_000);
});
