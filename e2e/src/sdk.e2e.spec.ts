import { CloudFlowRest, PosSocket, verifyWebhook, type CloudFlowFrame } from '@cloudflow/pos';
import {
  DeviceSimulator,
  http,
  REPO_ROOT,
  startSystem,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { OperatorKeyView } from './support/bodies';

/**
 * The POS SDK (@cloudflow/pos) against the real system: the document it is typed from is the one
 * the gateway serves, and a POS written with it lists terminals, pays over the websocket with
 * events, pays asynchronously with retries that keep the requestId, and verifies the webhooks.
 */
describe('POS SDK end to end', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let device: Device;
  let receiver: WebhookReceiver;
  let sim: DeviceSimulator;
  let rest: CloudFlowRest;
  const sockets: PosSocket[] = [];

  beforeAll(async () => {
    sys = await startSystem({
      env: { SANDBOX_RATE_PER_SECOND: '10000', SANDBOX_USAGE_LIMIT_PER_DAY: '1000000' },
    });
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 20,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
    const suffix = randomUUID().slice(0, 8);
    device = await createDevice(sys, tenant, account.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
    sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: device.model,
        serialNumber: device.serialNumber,
        apiToken: device.apiToken,
      },
      { delayMs: 5, events: 2 },
    );
    await sim.connect();
    rest = new CloudFlowRest({
      baseUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close())).catch(() => undefined);
    await sim?.stop();
    await receiver?.stop();
    await sys?.stop();
  });

  it('is typed from exactly the document the gateway serves', async () => {
    const served = await fetch(`${sys.gatewayUrl}/docs/client/1.1/openapi.yaml`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(
      readFileSync(join(REPO_ROOT, 'libs/sdk/openapi/client-1.1.yaml'), 'utf8'),
    );
  });

  it('lists the terminal and sees it connected', async () => {
    expect((await rest.devices()).map((d) => d.referenceId)).toEqual([device.referenceId]);
    expect(await rest.device(device.referenceId)).toMatchObject({
      referenceId: device.referenceId,
      model: 'SIM-1',
    });
    expect(await rest.connected(device.referenceId)).toMatchObject({ connected: true });
    await expect(rest.device('nope')).rejects.toMatchObject({ status: 404, errorCode: 'notFound' });
  });

  it('pays over the websocket, iterating the events before the final answer', async () => {
    const pos = new PosSocket(rest);
    sockets.push(pos);
    const payment = await pos.pay({ target: device.referenceId, baseAmount: 1250, currency: 'EUR' });
    const events: CloudFlowFrame[] = [];
    for await (const event of payment.events) events.push(event);
    const final = await payment.result;
    expect(events.map((e) => e.type)).toEqual(['flowEvent', 'flowEvent']);
    expect(final).toMatchObject({
      type: 'paymentResponse',
      originatingRequestId: payment.requestId,
      payload: { outcome: 'FULFILLED' },
    });
    // A second payment on the same socket is correlated on its own.
    const again = await pos.pay({ target: device.referenceId, baseAmount: 1300, currency: 'EUR' });
    expect((await again.result).originatingRequestId).toBe(again.requestId);
  });

  it('pays asynchronously; a repeated requestId returns the stored request; the webhooks verify with the SDK', async () => {
    const requestId = randomUUID();
    expect(
      await rest.pay({ target: device.referenceId, baseAmount: 500, currency: 'EUR', requestId }),
    ).toEqual({ requestId, status: 'dispatched' });
    // A long poll (Prefer: wait): answered as soon as the result is recorded.
    const record = await rest.request(requestId, { waitSeconds: 10 });
    expect(record).toMatchObject({ requestId, status: 'completed', result: { type: 'paymentResponse' } });
    // One call that waits for the result (Prefer: wait), on a new requestId.
    const waited = await rest.pay(
      { target: device.referenceId, baseAmount: 700, currency: 'EUR' },
      { waitSeconds: 10 },
    );
    expect(waited).toMatchObject({ status: 'completed', record: { result: { type: 'paymentResponse' } } });
    const repeated = await rest.pay({
      target: device.referenceId,
      baseAmount: 500,
      currency: 'EUR',
      requestId,
    });
    expect(repeated).toMatchObject({ requestId, status: 'completed' });
    expect(sim.received.frames.filter((f) => f.requestId === requestId)).toHaveLength(1);

    for (
      let waited = 0;
      !receiver.accepted.some((r) => r.requestId === requestId && r.body?.type === 'paymentResponse') &&
      waited < 10_000;
      waited += 100
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const hooks = receiver.accepted.filter((r) => r.requestId === requestId);
    expect(hooks.length).toBeGreaterThanOrEqual(3);
    for (const hook of hooks) {
      const header = hook.headers['cloudflow-signature'] as string;
      expect(verifyWebhook({ secrets: account.webhookSecret, header, body: hook.rawBody })).toMatchObject({
        ok: true,
      });
      expect(verifyWebhook({ secrets: 'not-the-secret', header, body: hook.rawBody })).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    }
  });

  it('retries 429s with the same requestId until the rate allows, and sends each payment once', async () => {
    const keys = await http<OperatorKeyView[]>(
      'GET',
      `${sys.adminUrl}/operator/v1/keys?email=${encodeURIComponent(tenant.developer.email)}`,
      {
        headers: { authorization: `Bearer ${sys.operatorToken}` },
      },
    );
    const keyId = keys.body[0].keyId;
    const operator = { authorization: `Bearer ${sys.operatorToken}` };
    expect(
      (
        await http('PATCH', `${sys.adminUrl}/operator/v1/keys/${keyId}`, {
          body: { ratePerSecond: 2 },
          headers: operator,
        })
      ).status,
    ).toBe(200);
    // The gateways learn the new rate from auth's broadcast.
    await new Promise((r) => setTimeout(r, 1500));
    const statuses: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    const limited = new CloudFlowRest({
      ...rest.options,
      fetch: counting,
      retry: { maxAttempts: 10, baseDelayMs: 100 },
    });
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const requestId of ids) {
      // One at a time: the terminal takes one payment at a time (a second would be 412 busy).
      expect(
        await limited.pay({ target: device.referenceId, baseAmount: 100, currency: 'EUR', requestId }),
      ).toEqual({ requestId, status: 'dispatched' });
      for (
        let waited = 0;
        !sim.received.frames.some((f) => f.requestId === requestId) && waited < 5000;
        waited += 20
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // 5 payments at 2 a second: some were refused with 429 first and resent as they were.
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 429)).toEqual([202, 202, 202, 202, 202]);
    for (const id of ids) expect(sim.received.frames.filter((f) => f.requestId === id)).toHaveLength(1);
    await http('PATCH', `${sys.adminUrl}/operator/v1/keys/${keyId}`, {
      body: { ratePerSecond: 10000 },
      headers: operator,
    });
  }, 60_000);
});
