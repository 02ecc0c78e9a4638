import type { ErrorBody, RequestView } from '@cloudflow/contracts';
import { CloudFlowRest, PosSocket } from '@cloudflow/pos';
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
import type { CancelAnswer, DeviceConnection, RequestAccepted } from './support/bodies';

type Body = Record<string, unknown>;

/**
 * Issue 13 on real processes: "one request that waits, then degrades to 202" and "cancel with a
 * definite answer". Two gateways (the one holding a call is often not the one whose stream
 * consumer records the answer) and one hub. The HTTP contract itself (statuses, Preference-Applied)
 * is checked with plain HTTP; the cancel races and the websocket cancel are a POS written with
 * the POS SDK (@cloudflow/pos), one client per gateway.
 */
describe('transaction control: Prefer: wait and cancel', () => {
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
      const res = await http<DeviceConnection>(
        'GET',
        `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`,
        {
          headers: clientHeaders(tenant, acct),
        },
      );
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
  const post = <T = unknown>(body: Body, prefer: string | undefined, i = 0, acct = account) =>
    http<T>('POST', `${gateway(i)}/client/v1.1/requests`, {
      body,
      headers: { ...clientHeaders(tenant, acct), ...(prefer ? { prefer } : {}) },
    });
  const get = (requestId: string, prefer: string | undefined, i = 0) =>
    http<RequestView>('GET', `${gateway(i)}/client/v1.1/requests/${requestId}`, {
      headers: { ...clientHeaders(tenant, account), ...(prefer ? { prefer } : {}) },
    });
  const cancel = (requestId: string, i = 0) =>
    http<CancelAnswer>('POST', `${gateway(i)}/client/v1.1/requests/${requestId}/cancel`, {
      headers: clientHeaders(tenant, account),
    });
  /** The terminal's own final answer for a request: what it really did. */
  const terminalFinal = (sim: DeviceSimulator, requestId: unknown) =>
    sim.sent.find((f) => f.originatingRequestId === requestId && f.type === 'paymentResponse');
  /** The POS SDK's REST client on gateway `i`. */
  const sdk = (i: number) =>
    new CloudFlowRest({
      baseUrl: gateway(i),
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
    });
  const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const at = Date.now();
    const value = await run();
    return { value, ms: Date.now() - at };
  };

  beforeAll(async () => {
    sys = await startSystem({
      gateways: 2,
      env: {
        SANDBOX_RATE_PER_SECOND: '10000',
        SANDBOX_USAGE_LIMIT_PER_DAY: '1000000',
        CANCEL_WAIT_MS: '1500',
      },
    });
    hub = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: `pw-${randomUUID().slice(0, 6)}`,
      connectionLimit: 50, // a simulator per test stays connected, and the last test adds a POS
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
      const { value: res, ms } = await timed(() => post<RequestView>(body, 'wait=10', i));
      expect(res.status).toBe(200);
      // The device answers within ~20 ms: the recording gateway's word ends the wait, not the 2 s re-read.
      expect(ms).toBeLessThan(1500);
      expect(res.headers.get('preference-applied')).toBe('wait=10');
      expect(res.body).toMatchObject({ requestId: body.requestId, status: 'completed' });
      expect(res.body.result?.type).toBe('paymentResponse');
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
    const sent = await timed(() => post<RequestAccepted>(body, 'wait=1', 0));
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
    const refused = await post<ErrorBody>(payment(d.referenceId), undefined, 0, quiet);
    expect(refused.status).toBe(412);
    expect(refused.body).toMatchObject({ errorCode: 'preconditionFailed' });
    const body = payment(d.referenceId);
    const waited = await post<RequestView>(body, 'respond-async, wait=10', 1, quiet);
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ requestId: body.requestId, status: 'completed' });
  });

  it("says what the record says when the terminal's hub dies mid-wait", async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true, reconnect: false });
    await untilConnected(d);
    const body = payment(d.referenceId);
    const answer = timed(() => post<RequestView>(body, 'wait=30', 1));
    await sim.received.waitFor((f) => f.type === 'payment' && f.requestId === body.requestId);
    // Killed right after the terminal has it: before or after the hub confirmed the delivery to
    // the gateway, the waiting call answers with the record (outcome unknown), never a bare 410.
    await sys.hubs[0].child.kill();
    try {
      const { value, ms } = await answer;
      expect(value.status).toBe(200);
      expect(value.body.status).toBe('connectionLost');
      expect(value.headers.get('preference-applied')).toBe('wait=30');
      expect(ms).toBeLessThan(15_000);
    } finally {
      await sys.hubs[0].restart();
    }
  });
  it('cancels a transaction the terminal has not finished: cancelled, the same answer again, and the webhook says so', async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true });
    await untilConnected(d);
    const body = payment(d.referenceId);
    expect((await post(body, undefined)).status).toBe(202);
    await sim.received.waitFor((f) => f.type === 'payment' && f.requestId === body.requestId);
    const answer = await cancel(body.requestId as string, 1);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'cancelled', request: { status: 'cancelled' } });
    expect(terminalFinal(sim, body.requestId)?.payload.outcome).toBe('cancelled');
    const again = await cancel(body.requestId as string, 0);
    expect(again.body).toMatchObject({ outcome: 'cancelled', request: { status: 'cancelled' } });
    // Settled: answered from the record, the terminal is not asked again.
    expect(sim.received.frames.filter((f) => f.type === 'cancel')).toHaveLength(1);
    await waitFor('the cancelled result at the webhook', async () =>
      receiver.accepted.some(
        (r) =>
          r.requestId === body.requestId && (r.body?.payload as Body | undefined)?.outcome === 'cancelled',
      )
        ? true
        : undefined,
    );
  });

  it('answers tooLate with the result for a finished request, without asking the terminal', async () => {
    const d = await device();
    const sim = await simFor(d);
    await untilConnected(d);
    const body = payment(d.referenceId);
    const done = await post<RequestView>(body, 'wait=10');
    expect(done.body.status).toBe('completed');
    const answer = await cancel(body.requestId as string);
    expect(answer.body).toMatchObject({
      outcome: 'tooLate',
      request: { status: 'completed', result: { type: 'paymentResponse' } },
    });
    expect(sim.received.frames.filter((f) => f.type === 'cancel')).toHaveLength(0);
    expect((await cancel('no-such-request')).status).toBe(404);
  });

  it('answers pending when the terminal cannot be reached', async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true, reconnect: false });
    await untilConnected(d);
    const body = payment(d.referenceId);
    expect((await post(body, undefined)).status).toBe(202);
    await sim.received.waitFor((f) => f.type === 'payment' && f.requestId === body.requestId);
    sim.drop();
    await waitFor('not connected', async () => {
      const res = await http<DeviceConnection>(
        'GET',
        `${sys.gatewayUrl}/client/v1.1/devices/${d.referenceId}/connected`,
        {
          headers: clientHeaders(tenant, account),
        },
      );
      return res.body?.connected === false ? true : undefined;
    });
    const answer = await cancel(body.requestId as string);
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('pending');
    expect(answer.body.request.status).toBe('connectionLost');
  });

  it('never says cancelled of a payment the terminal completed: 40 randomized races of cancel and approval', async () => {
    const racers = [await device(), await device()];
    const sims = [
      await simFor(racers[0], { events: 1, delayMs: 8 }),
      await simFor(racers[1], { events: 1, delayMs: 8, cancelRace: true }),
    ];
    await Promise.all(racers.map((d) => untilConnected(d)));
    const disagreements: string[] = [];
    const told: Record<string, number> = {};
    const clients = [sdk(0), sdk(1)];
    for (let i = 0; i < 40; i++) {
      const k = i % 2;
      // Sent on one gateway, cancelled on the other.
      const sent = await clients[i % 2].pay({
        target: racers[k].referenceId,
        baseAmount: 1250,
        currency: 'EUR',
      });
      expect(sent.status).toBe('dispatched');
      const { requestId } = sent;
      // A few ms before or after the terminal's approval (it answers about 16 ms after the write).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
      let answer = await clients[(i + 1) % 2].cancel(requestId);
      for (let tries = 0; answer.outcome === 'pending' && tries < 20; tries++)
        answer = await clients[i % 2].cancel(requestId);
      told[answer.outcome] = (told[answer.outcome] ?? 0) + 1;
      const did = await waitFor('the terminal’s final answer', async () => terminalFinal(sims[k], requestId));
      const terminalCancelled = did.payload.outcome === 'cancelled';
      if ((answer.outcome === 'cancelled') !== terminalCancelled || answer.outcome === 'pending')
        disagreements.push(`${requestId}: told ${answer.outcome}, terminal ${String(did.payload.outcome)}`);
      if ((answer.request.status === 'cancelled') !== terminalCancelled)
        disagreements.push(`${requestId}: record ${String(answer.request.status)}`);
    }
    expect(disagreements).toEqual([]);
    // The racing terminal always approves, so at least half are tooLate; the other half went both ways.
    expect(told.tooLate).toBeGreaterThanOrEqual(20);
  });

  it('cancels a websocket payment with a cancel frame: the final frame says cancelled', async () => {
    const d = await device();
    const sim = await simFor(d, { holdFinal: true });
    await untilConnected(d);
    const socket = new PosSocket(sdk(0), { hubUrl: hub, reconnect: false });
    try {
      const sent = await socket.pay({ target: d.referenceId, baseAmount: 900, currency: 'EUR' });
      await sim.received.waitFor((f) => f.type === 'payment' && f.requestId === sent.requestId);
      socket.cancel(sent.requestId);
      expect(await sent.result).toMatchObject({ type: 'paymentResponse', payload: { outcome: 'cancelled' } });
      expect(() => socket.cancel(sent.requestId)).toThrow(/in flight/);
    } finally {
      await socket.close();
    }
    // The protocol under the SDK: a cancel for nothing in flight on the socket is notFound.
    const pos = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
      hubUrl: hub,
    });
    await pos.connect();
    try {
      pos.cancel(randomUUID(), d.referenceId);
      const refused = await pos.received.waitFor(
        (f) => f.type === 'flowException' && f.payload.errorCode === 'notFound',
      );
      expect(String(refused.payload.errorMessage)).toMatch(/in flight/);
    } finally {
      await pos.close();
    }
  });
});
