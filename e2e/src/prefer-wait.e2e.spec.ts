import {
  DeviceSimulator,
  http,
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

type Body = Record<string, unknown>;

/**
 * Issue 13, "one request that waits, then degrades to 202", on real processes: two gateways (the
 * one holding a call is often not the one whose stream consumer records the answer) and one hub.
 */
describe('Prefer: wait on the async requests API', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let receiver: WebhookReceiver;
  const sims: DeviceSimulator[] = [];
  let hub: string;

  const gateway = (i: number) => sys.gateways[i % sys.gateways.length].url;
  const device = async (acct = account) => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, tenant, acct.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simFor = async (d: Device, behaviour: ConstructorParameters<typeof DeviceSimulator>[1] = {}) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl: hub,
      },
      { delayMs: 10, ...behaviour },
    );
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const untilConnected = (d: Device, acct = account) =>
    waitFor(`device ${d.referenceId} connected`, async () => {
      const res = await http('GET', `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`, {
        headers: clientHeaders(tenant, acct),
      });
      return res.body?.connected === true ? true : undefined;
    });
  const payment = (target: string): Body => ({
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId: randomUUID(),
    target,
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1250, currency: 'EUR' } },
  });
  const post = (body: Body, prefer: string | undefined, i = 0, acct = account) =>
    http('POST', `${gateway(i)}/client/v1.1/requests`, {
      body,
      headers: { ...clientHeaders(tenant, acct), ...(prefer ? { prefer } : {}) },
    });
  const get = (requestId: string, prefer: string | undefined, i = 0) =>
    http('GET', `${gateway(i)}/client/v1.1/requests/${requestId}`, {
      headers: { ...clientHeaders(tenant, account), ...(prefer ? { prefer } : {}) },
    });
  const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const at = Date.now();
    const value = await run();
    return { value, ms: Date.now() - at };
  };

  beforeAll(async () => {
    sys = await startSystem({
      gateways: 2,
      env: { SANDBOX_RATE_PER_SECOND: '10000', SANDBOX_USAGE_LIMIT_PER_DAY: '1000000' },
    });
    hub = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: `pw-${randomUUID().slice(0, 6)}`,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop())).catch(() => undefined);
    await receiver?.stop();
    await sys?.stop();
  }, 60_000);

  it('holds POST until the final answer, on either gateway: 200 with the stored request and Preference-Applied', async () => {
    const d = await device();
    await simFor(d, { events: 1 });
    await untilConnected(d);
    for (let i = 0; i < 8; i++) {
      const body = payment(d.referenceId);
      const { value: res, ms } = await timed(() => post(body, 'wait=10', i));
      expect(res.status).toBe(200);
      // The device answers within ~20 ms: the recording gateway's word ends the wait, not the 2 s re-read.
      expect(ms).toBeLessThan(1500);
      expect(res.headers.get('preference-applied')).toBe('wait=10');
      expect(res.body).toMatchObject({ requestId: body.requestId, status: 'completed' });
      expect((res.body as { result?: { type?: string } }).result?.type).toBe('paymentResponse');
    }
    // Without the header nothing changed: 202 at once.
    const plain = await post(payment(d.referenceId), undefined, 1);
    expect(plain.status).toBe(202);
    expect(plain.headers.get('preference-applied')).toBeNull();
  });

  it('answers 202 as before once N seconds pass, and a GET with Prefer: wait returns as soon as the answer is recorded', async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true });
    await untilConnected(d);
    const body = payment(d.referenceId);
    const sent = await timed(() => post(body, 'wait=1', 0));
    expect(sent.value.status).toBe(202);
    expect(sent.value.body).toEqual({ requestId: body.requestId, status: 'dispatched' });
    expect(sent.value.headers.get('preference-applied')).toBeNull();
    expect(sent.ms).toBeGreaterThanOrEqual(900);

    // A short long poll that ends first: the record as it is, without Preference-Applied.
    const early = await get(body.requestId as string, 'wait=1', 1);
    expect(early.status).toBe(200);
    expect(early.body.status).toBe('dispatched');
    expect(early.headers.get('preference-applied')).toBeNull();

    const polled = timed(() => get(body.requestId as string, 'wait=30', 1));
    await new Promise((r) => setTimeout(r, 1000));
    await sim.releaseFinal();
    const { value, ms } = await polled;
    expect(value.status).toBe(200);
    expect(value.body.status).toBe('completed');
    expect(value.headers.get('preference-applied')).toBe('wait=30');
    expect(ms).toBeLessThan(10_000); // answered when recorded, not at the 30 s
  });

  it('lets an account without a webhook URL send with Prefer: wait (412 without it)', async () => {
    const quiet = await createAccount(sys, tenant, { accountId: `nw-${randomUUID().slice(0, 6)}` });
    const d = await device(quiet);
    await simFor(d);
    await untilConnected(d, quiet);
    const refused = await post(payment(d.referenceId), undefined, 0, quiet);
    expect(refused.status).toBe(412);
    expect(refused.body).toMatchObject({ errorCode: 'preconditionFailed' });
    const body = payment(d.referenceId);
    const waited = await post(body, 'respond-async, wait=10', 1, quiet);
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ requestId: body.requestId, status: 'completed' });
  });

  it("says what the record says when the terminal's hub dies mid-wait", async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true, reconnect: false });
    await untilConnected(d);
    const body = payment(d.referenceId);
    const answer = timed(() => post(body, 'wait=30', 1));
    await sim.received.waitFor((f) => f.type === 'payment' && f.requestId === body.requestId);
    await sys.hubs[0].child.kill();
    const { value, ms } = await answer;
    expect(value.status).toBe(200);
    expect(value.body.status).toBe('connectionLost');
    expect(value.headers.get('preference-applied')).toBe('wait=30');
    expect(ms).toBeLessThan(15_000);
    await sys.hubs[0].restart();
  });
});
