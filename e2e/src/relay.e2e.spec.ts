import type { ConnectionCredentials, ErrorBody } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  enrolDevice,
  http,
  HttpStatusError,
  openSocket,
  PosClient,
  startSystem,
  waitFor,
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
import type { RotatedAccountToken, RotatedDeviceToken } from './support/bodies';

/**
 * Issue 3 on real processes with two hubs: the device holds a socket on hub B, the POS on hub A,
 * and NATS carries everything between them.
 */
describe('the relay across two hubs', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let hubA: string;
  let hubB: string;
  const sims: DeviceSimulator[] = [];
  const poses: PosClient[] = [];

  const device = async (acct = account, t = tenant) => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, t, acct.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simOn = async (
    d: Device,
    hubUrl: string,
    behaviour: ConstructorParameters<typeof DeviceSimulator>[1] = {},
    t = tenant,
  ) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: t.appKey,
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
  const posOn = async (hubUrl: string, acct = account, t = tenant) => {
    const pos = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: t.appKey,
      accountId: acct.accountId,
      apiToken: acct.apiToken,
      hubUrl,
    });
    poses.push(pos);
    await pos.connect();
    return pos;
  };
  const connected = async (ref: string) =>
    (
      await http<{ connected: boolean; connectedSince?: string; lastSeen?: string | null }>(
        'GET',
        `${sys.gatewayUrl}/client/v1.1/devices/${ref}/connected`,
        { headers: clientHeaders(tenant, account) },
      )
    ).body;

  beforeAll(async () => {
    sys = await startSystem({ hubs: 2 });
    hubA = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    hubB = `ws://127.0.0.1:${sys.hubs[1].port}/ws`;
    tenant = await createTenant(sys);
    account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 50,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...sims.map((s) => s.stop()), ...poses.map((p) => p.close())]).catch(() => undefined);
    await sys?.stop();
  });

  it('carries a payment from a POS on hub A to a device on hub B, with events and the final answer in order', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { events: 2 });
    const pos = await posOn(hubA);
    const result = await pos.pay(d.referenceId, 1250, 'EUR');
    const forThis = pos.received.frames.filter((f) => f.originatingRequestId === result.requestId);
    expect(forThis.map((f) => f.type)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(result.final.payload).toMatchObject({ outcome: 'FULFILLED' });
    expect(result.final.source).toBe(d.referenceId);
    const delivered = sim.received.frames.find((f) => f.type === 'payment')!;
    expect(delivered).toMatchObject({
      requestId: result.requestId,
      source: account.accountId,
      target: d.referenceId,
    });
    // The amount rule of the simulator: ending in 51 is declined.
    const declined = await pos.pay(d.referenceId, 2051);
    expect(declined.final.payload).toMatchObject({ outcome: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS' });
  });

  it('answers connectionLost at once for a registered device that is not connected, and notFound for unknown or foreign devices', async () => {
    const offline = await device();
    const pos = await posOn(hubA);
    const started = Date.now();
    const lost = await pos.pay(offline.referenceId, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lost.final).toMatchObject({ type: 'flowException', payload: { errorCode: 'connectionLost' } });

    expect((await pos.pay('no-such-till', 1000)).final.payload).toMatchObject({ errorCode: 'notFound' });
    const other = await createAccount(sys, tenant, { accountId: `pos-${randomUUID().slice(0, 6)}` });
    const foreign = await device(other);
    await simOn(foreign, hubB);
    expect((await pos.pay(foreign.referenceId, 1000)).final.payload).toMatchObject({ errorCode: 'notFound' });
    const tenant2 = await createTenant(sys, 'Other Business');
    const account2 = await createAccount(sys, tenant2, { accountId: `pos-${randomUUID().slice(0, 6)}` });
    const pos2 = await posOn(hubB, account2, tenant2);
    expect((await pos2.pay(foreign.referenceId, 1000)).final.payload).toMatchObject({
      errorCode: 'notFound',
    });
  });

  it('refuses a second request while the device is busy (preconditionFailed) and a reused requestId (duplicateItem)', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { silent: true });
    const pos = await posOn(hubA);
    const first = randomUUID();
    pos.send(pos.paymentFrame(d.referenceId, 1000, 'EUR', first));
    await waitFor(
      'first request delivered',
      async () => (sim.requestsReceived === 1 ? true : undefined),
      5000,
    );
    expect((await pos.pay(d.referenceId, 1000)).final.payload).toMatchObject({
      errorCode: 'preconditionFailed',
    });
    pos.send(pos.paymentFrame(d.referenceId, 1000, 'EUR', first));
    const dup = await pos.received.waitFor(
      (f) => f.type === 'flowException' && f.originatingRequestId === first,
    );
    expect(dup.payload).toMatchObject({ errorCode: 'duplicateItem' });
  });

  it('shows connected, then not connected within 1 s of the socket closing', async () => {
    const d = await device();
    expect(await connected(d.referenceId)).toEqual({ connected: false, lastSeen: null });
    const sim = await simOn(d, hubB, { reconnect: false });
    const on = await connected(d.referenceId);
    expect(on.connected).toBe(true);
    expect(Date.parse(on.connectedSince!)).toBeGreaterThan(Date.now() - 60_000);
    await sim.stop();
    const closedAt = Date.now();
    const off = await waitFor(
      'disconnect to show',
      async () => {
        const s = await connected(d.referenceId);
        return s.connected ? undefined : s;
      },
      1000,
      25,
    );
    expect(Date.now() - closedAt).toBeLessThanOrEqual(1000);
    expect(typeof off.lastSeen).toBe('string');
  });

  it('replaces an older socket of the same device (4409) and delivers only to the newest', async () => {
    const d = await device();
    const older = await simOn(d, hubA, { reconnect: false });
    const newer = await simOn(d, hubB, { reconnect: false });
    await waitFor(
      'older socket closed with 4409',
      async () => (older.closes.some((c) => c.code === 4409) ? true : undefined),
      5000,
    );
    const pos = await posOn(hubA);
    const result = await pos.pay(d.referenceId, 1000);
    expect(result.final.type).toBe('paymentResponse');
    expect(newer.requestsReceived).toBe(1);
    expect(older.requestsReceived).toBe(0);
  });

  it('delivers to the newest socket right after a replacement, though the POS hub had just routed to the older one', async () => {
    // Hub A remembers a device's connection for a second; the fenced one must never get the next request.
    const d = await device();
    const older = await simOn(d, hubB, { reconnect: false });
    const pos = await posOn(hubA);
    expect((await pos.pay(d.referenceId, 1000)).final.type).toBe('paymentResponse');
    const newer = await simOn(d, hubB, { reconnect: false });
    await waitFor(
      'older socket closed with 4409',
      async () => (older.closes.some((c) => c.code === 4409) ? true : undefined),
      5000,
    );
    expect((await pos.pay(d.referenceId, 1000)).final.type).toBe('paymentResponse');
    expect(older.requestsReceived).toBe(1);
    expect(newer.requestsReceived).toBe(1);
    // And once the device is gone altogether, the remembered connection does not hide it.
    await newer.stop();
    await waitFor(
      'device released',
      async () => ((await connected(d.referenceId)).connected ? undefined : true),
      5000,
    );
    const lost = await pos.pay(d.referenceId, 1000);
    expect(lost.final).toMatchObject({ type: 'flowException', payload: { errorCode: 'connectionLost' } });
  });

  it('tells the POS connectionLost when the device drops mid-transaction', async () => {
    const d = await device();
    await simOn(d, hubB, { dropMidTransaction: true, reconnect: false });
    const pos = await posOn(hubA);
    const result = await pos.pay(d.referenceId, 1000);
    expect(result.events.length).toBeGreaterThanOrEqual(1);
    expect(result.final).toMatchObject({ type: 'flowException', payload: { errorCode: 'connectionLost' } });
  });

  it('keeps the socket open on a malformed frame, and closes with 1009 on an oversize one', async () => {
    const d = await device();
    await simOn(d, hubB);
    const pos = await posOn(hubA);
    pos.sendRaw('{"type": "payment", ');
    const bad = await pos.received.waitFor((f) => f.type === 'flowException');
    expect(bad.payload).toMatchObject({ errorCode: 'invalidData' });
    pos.send({ ...pos.paymentFrame(d.referenceId, 1000), type: 'paymentResponse' });
    expect(
      (await pos.received.waitFor((f) => f.type === 'flowException' && f !== bad)).payload,
    ).toMatchObject({ errorCode: 'invalidData' });
    expect((await pos.pay(d.referenceId, 1000)).final.type).toBe('paymentResponse');

    const big = await posOn(hubA);
    big.sendRaw(
      JSON.stringify({ ...big.paymentFrame(d.referenceId, 1), payload: { pad: 'x'.repeat(70 * 1024) } }),
    );
    await waitFor(
      '1009 close',
      async () => (big.closes.some((c) => c.code === 1009) ? true : undefined),
      5000,
    );
  });

  it('enforces the account connection limit cluster-wide: 429 from /token and at the upgrade', async () => {
    const small = await createAccount(sys, tenant, {
      accountId: `lim-${randomUUID().slice(0, 6)}`,
      connectionLimit: 2,
    });
    const d = await device(small);
    await simOn(d, hubB);
    // Taken before the limit is reached, used after: the hub itself must refuse it.
    const early = await http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
      headers: clientHeaders(tenant, small),
    });
    expect(early.status).toBe(200);
    await posOn(hubA, small);
    await new Promise((r) => setTimeout(r, 700)); // hub B's count reaches the cluster (published within ~200 ms)
    const token = await http<ErrorBody>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
      headers: clientHeaders(tenant, small),
    });
    expect(token.status).toBe(429);
    expect(token.body.errorCode).toBe('tooManyConnections');
    const refused = await openSocket(hubA, early.body.accessToken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HttpStatusError);
    expect((refused as HttpStatusError).status).toBe(429);
    expect((refused as HttpStatusError).body).toMatchObject({ errorCode: 'tooManyConnections' });
  });

  it('reserves connection slots atomically: 24 simultaneous upgrades over two hubs open exactly the limit, and closed slots come back', async () => {
    const limit = 5;
    const small = await createAccount(sys, tenant, {
      accountId: `race-${randomUUID().slice(0, 6)}`,
      connectionLimit: limit,
    });
    const tokens = await Promise.all(
      Array.from({ length: 24 }, () =>
        http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
          headers: clientHeaders(tenant, small),
        }),
      ),
    );
    expect(tokens.map((t) => t.status)).toEqual(tokens.map(() => 200));
    // Check-then-act admitted every one of these: each hub saw 0 sockets when it looked.
    const attempt = () =>
      Promise.allSettled(tokens.map((t, i) => openSocket(i % 2 ? hubB : hubA, t.body.accessToken)));
    const first = await attempt();
    const opened = first.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refusals = first.flatMap((r) => (r.status === 'rejected' ? [r.reason as HttpStatusError] : []));
    expect(opened.length).toBe(limit);
    expect(refusals.map((e) => [e.status, (e.body as { errorCode?: string }).errorCode])).toEqual(
      refusals.map(() => [429, 'tooManyConnections']),
    );
    for (const ws of opened) ws.close();
    // Every slot is given back (the refused upgrades never held one): the limit opens again.
    await waitFor(
      'the slots released',
      async () => {
        const again = await attempt();
        const held = again.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        for (const ws of held) ws.close();
        return held.length === limit ? true : undefined;
      },
      10_000,
      500,
    );
  });

  it('refuses upgrades without a valid token with HTTP 401', async () => {
    const refused = await openSocket(hubA, 'not-a-jwt').then(
      () => undefined,
      (e: unknown) => e as HttpStatusError,
    );
    expect(refused?.status).toBe(401);
    expect(refused?.body).toMatchObject({ errorCode: 'unauthorized' });
  });

  it('closes a device socket within 5 s of its token being rotated (4401), and of being disabled', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { reconnect: false });
    const rotated = await http(
      'POST',
      `${sys.adminUrl}/admin/v1/accounts/${account.accountId}/devices/${d.referenceId}/api-token`,
      { headers: tenant.adminHeaders },
    );
    expect(rotated.status).toBe(200);
    await waitFor(
      '4401 after rotation',
      async () => (sim.closes.some((c) => c.code === 4401) ? true : undefined),
      5000,
      50,
    );

    const d2 = await device();
    const sim2 = await simOn(d2, hubA, { reconnect: false });
    const patched = await http(
      'PATCH',
      `${sys.adminUrl}/admin/v1/accounts/${account.accountId}/devices/${d2.referenceId}`,
      { body: { enabled: false }, headers: tenant.adminHeaders },
    );
    expect(patched.status).toBe(200);
    await waitFor(
      '4401 after disable',
      async () => (sim2.closes.some((c) => c.code === 4401) ? true : undefined),
      5000,
      50,
    );
    await expect(sim2.connect()).rejects.toMatchObject({ status: 403 });
  });

  it('refuses, on every hub, a websocket token minted before its credential was rotated, and keeps sockets of the new one (issue 12 item 1)', async () => {
    const own = await createAccount(sys, tenant, { accountId: `rot-${randomUUID().slice(0, 6)}` });
    const clientToken = async (apiToken: string) => {
      const res = await http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
        headers: clientHeaders(tenant, { accountId: own.accountId, apiToken }),
      });
      return res.status === 200 ? res.body.accessToken : undefined;
    };
    const refusal = (url: string, token: string) =>
      openSocket(url, token).then(
        (ws) => (ws.close(), undefined),
        (e: unknown) => (e instanceof HttpStatusError ? e.status : -1),
      );
    const oldClient = (await clientToken(own.apiToken))!;
    const d = await device(own);
    const enrol = (apiToken: string) =>
      enrolDevice({
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken,
      }).then((c) => c.accessToken);
    const oldDevice = await enrol(d.apiToken);
    // Both tokens open sockets before the rotation (their signatures stay valid for 5 minutes).
    expect(await refusal(hubA, oldClient)).toBeUndefined();
    expect(await refusal(hubB, oldDevice)).toBeUndefined();

    const rotatedAccount = await http<RotatedAccountToken>(
      'POST',
      `${sys.adminUrl}/admin/v1/accounts/${own.accountId}/api-token`,
      {
        headers: tenant.adminHeaders,
      },
    );
    expect(rotatedAccount.status).toBe(200);
    const rotatedDevice = await http<RotatedDeviceToken>(
      'POST',
      `${sys.adminUrl}/admin/v1/accounts/${own.accountId}/devices/${d.referenceId}/api-token`,
      { headers: tenant.adminHeaders },
    );
    expect(rotatedDevice.status).toBe(200);
    // A token minted from the new credential after the rotation: its socket must survive.
    const freshClient = await waitFor('a token from the new account credential', () =>
      clientToken(rotatedAccount.body.apiToken),
    );
    const kept = await openSocket(hubB, freshClient);
    const keptCloses: number[] = [];
    kept.on('close', (code) => keptCloses.push(code));

    for (const [url, token] of [
      [hubA, oldClient],
      [hubB, oldClient],
      [hubA, oldDevice],
      [hubB, oldDevice],
    ] as const) {
      await waitFor(
        'the pre-rotation token refused with 401',
        async () => ((await refusal(url, token)) === 401 ? true : undefined),
        5000,
        50,
      );
    }
    expect(await refusal(hubA, await enrol(rotatedDevice.body.apiToken))).toBeUndefined();
    expect(await refusal(hubA, freshClient)).toBeUndefined();
    expect(keptCloses).toEqual([]);
    kept.close();
  });

  it('a hub that starts after a rotation refuses the pre-rotation token too: it reads the last revocations from the stream that keeps them (issue 12 item 1)', async () => {
    const own = await createAccount(sys, tenant, { accountId: `rs-${randomUUID().slice(0, 6)}` });
    const token = await http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
      headers: clientHeaders(tenant, own),
    });
    expect(token.status).toBe(200);
    const rotated = await http<RotatedAccountToken>(
      'POST',
      `${sys.adminUrl}/admin/v1/accounts/${own.accountId}/api-token`,
      {
        headers: tenant.adminHeaders,
      },
    );
    expect(rotated.status).toBe(200);
    // Hub A was not running when the revocation was broadcast: before the stream, it knew no floor
    // and the token (valid for 5 minutes) opened a socket there.
    await sys.hubs[0].child.stop();
    await sys.hubs[0].restart();
    const status = await openSocket(hubA, token.body.accessToken).then(
      (ws) => (ws.close(), 101),
      (e: unknown) => (e instanceof HttpStatusError ? e.status : -1),
    );
    expect(status).toBe(401);
    const fresh = await http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
      headers: clientHeaders(tenant, { accountId: own.accountId, apiToken: rotated.body.apiToken }),
    });
    (await openSocket(hubA, fresh.body.accessToken)).close();
  });

  it('refuses an upgrade with a still-valid token once its device is disabled (403) or deleted (401), also inside a burst of the account', async () => {
    const ds = await Promise.all([device(), device(), device(), device()]);
    const tokens = await Promise.all(
      ds.map(
        async (d) =>
          (
            await enrolDevice({
              gatewayUrl: sys.gatewayUrl,
              appKey: tenant.appKey,
              model: d.model,
              serialNumber: d.serialNumber,
              apiToken: d.apiToken,
            })
          ).accessToken,
      ),
    );
    const base = `${sys.adminUrl}/admin/v1/accounts/${account.accountId}/devices`;
    expect(
      (
        await http('PATCH', `${base}/${ds[1].referenceId}`, {
          body: { enabled: false },
          headers: tenant.adminHeaders,
        })
      ).status,
    ).toBe(200);
    expect(
      (await http('DELETE', `${base}/${ds[2].referenceId}`, { headers: tenant.adminHeaders })).status,
    ).toBeLessThan(300);
    // All four at once: the hub reads the account's devices for a burst together, each must get its own answer.
    const outcomes = await Promise.all(
      tokens.map((t) =>
        openSocket(hubB, t).then(
          (ws) => {
            ws.close();
            return 101;
          },
          (e: unknown) => (e as HttpStatusError).status,
        ),
      ),
    );
    expect(outcomes).toEqual([101, 403, 401, 101]);
  });

  it('survives kill -9 of the device hub mid-transaction: connectionLost within 3 s, and the device works again via hub A', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { silent: true });
    const pos = await posOn(hubA);
    const requestId = randomUUID();
    pos.send(pos.paymentFrame(d.referenceId, 1000, 'EUR', requestId));
    await waitFor(
      'delivered to the device',
      async () => (sim.requestsReceived === 1 ? true : undefined),
      5000,
    );
    // The terminal reconnects through the gateway's URL, which is hub A.
    sim.credential.hubUrl = undefined;
    sim.behaviour.silent = false;
    const killedAt = Date.now();
    await sys.hubs[1].child.kill();
    const lost = await pos.received.waitFor(
      (f) => f.originatingRequestId === requestId && f.type === 'flowException',
      3000,
      'connectionLost',
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(3000);
    expect(lost.payload).toMatchObject({ errorCode: 'connectionLost' });
    await waitFor(
      'device back on hub A',
      async () => ((await connected(d.referenceId)).connected && sim.connected ? true : undefined),
      15_000,
    );
    const again = await pos.pay(d.referenceId, 1000);
    expect(again.final.type).toBe('paymentResponse');
  }, 40_000);
});
