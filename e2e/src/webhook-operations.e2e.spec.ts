import type {
  ErrorBody,
  RedeliveredWebhooks,
  RequestView,
  WebhookDeliveryList,
  WebhookDeliverySummary,
  WebhookReceiverStatus,
} from '@cloudflow/contracts';
import { verifyWebhook } from '@cloudflow/pos';
import {
  DeviceSimulator,
  http,
  startSystem,
  waitFor,
  WebhookReceiver,
  type ReceivedWebhook,
  type System,
} from '@cloudflow/testing';
import { createHmac, randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  expectStatus,
  type Account,
  type Tenant,
} from './support/tenant';
import type { AccountView, RequestAccepted, RotatedSecretView } from './support/bodies';

// Compressed timings: a delivery goes dead 3 s after it was queued (72 h in production), a
// receiver failing for 6 s is disabled (5 days), a rotation's overlap lasts 8 s (24 h).
const MAX_AGE_MS = 3000;
const DISABLE_AFTER_MS = 6000;
const OVERLAP_HOURS = 8 / 3600;
// Two gateways of 4 slots each; an account may hold 2 of the 8 at once, over both.
const ACCOUNT_CAP = 2;
const SLOW_MS = 2000;

interface Pos {
  account: Account;
  receiver: WebhookReceiver;
  sim: DeviceSimulator;
}

/**
 * Webhook operations on real processes (issue 14): secret rotation with an overlap in which
 * every delivery carries both signatures, redelivery of one and of every dead delivery, one
 * slow receiver that cannot hold up another account's deliveries, and a receiver failing for
 * too long shown disabled, not attempted, then enabled again by the tenant.
 */
