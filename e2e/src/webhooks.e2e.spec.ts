import type { RequestView } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  startSystem,
  waitFor,
  WebhookReceiver,
  type ReceivedWebhook,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
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
 * Webhook delivery on real processes (CONTRACT.md §8, issue 4): an async payment's messages reach
 * a real receiver in order and signed, and survive `kill -9` of the gateway, in flight or not,
 * arriving after the restart with the delivery ids they were queued with.
 */
describe('webhooks end to end', () => {
  let sys: System;
  let tenant: Tenant;
  let pos: Account;
  let receiver: WebhookReceiver;
  let sim: DeviceSimulator;
  let pg: Client;

  const typeOf = (r: ReceivedWebhook) => r.body?.type as string;
  const payment = (requestId: string, baseAmount = 1000) => ({
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId,
    target: 'till-1',
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency: 'EUR' } },
  });
  const send = (requestId: string) =>
    http<RequestAccepted>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      body: payment(requestId),
      headers: clientHeaders(tenant, pos),
    });
  const getRequest = (requestId: string) =>
    http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
      headers: clientHeaders(tenant, pos),
    });
  /** The outbox rows of a request, straight from the gateway's schema: what it promised to deliver. */
  const outboxRows = async (requestId: string) =>
    (
      await pg.query<{ delivery_id: string; seq: number; status: string; attempts: number }>(
        `SELECT delivery_id, seq, status, attempts FROM gateway.webhook_deliveries WHERE request_id = $1 ORDER BY seq`,
        [requestId],
      )
    ).rows;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    sys = await startSystem({
      hubs: 1,
      // Compressed timings: retries every ≤ 1 s, and a crashed gateway's lease runs out after 3 s.
      env: {
        WEBHOOK_BACKOFF_BASE_MS: '200',
        WEBHOOK_BACKOFF_MAX_MS: '1000',
        WEBHOOK_LEASE_MS: '3000',
        WEBHOOK_TIMEOUT_MS: '1500',
        WEBHOOK_POLL_MS: '250',
      },
    });
    tenant = await createTenant(sys);
    pos = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 8)}`,
      webhookUrl: receiver.url,
    });
    receiver.secret = pos.webhookSecret;
    const till = await createDevice(sys, tenant, pos.accountId, {
      referenceId: 'till-1',
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
      },
      { delayMs: 10, events: 2 },
    );
    await sim.connect();
    pg = new Client({ connectionString: sys.databaseUrl });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await pg?.end();
    await receiver?.stop();
    await sys?.stop();
  });

  afterEach(() => {
    receiver.respond = undefined;
    receiver.delayMs = 0;
  });

  it("delivers an async payment's event and answer in order, signed, promptly", async () => {
    const requestId = randomUUID();
    const started = Date.now();
    expect(expectStatus('send', await send(requestId), 202)).toEqual({ requestId, status: 'dispatched' });
    const got = await receiver.waitForAccepted(3, requestId, 10_000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(got.map(typeOf)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(got.every((r) => r.verified && r.headers['content-type'] === 'application/json')).toBe(true);
    expect(got.every((r) => r.body?.originatingRequestId === requestId)).toBe(true);
    const rows = await outboxRows(requestId);
    expect(got.map((r) => r.deliveryId)).toEqual(rows.map((r) => r.delivery_id));
    const metrics = await fetch(`${sys.gatewayUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/cloudflow_webhook_attempts_total\{outcome="delivered"[^}]*\} [1-9]/);
  });

  it('keeps retrying while the receiver is down (connection refused) and delivers everything, in order and with the same ids, once it is back', async () => {
    const requestId = randomUUID();
    await receiver.stop();
    let queued: Awaited<ReturnType<typeof outboxRows>>;
    try {
      expectStatus('send', await send(requestId), 202);
      await waitFor(
        'request completed',
        async () => ((await getRequest(requestId)).body?.status === 'completed' ? true : undefined),
        10_000,
      );
      // Down "for a while": several refused tries of the first message, the later ones held behind it.
      queued = await waitFor(
        'the first message refused three times',
        async () => {
          const rows = await outboxRows(requestId);
          return rows.length === 3 && rows[0].attempts >= 3 ? rows : undefined;
        },
        15_000,
      );
      expect(queued.map((r) => [r.seq, r.status])).toEqual([
        [1, 'pending'],
        [2, 'pending'],
        [3, 'pending'],
      ]);
      expect(queued.slice(1).map((r) => r.attempts)).toEqual([0, 0]);
      const refused = await pg.query<{ http_status: number | null; error: string }>(
        `SELECT http_status, error FROM gateway.webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
        [queued[0].delivery_id],
      );
      expect(refused.rows.length).toBeGreaterThanOrEqual(3);
      expect(refused.rows.every((a) => a.http_status === null && a.error === 'ECONNREFUSED')).toBe(true);
      expect(receiver.received.filter((r) => r.requestId === requestId)).toEqual([]);
    } finally {
      await receiver.restart();
    }
    const back = Date.now();
    const got = await receiver.waitForAccepted(3, requestId, 10_000);
    // Backoff is capped at 1 s here: the receiver's return is noticed within a couple of tries.
    expect(got[0].at - back).toBeLessThan(3000);
    expect(got.map(typeOf)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(got.map((r) => r.deliveryId)).toEqual(queued.map((r) => r.delivery_id));
    expect(got.every((r) => r.verified && r.body?.originatingRequestId === requestId)).toBe(true);
    expect(receiver.received.filter((r) => r.requestId === requestId)).toHaveLength(3);
  }, 40_000);

  it('delivers everything after a kill -9 of the gateway, mid-delivery and with retries pending, with the same delivery ids', async () => {
    const requestId = randomUUID();
    // The receiver is "down" (answers 500) while the payment runs.
    receiver.respond = () => 500;
    expectStatus('send', await send(requestId), 202);
    await waitFor(
      'request completed',
      async () => ((await getRequest(requestId)).body?.status === 'completed' ? true : undefined),
      10_000,
    );
    const queued = await waitFor('3 messages queued', async () => {
      const rows = await outboxRows(requestId);
      return rows.length === 3 ? rows : undefined;
    });
    await receiver.waitForReceived(
      (r) => r.requestId === requestId && r.answered === 500,
      'a refused attempt',
    );
    const firstTries = receiver.received.filter((r) => r.requestId === requestId);
    expect(firstTries.every((r) => r.deliveryId === queued[0].delivery_id && r.verified)).toBe(true);

    // Next attempt hangs at the receiver; the gateway dies while it waits for the answer.
    const before = receiver.received.length;
    receiver.respond = () => 200;
    receiver.delayMs = 60_000;
    const inFlight = await receiver.waitForReceived(
      (r) => receiver.received.indexOf(r) >= before && r.requestId === requestId,
      'an attempt in flight',
      10_000,
    );
    const gateway = sys.gateways[0];
    await gateway.child.kill();
    expect((await outboxRows(requestId)).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);

    // Back up: the gateway restarts, the receiver answers at once.
    receiver.delayMs = 0;
    const restartedAt = Date.now();
    await gateway.restart();
    const after = await waitFor(
      'all 3 delivered after the restart',
      () => {
        const got = receiver.received
          .slice(before + 1)
          .filter((r) => r.requestId === requestId && r.answered === 200);
        return Promise.resolve(got.length >= 3 ? got : undefined);
      },
      20_000,
    );
    expect(after.map((r) => r.deliveryId)).toEqual(queued.map((r) => r.delivery_id));
    expect(after[0].deliveryId).toBe(inFlight.deliveryId);
    expect(after.map(typeOf)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(after.every((r) => r.verified)).toBe(true);
    // The in-flight one was retried only after its lease (3 s from the claim) ran out.
    expect(after[0].at - inFlight.at).toBeGreaterThanOrEqual(2500);
    expect(Date.now() - restartedAt).toBeLessThan(20_000);
    const rows = await waitFor('rows delivered', async () => {
      const r = await outboxRows(requestId);
      return r.every((x) => x.status === 'delivered') ? r : undefined;
    });
    expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
