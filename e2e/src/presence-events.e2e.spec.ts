import type { ErrorBody } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  PosClient,
  startSystem,
  waitFor,
  WebhookReceiver,
  type ReceivedWebhook,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  expectStatus,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { AccountView, RequestAccepted, RotatedDeviceToken } from './support/bodies';

interface FeedPage {
  events: Array<{ id: string; type: string; requestId?: string; body: Record<string, unknown> }>;
  next: string | null;
}

/**
 * Presence pushed (issue 14) on real processes: two hubs and two gateways, so every change is
 * seen by a hub that is not the only one and recorded by a gateway that is not the only one. What
 * counts is what the webhook receiver and the events feed get: one `deviceConnected` /
 * `deviceDisconnected` per transition, in order per device, with the reason, soon after it
 * happened; and the feed carries the same ids and bodies as the webhooks, outage or not.
 */
describe('presence events and the events feed', () => {
  let sys: System;
  let tenant: Tenant;
  let pos: Account;
  let receiver: WebhookReceiver;
  let hubA: string;
  let hubB: string;
  const sims: DeviceSimulator[] = [];
  const poses: PosClient[] = [];

  beforeAll(async () => {
    sys = await startSystem({
      hubs: 2,
      gateways: 2,
      env: {
        PING_INTERVAL_MS: '1000',
        PRESENCE_SWEEP_MS: '1000',
        WEBHOOK_BACKOFF_BASE_MS: '200',
        WEBHOOK_BACKOFF_MAX_MS: '1000',
        SANDBOX_RATE_PER_SECOND: '1000',
      },
    });
    hubA = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    hubB = `ws://127.0.0.1:${sys.hubs[1].port}/ws`;
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    pos = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 50,
      webhookUrl: receiver.url,
    });
    receiver.secret = pos.webhookSecret;
    const res = await http<AccountView>('PATCH', `${sys.adminUrl}/admin/v1/accounts/${pos.accountId}`, {
      body: { webhookEvents: ['deviceConnected', 'deviceDisconnected'] },
      headers: tenant.adminHeaders,
    });
    expect(expectStatus('enable presence events', res, 200)).toMatchObject({
      webhookEvents: ['deviceConnected', 'deviceDisconnected'],
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    await Promise.all(poses.map((p) => p.close().catch(() => undefined)));
    await receiver?.stop();
    await sys?.stop();
  }, 60_000);

  const newDevice = async (): Promise<Device> => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, tenant, pos.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simOn = async (d: Device, hubUrl: string, behaviour: { reconnect?: boolean } = {}) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl,
      },
      { reconnect: false, ...behaviour },
    );
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  /** The presence deliveries the receiver accepted for one device, in arrival order, one per delivery id. */
  const presenceOf = (referenceId: string): ReceivedWebhook[] => {
    const seen = new Set<string>();
    return receiver.accepted.filter((r) => {
      if (r.body?.referenceId !== referenceId || !String(r.body?.type).startsWith('device')) return false;
      if (seen.has(r.deliveryId!)) return false;
      seen.add(r.deliveryId!);
      return true;
    });
  };
  const describeEvents = (rs: ReceivedWebhook[]) =>
    rs.map((r) => {
      const { type, reason } = r.body as { type: string; reason?: string };
      return reason ? `${type}:${reason}` : type;
    });
  const waitForEvents = (referenceId: string, count: number, timeoutMs = 15_000) =>
    waitFor(
      `${count} presence events of ${referenceId} (have ${describeEvents(presenceOf(referenceId)).join(', ')})`,
      () => Promise.resolve(presenceOf(referenceId).length >= count ? presenceOf(referenceId) : undefined),
      timeoutMs,
      20,
    );
  const feedPage = async (after?: string, prefer?: string): Promise<FeedPage> => {
    const query = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
    const res = await http<FeedPage>('GET', `${sys.gatewayUrl}/client/v1.1/events?${query.toString()}`, {
      headers: { ...clientHeaders(tenant, pos), ...(prefer ? { prefer } : {}) },
    });
    return expectStatus('events feed', res, 200);
  };
  /** Every event in the feed from the start. */
  const wholeFeed = async (): Promise<FeedPage['events']> => {
    const all: FeedPage['events'] = [];
    let after: string | undefined;
    for (;;) {
      const page = await feedPage(after);
      all.push(...page.events);
      if (page.events.length === 0) return all;
      after = page.next!;
    }
  };

  it('announces a connect within a second, and a close, a replacement and a revocation with their reasons', async () => {
    const device = await newDevice();
    const opened = Date.now();
    const first = await simOn(device, hubA);
    const [connected] = await waitForEvents(device.referenceId, 1);
    expect(connected.body).toEqual({
      type: 'deviceConnected',
      referenceId: device.referenceId,
      at: expect.any(String) as unknown,
    });
    expect(connected.verified).toBe(true);
    // A presence event belongs to no request.
    expect(connected.requestId).toBeUndefined();
    expect(connected.at - opened).toBeLessThan(2000);

    // The same device opens a socket on the other hub: the first is replaced (4409).
    const second = await simOn(device, hubB);
    await waitFor('the first socket closed', () => Promise.resolve(first.closes.length > 0 || undefined));
    expect(first.closes[0].code).toBe(4409);
    await waitForEvents(device.referenceId, 3);

    // Closed by the terminal.
    const closing = Date.now();
    await second.stop();
    const events = await waitForEvents(device.referenceId, 4);
    expect(events[3].at - closing).toBeLessThan(2000);

    // Opened again, then its token rotated: the hub closes it (4401).
    const third = await simOn(device, hubA);
    await waitForEvents(device.referenceId, 5);
    expectStatus(
      'rotate the device token',
      await http<RotatedDeviceToken>(
        'POST',
        `${sys.adminUrl}/admin/v1/accounts/${pos.accountId}/devices/${device.referenceId}/api-token`,
        { headers: tenant.adminHeaders },
      ),
      200,
      201,
    );
    await waitFor('the revoked socket closed', () => Promise.resolve(third.closes.length > 0 || undefined));
    await waitForEvents(device.referenceId, 6);
    // Settle: nothing more may come (no duplicate from the second gateway or a late close).
    await new Promise((r) => setTimeout(r, 1500));
    expect(describeEvents(presenceOf(device.referenceId))).toEqual([
      'deviceConnected',
      'deviceDisconnected:replaced',
      'deviceConnected',
      'deviceDisconnected:closed',
      'deviceConnected',
      'deviceDisconnected:revoked',
    ]);
  }, 90_000);

  it('announces a terminal that stops answering pings as livenessLost', async () => {
    const device = await newDevice();
    const sim = await simOn(device, hubB);
    await waitForEvents(device.referenceId, 1);
    sim.pauseReading();
    const events = await waitForEvents(device.referenceId, 2, 30_000);
    expect(describeEvents(events)).toEqual(['deviceConnected', 'deviceDisconnected:livenessLost']);
  }, 60_000);

  it('gives the feed the same ids and bodies as the webhooks, across a receiver outage, and long-polls with Prefer: wait', async () => {
    const device = await newDevice();
    const sim = await simOn(device, hubA);
    await waitForEvents(device.referenceId, 1);

    // The receiver goes away; an async payment and presence changes happen meanwhile.
    await receiver.stop();
    const requestId = randomUUID();
    const sent = await http<RequestAccepted>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      headers: clientHeaders(tenant, pos),
      body: {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target: device.referenceId,
        payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 700, currency: 'EUR' } },
      },
    });
    expectStatus('async payment', sent, 202);
    const inFeed = (pred: (e: FeedPage['events'][number]) => boolean) =>
      waitFor('the event in the feed', async () => (await wholeFeed()).find(pred), 15_000, 100);
    await inFeed((e) => e.requestId === requestId && e.body.type === 'paymentResponse');
    await sim.stop();
    await inFeed((e) => e.type === 'deviceDisconnected' && e.body.referenceId === device.referenceId);

    // A feed reader waiting with Prefer: wait gets the next event as it comes.
    const head = await feedPage(undefined);
    let cursor = head.next!;
    for (let page = head; page.events.length > 0; page = await feedPage(cursor)) cursor = page.next ?? cursor;
    const waiting = feedPage(cursor, 'wait=10');
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const again = await simOn(device, hubB);
    const woke = await waiting;
    expect(Date.now() - start).toBeLessThan(8000);
    expect(woke.events.map((e) => e.type)).toContain('deviceConnected');
    await again.stop();

    // The receiver is back: the retries deliver everything.
    await receiver.restart();
    const feed = await waitFor(
      'every feed event accepted by the receiver',
      async () => {
        const events = (await wholeFeed()).filter(
          (e) => e.body.referenceId === device.referenceId || e.requestId === requestId,
        );
        const ids = new Set(receiver.accepted.map((r) => r.deliveryId));
        return events.length >= 6 && events.every((e) => ids.has(e.id)) ? events : undefined;
      },
      30_000,
      200,
    );
    const byId = new Map(receiver.accepted.map((r) => [r.deliveryId!, r]));
    for (const event of feed) {
      const delivered = byId.get(event.id)!;
      expect(delivered.body).toEqual(event.body);
      expect(delivered.verified).toBe(true);
    }
    // And the other way round: every webhook of this device or request is in the feed.
    const feedIds = new Set(feed.map((e) => e.id));
    const delivered = receiver.accepted.filter(
      (r) => r.body?.referenceId === device.referenceId || r.requestId === requestId,
    );
    for (const r of delivered) expect(feedIds.has(r.deliveryId!)).toBe(true);
    // The feed's order is stable: read twice, the same sequence.
    expect((await wholeFeed()).map((e) => e.id)).toEqual((await wholeFeed()).map((e) => e.id));
  }, 120_000);

  it('refuses a bad cursor or limit with 422, and is not in the 1.0 API', async () => {
    for (const query of [
      'after=abc',
      'after=1.2.3',
      'limit=0',
      'limit=501',
      'after=99999999999999999999.1',
      'x=1',
    ]) {
      const res = await http<ErrorBody>('GET', `${sys.gatewayUrl}/client/v1.1/events?${query}`, {
        headers: clientHeaders(tenant, pos),
      });
      expect({ query, status: res.status, code: res.body?.errorCode }).toEqual({
        query,
        status: 422,
        code: 'invalidData',
      });
    }
    const old = await http('GET', `${sys.gatewayUrl}/client/v1.0/events`, {
      headers: clientHeaders(tenant, pos),
    });
    expect(old.status).toBe(404);
  });

  it('pushes the events a POS socket subscribed to, with the webhook ids, once, across hubs', async () => {
    const posOn = (hubUrl: string) =>
      new PosClient({
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        accountId: pos.accountId,
        apiToken: pos.apiToken,
        hubUrl,
      });
    const both = posOn(hubA);
    const closesOnly = posOn(hubB);
    poses.push(both, closesOnly);
    await Promise.all([both.connect('1.1'), closesOnly.connect('1.1')]);
    const subscribe = (client: PosClient, events: unknown, requestId = randomUUID()) => {
      client.send({ type: 'subscribe', format: 'cloudflow', version: '1.0', requestId, payload: { events } });
      return requestId;
    };
    const bad = subscribe(both, ['deviceConnected', 'paymentSeen']);
    const refused = await both.received.waitFor((f) => f.originatingRequestId === bad);
    expect(refused).toMatchObject({ type: 'flowException', payload: { errorCode: 'invalidData' } });
    const ok = subscribe(both, ['deviceConnected', 'deviceDisconnected']);
    await both.received.waitFor((f) => f.type === ('ack' as string) && f.originatingRequestId === ok);
    const ok2 = subscribe(closesOnly, ['deviceDisconnected']);
    await closesOnly.received.waitFor((f) => f.type === ('ack' as string) && f.originatingRequestId === ok2);

    const device = await newDevice();
    const sim = await simOn(device, hubB);
    await sim.stop();
    const webhooks = await waitForEvents(device.referenceId, 2);
    const pushed = (client: PosClient) =>
      client.received.frames.filter(
        (f) => f.type === ('event' as string) && f.payload.referenceId === device.referenceId,
      );
    await waitFor('both events on the socket', () => Promise.resolve(pushed(both).length >= 2 || undefined));
    await waitFor('the close on the other socket', () =>
      Promise.resolve(pushed(closesOnly).length >= 1 || undefined),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(pushed(both).map((f) => f.requestId)).toEqual(webhooks.map((w) => w.deliveryId));
    expect(pushed(both).map((f) => f.payload)).toEqual(webhooks.map((w) => w.body));
    expect(pushed(closesOnly).map((f) => f.requestId)).toEqual([webhooks[1].deliveryId]);
  }, 60_000);

  it('announces the sockets of a hub killed with -9 as hubGone, once, within the liveness window', async () => {
    const devices = await Promise.all([newDevice(), newDevice()]);
    for (const d of devices) await simOn(d, hubB);
    for (const d of devices) await waitForEvents(d.referenceId, 1);
    const killed = Date.now();
    await sys.hubs[1].child.kill();
    for (const d of devices) {
      const events = await waitForEvents(d.referenceId, 2, 45_000);
      expect(events[1].at - killed).toBeLessThan(45_000);
    }
    await new Promise((r) => setTimeout(r, 3000));
    for (const d of devices)
      expect(describeEvents(presenceOf(d.referenceId))).toEqual([
        'deviceConnected',
        'deviceDisconnected:hubGone',
      ]);
  }, 120_000);
});