describe('webhook operations end to end', () => {
  let sys: System;
  let tenant: Tenant;
  const everyone: Pos[] = [];

  const admin = <T = unknown>(method: 'GET' | 'POST', path: string, as: Tenant = tenant) =>
    http<T>(method, `${sys.adminUrl}/admin/v1/accounts/${path}`, {
      headers: as.adminHeaders,
    });

  async function newPos(name: string): Promise<Pos> {
    const receiver = await WebhookReceiver.start();
    const account = await createAccount(sys, tenant, {
      accountId: `${name}-${randomUUID().slice(0, 8)}`,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
    const till = await createDevice(sys, tenant, account.accountId, {
      referenceId: 'till-1',
      serialNumber: `SN-${randomUUID().slice(0, 8)}`,
      model: 'M1',
    });
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: till.model,
        serialNumber: till.serialNumber,
        apiToken: till.apiToken,
      },
      { delayMs: 5, events: 2 },
    );
    await sim.connect();
    const pos = { account, receiver, sim };
    everyone.push(pos);
    return pos;
  }

  /**
   * An async payment, answered by the simulator with 2 events and a final: 3 deliveries. With
   * `wait`, the call returns once the terminal answered (the device takes one payment at a time).
   */
  async function pay(pos: Pos, wait = false): Promise<string> {
    const requestId = randomUUID();
    const res = await http<RequestAccepted | RequestView>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      headers: { ...clientHeaders(tenant, pos.account), ...(wait && { prefer: 'wait=10' }) },
      body: {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target: 'till-1',
        payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1000, currency: 'EUR' } },
      },
    });
    expect(expectStatus('send', res, wait ? 200 : 202)).toMatchObject({ requestId });
    return requestId;
  }

  const deliveries = async (pos: Pos, status?: string) =>
    expectStatus(
      'list deliveries',
      await admin<WebhookDeliveryList>(
        'GET',
        `${pos.account.accountId}/webhook-deliveries${status ? `?status=${status}` : ''}`,
      ),
      200,
    ).deliveries;

  const signaturesOf = (r: ReceivedWebhook) => {
    const header = String(r.headers['cloudflow-signature']);
    const parts = header.split(',').map((p) => p.split('='));
    return {
      header,
      t: parts.find(([k]) => k === 't')![1],
      v1: parts.filter(([k]) => k === 'v1').map(([, v]) => v),
    };
  };
  const hmac = (secret: string, t: string, body: string) =>
    createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

  beforeAll(async () => {
    sys = await startSystem({
      hubs: 1,
      gateways: 2,
      env: {
        SANDBOX_RATE_PER_SECOND: '10000',
        SANDBOX_USAGE_LIMIT_PER_DAY: '1000000',
        WEBHOOK_SECRET_OVERLAP_HOURS: String(OVERLAP_HOURS),
        WEBHOOK_MAX_AGE_MS: String(MAX_AGE_MS),
        WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS),
        WEBHOOK_CONCURRENCY: '4',
        WEBHOOK_ACCOUNT_CONCURRENCY: String(ACCOUNT_CAP),
        WEBHOOK_BACKOFF_BASE_MS: '200',
        WEBHOOK_BACKOFF_MAX_MS: '500',
        WEBHOOK_TIMEOUT_MS: '5000',
        WEBHOOK_POLL_MS: '250',
      },
    });
    tenant = await createTenant(sys);
  }, 120_000);

  afterAll(async () => {
    for (const pos of everyone) {
      await pos.sim.stop();
      await pos.receiver.stop();
    }
    await sys?.stop();
  });

  it('rotates the secret: during the overlap every delivery carries v1= of the new and of the old secret, after it only the new', async () => {
    const pos = await newPos('rotate');
    const oldSecret = pos.account.webhookSecret;
    const before = await pay(pos);
    const [plain] = await pos.receiver.waitForAccepted(3, before);
    expect(signaturesOf(plain).v1).toHaveLength(1);

    const asked = Date.now();
    const rotated = expectStatus(
      'rotate',
      await admin<RotatedSecretView>('POST', `${pos.account.accountId}/webhook-secret`),
      200,
    );
    const newSecret = rotated.webhookSecret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const overlapEnds = Date.parse(rotated.previousExpiresAt as string);
    expect(overlapEnds - asked).toBeGreaterThan(OVERLAP_HOURS * 3_600_000 - 1000);
    expect(overlapEnds - asked).toBeLessThan(OVERLAP_HOURS * 3_600_000 + 2000);
    // Shown only there: the account view has no secret.
    expect(
      JSON.stringify(expectStatus('account', await admin<AccountView>('GET', pos.account.accountId), 200)),
    ).not.toContain(newSecret);

    // At once on every gateway (the change broadcast dropped their cached secrets): both signatures.
    pos.receiver.secret = newSecret;
    const during = await pay(pos);
    const overlapped = await pos.receiver.waitForAccepted(3, during);
    for (const r of overlapped) {
      const { header, t, v1 } = signaturesOf(r);
      expect(v1).toEqual([hmac(newSecret, t, r.rawBody), hmac(oldSecret, t, r.rawBody)]);
      for (const secrets of [newSecret, oldSecret, [oldSecret, newSecret]])
        expect(verifyWebhook({ secrets, header, body: r.rawBody }).ok).toBe(true);
      expect(verifyWebhook({ secrets: 'whsec_someone_else', header, body: r.rawBody })).toEqual({
        ok: false,
        reason: 'mismatch',
      });
      expect(r.verified).toBe(true);
    }
    expect(Date.now()).toBeLessThan(overlapEnds);

    // After the overlap: the new secret only.
    await waitFor(
      'the overlap to end',
      () => Promise.resolve(Date.now() > overlapEnds + 200 || undefined),
      15_000,
    );
    const after = await pay(pos);
    for (const r of await pos.receiver.waitForAccepted(3, after)) {
      const { header, t, v1 } = signaturesOf(r);
      expect(v1).toEqual([hmac(newSecret, t, r.rawBody)]);
      expect(verifyWebhook({ secrets: newSecret, header, body: r.rawBody }).ok).toBe(true);
      expect(verifyWebhook({ secrets: oldSecret, header, body: r.rawBody })).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    }
  }, 60_000);

  it("rotation: a user may not, another business's account is not found", async () => {
    const pos = await newPos('rotate-auth');
    const other = await createTenant(sys, 'Other Coffee');
    const stranger = await admin<ErrorBody>('POST', `${pos.account.accountId}/webhook-secret`, other);
    expect(stranger.status).toBe(404);
    expect(stranger.body).toEqual({
      errorCode: 'notFound',
      errorMessage: `Account '${pos.account.accountId}' does not exist`,
    });
    for (const path of ['webhook', 'webhook-deliveries'])
      expect((await admin('GET', `${pos.account.accountId}/${path}`, other)).status).toBe(404);
    // The secret did not change: deliveries still verify with the one made at creation.
    const requestId = await pay(pos);
    const got = await pos.receiver.waitForAccepted(3, requestId);
    expect(got.every((r) => r.verified && signaturesOf(r).v1.length === 1)).toBe(true);
  }, 60_000);

  it('redelivers one dead delivery, then every dead one, with the same ids and bodies, in order', async () => {
    const pos = await newPos('redeliver');
    pos.receiver.respond = () => 503;
    const requestId = await pay(pos);
    const dead = await waitFor(
      'all three deliveries dead',
      async () => {
        const rows = await deliveries(pos, 'dead');
        return rows.filter((d) => d.requestId === requestId).length === 3 ? rows : undefined;
      },
      20_000,
    );
    const bySeq = [...dead].sort((a, b) => a.seq - b.seq);
    expect(bySeq.every((d) => d.deadAt !== null && d.attempts >= 1)).toBe(true);
    const refused = pos.receiver.received.filter((r) => r.requestId === requestId);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    const bodyOf = new Map(refused.map((r) => [r.deliveryId, r.rawBody]));

    // The receiver is back "after 72 h": nothing comes by itself; the tenant redelivers.
    pos.receiver.respond = undefined;
    const one = expectStatus(
      'redeliver one',
      await admin<WebhookDeliverySummary>(
        'POST',
        `${pos.account.accountId}/webhook-deliveries/${bySeq[0].deliveryId}/redeliver`,
      ),
      200,
    );
    expect(one).toMatchObject({ deliveryId: bySeq[0].deliveryId, status: 'pending', deadAt: null });
    const [first] = await pos.receiver.waitForAccepted(1, requestId);
    expect(first.deliveryId).toBe(bySeq[0].deliveryId);
    expect(first.rawBody).toBe(bodyOf.get(first.deliveryId));
    expect(first.verified).toBe(true);
    await waitFor(
      'seq 1 delivered',
      async () =>
        (await deliveries(pos, 'delivered')).some((d) => d.deliveryId === bySeq[0].deliveryId) || undefined,
    );
    expect((await deliveries(pos, 'dead')).map((d) => d.seq).sort()).toEqual([2, 3]);

    const all = expectStatus(
      'redeliver dead',
      await admin<RedeliveredWebhooks>('POST', `${pos.account.accountId}/webhook-deliveries/redeliver`),
      200,
    );
    expect(all).toEqual({ redelivered: 2 });
    const got = await pos.receiver.waitForAccepted(3, requestId);
    expect(got.map((r) => r.deliveryId)).toEqual(bySeq.map((d) => d.deliveryId));
    expect(got.every((r) => r.verified && r.rawBody === bodyOf.get(r.deliveryId))).toBe(true);
    const delivered = await waitFor('all delivered', async () => {
      const rows = (await deliveries(pos)).filter((d) => d.requestId === requestId);
      return rows.every((d) => d.status === 'delivered') ? rows : undefined;
    });
    expect(delivered.every((d) => d.redeliveredAt !== null)).toBe(true);
    expect((await deliveries(pos, 'dead')).length).toBe(0);
    expect(
      (await admin('POST', `${pos.account.accountId}/webhook-deliveries/${randomUUID()}/redeliver`)).status,
    ).toBe(404);
    expect(
      (await admin('POST', `${pos.account.accountId}/webhook-deliveries/not-a-uuid/redeliver`)).status,
    ).toBe(422);
    expect((await admin('GET', `${pos.account.accountId}/webhook-deliveries?status=gone`)).status).toBe(422);
  }, 60_000);

  it("one slow receiver holds at most its cap of the workers' slots; another account's deliveries are not held up", async () => {
    const slow = await newPos('slow');
    const fast = await newPos('fast');
    slow.receiver.delayMs = SLOW_MS;
    // 8 requests of 3 messages: without the cap they would take all 8 slots of both gateways for 2 s each.
    const slowIds: string[] = [];
    for (let i = 0; i < 8; i++) slowIds.push(await pay(slow, true));
    await waitFor(
      'the slow receiver busy',
      () => Promise.resolve(slow.receiver.received.length >= ACCOUNT_CAP || undefined),
      10_000,
    );
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const sent = Date.now();
      const requestId = await pay(fast);
      const got = await fast.receiver.waitForAccepted(3, requestId, 10_000);
      latencies.push(got[2].at - sent);
    }
    // A fast receiver's three messages arrive well within one slow answer.
    expect(Math.max(...latencies)).toBeLessThan(SLOW_MS);
    // The slow one never had more than its cap in flight, over both gateways.
    const slowReceived = () => slow.receiver.received.filter((r) => slowIds.includes(r.requestId!));
    expect(slowReceived().length).toBeLessThan(slowIds.length * 3);
    await waitFor(
      'every slow delivery',
      () => Promise.resolve(slowReceived().length >= slowIds.length * 3 || undefined),
      60_000,
    );
    // A slot frees when the answer is read: the next arrival may follow within a timer tick of the end.
    const spans = slowReceived().map((r) => [r.at, r.at + SLOW_MS - 50] as const);
    const most = Math.max(
      ...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length),
    );
    expect(most).toBeLessThanOrEqual(ACCOUNT_CAP);
    expect(most).toBe(ACCOUNT_CAP);
  }, 90_000);

  it('shows a receiver failing for too long as disabled with its last error, attempts nothing, and sends again once the tenant enables it', async () => {
    const pos = await newPos('disabled');
    pos.receiver.respond = () => 500;
    const firstId = await pay(pos);
    const failing = await waitFor('failing', async () => {
      const status = expectStatus(
        'receiver',
        await admin<WebhookReceiverStatus>('GET', `${pos.account.accountId}/webhook`),
        200,
      );
      return status.state === 'failing' ? status : undefined;
    });
    expect(failing).toMatchObject({ disabledAt: null, lastError: 'receiver answered 500' });
    // Failing for longer than the limit (its deliveries went dead meanwhile): the next failed attempt disables it.
    const failingSince = Date.parse(failing.failingSince as string);
    await waitFor(
      'failing for longer than the limit',
      () => Promise.resolve(Date.now() > failingSince + DISABLE_AFTER_MS + 200 || undefined),
      DISABLE_AFTER_MS + 5000,
    );
    const secondId = await pay(pos);
    const disabled = await waitFor(
      'disabled',
      async () => {
        const status = expectStatus(
          'receiver',
          await admin<WebhookReceiverStatus>('GET', `${pos.account.accountId}/webhook`),
          200,
        );
        return status.state === 'disabled' ? status : undefined;
      },
      10_000,
    );
    expect(disabled).toMatchObject({ accountId: pos.account.accountId, lastError: 'receiver answered 500' });
    expect(disabled.failingSince).toBe(failing.failingSince);
    expect(
      Date.parse(disabled.disabledAt as string) - Date.parse(disabled.failingSince as string),
    ).toBeGreaterThanOrEqual(DISABLE_AFTER_MS);
    expect(pos.receiver.received.some((r) => r.requestId === firstId)).toBe(true);

    // Disabled: a new payment's deliveries stay pending, not one attempt reaches the receiver.
    const seenBefore = pos.receiver.received.length;
    const thirdId = await pay(pos);
    await waitFor('the third payment queued', async () => {
      const rows = (await deliveries(pos, 'pending')).filter((d) => d.requestId === thirdId);
      return rows.length === 3 ? rows : undefined;
    });
    const quiet = await waitFor(
      'a while with the receiver disabled',
      async () => {
        const status = expectStatus(
          'receiver',
          await admin<WebhookReceiverStatus>('GET', `${pos.account.accountId}/webhook`),
          200,
        );
        // Several poll intervals and retry times (≤ 500 ms) have passed.
        return Date.now() - Date.parse(status.disabledAt as string) > 1500 ? status : undefined;
      },
      10_000,
    );
    expect(quiet.state).toBe('disabled');
    expect(pos.receiver.received.slice(seenBefore).filter((r) => r.requestId === thirdId)).toEqual([]);
    expect(
      (await deliveries(pos, 'pending'))
        .filter((d) => d.requestId === thirdId)
        .every((d) => d.attempts === 0),
    ).toBe(true);

    // The tenant fixed the receiver and enables it: the pending ones go out at once.
    pos.receiver.respond = undefined;
    const enabled = expectStatus(
      'enable',
      await admin<WebhookReceiverStatus>('POST', `${pos.account.accountId}/webhook/enable`),
      200,
    );
    expect(enabled).toMatchObject({ state: 'ok', disabledAt: null, failingSince: null, lastError: null });
    const got = await pos.receiver.waitForAccepted(3, thirdId, 10_000);
    expect(got.every((r) => r.verified)).toBe(true);
    await waitFor('the receiver ok', async () => {
      const status = expectStatus(
        'receiver',
        await admin<WebhookReceiverStatus>('GET', `${pos.account.accountId}/webhook`),
        200,
      );
      return status.state === 'ok' && status.pending === 0 ? status : undefined;
    });
    // What went dead meanwhile is redeliverable.
    const dead = (await deliveries(pos, 'dead')).filter((d) => [firstId, secondId].includes(d.requestId));
    expect(dead.length).toBeGreaterThan(0);
  }, 60_000);
});
