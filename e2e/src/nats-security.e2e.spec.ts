import { EVENTS, SUBJECTS, connectionSubject, type RequestView } from '@cloudflow/contracts';
import { natsInboxPrefix, type NatsServiceUser } from '@cloudflow/platform';
import {
  DeviceSimulator,
  http,
  PosClient,
  startNats,
  startSystem,
  waitFor,
  WebhookReceiver,
  type NatsHandle,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { connect, Events, ErrorCode, type NatsConnection, type NatsError } from 'nats';
import { clientHeaders, createAccount, createDevice, createTenant } from './support/tenant';

/**
 * The bus is locked (issue 10, NATS security): on the harness's nats-server, configured from the
 * same permission table as `npm start` and deploy/k8s, a connection without credentials is
 * refused and each service's user can use only its own subjects.
 */
describe('NATS authentication and per-service permissions', () => {
  let nats: NatsHandle;
  let observer: NatsConnection;
  const open: NatsConnection[] = [];

  const as = async (service: NatsServiceUser) => login(nats.serviceUsers[service], service);
  const login = async ({ user, pass }: { user: string; pass: string }, service = user) => {
    const nc = await connect({
      servers: nats.serverUrl,
      user,
      pass,
      name: `${service}-spec`,
      reconnect: false,
    });
    open.push(nc);
    return nc;
  };

  /** The permission error the server reports for a subscription (nats.js closes it and hands over the error). */
  const subscribeError = (nc: NatsConnection, subject: string) =>
    new Promise<NatsError>((resolve, reject) => {
      nc.subscribe(subject, {
        callback: (err) => (err ? resolve(err) : reject(new Error(`a message reached ${subject}`))),
      });
      setTimeout(
        () => reject(new Error(`no permission error for a subscription to ${subject}`)),
        10_000,
      ).unref();
    });

  /** Resolves with the code of the next asynchronous error the server reports on this connection. */
  const nextError = async (nc: NatsConnection) => {
    for await (const status of nc.status())
      if (status.type === Events.Error)
        return typeof status.data === 'string' ? status.data : JSON.stringify(status.data);
    return 'closed';
  };

  beforeAll(async () => {
    nats = await startNats();
    observer = await connect(nats.connectOptions());
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...open, observer].map((nc) => nc.close().catch(() => undefined)));
    await nats?.stop();
  });

  it('refuses a connection without credentials, and one with a wrong password', async () => {
    await expect(connect({ servers: nats.serverUrl, reconnect: false })).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
    await expect(
      connect({ servers: nats.serverUrl, user: 'hub', pass: 'not-the-password', reconnect: false }),
    ).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
  });

  it("refuses a hub's publish to auth.> while its own subjects pass", async () => {
    const heard: string[] = [];
    const listener = observer.subscribe('auth.>', { callback: (_e, m) => heard.push(m.subject) });
    const marker = new Promise<void>((resolve) =>
      observer.subscribe(connectionSubject('spec.marker.x'), { callback: () => resolve() }),
    );
    await observer.flush();

    const hub = await as('hub');
    const refused = nextError(hub);
    hub.publish(SUBJECTS.auth.appKeyRevoke, new TextEncoder().encode('{"keyId":"k"}'));
    hub.publish(SUBJECTS.auth.userCredentialsSet, new TextEncoder().encode('{}'));
    // Allowed, and published after: once it arrives, the refused ones would have too.
    hub.publish(connectionSubject('spec.marker.x'), new Uint8Array());
    await marker;
    expect(heard).toEqual([]);
    // nats.js reports only the code here; `heard` says which subjects were refused.
    expect(await refused).toBe(ErrorCode.PermissionsViolation);
    listener.unsubscribe();
  });

  it("refuses a hub's subscription to > and to other services' replies", async () => {
    const hub = await as('hub');
    expect(String(await subscribeError(hub, '>'))).toMatch(/permissions violation for subscription to ">"/i);
    expect(String(await subscribeError(hub, '_INBOX.>'))).toMatch(/permissions violation/i);
    expect(String(await subscribeError(hub, `${natsInboxPrefix('gateway')}.>`))).toMatch(
      /permissions violation/i,
    );
  });

  it('lets each hub user subscribe only to its own connections, while any hub may deliver to them', async () => {
    const [hub1, hub2] = nats.hubUsers;
    expect([hub1.user, hub2.user]).toEqual(['hub-1', 'hub-2']);
    const [a, b] = await Promise.all([login(hub1), login(hub2)]);
    expect(String(await subscribeError(a, connectionSubject('hub-2.*.*')))).toMatch(
      /permissions violation for subscription to "hub\.connection\.hub-2\.\*\.\*\.deliver\.v1"/i,
    );
    expect(String(await subscribeError(a, connectionSubject('*.*.*')))).toMatch(/permissions violation/i);
    expect(String(await subscribeError(a, 'hub.connection.>'))).toMatch(/permissions violation/i);
    // Its own: hub-2 routes a delivery to a socket of hub-1.
    const a2 = await login(hub1);
    const got = new Promise<string>((resolve) =>
      a2.subscribe(connectionSubject('hub-1.inc.sock'), { callback: (_e, m) => resolve(m.subject) }),
    );
    await a2.flush();
    b.publish(connectionSubject('hub-1.inc.sock'), new Uint8Array());
    expect(await got).toBe('hub.connection.hub-1.inc.sock.deliver.v1');
  });

  it('lets no hub answer an auth RPC: the request finds no responder', async () => {
    const hub = await as('hub');
    expect(String(await subscribeError(hub, SUBJECTS.auth.jwksGet))).toMatch(
      /permissions violation for subscription to "auth\.jwks\.get\.v1"/i,
    );
    await expect(
      observer.request(SUBJECTS.auth.jwksGet, new Uint8Array(), { timeout: 5000 }),
    ).rejects.toMatchObject({ code: ErrorCode.NoResponders });
  });

  it('lets only auth subscribe to auth RPCs: the gateway and admin cannot', async () => {
    const [gateway, admin] = await Promise.all([as('gateway'), as('admin')]);
    expect(String(await subscribeError(gateway, 'auth.>'))).toMatch(
      /permissions violation for subscription to "auth\.>"/i,
    );
    expect(String(await subscribeError(admin, SUBJECTS.auth.webhookSecretGet))).toMatch(
      /permissions violation/i,
    );
    const auth = await as('auth');
    // The positive case: auth answers its RPC.
    auth.subscribe(SUBJECTS.auth.jwksGet, {
      callback: (_e, m) => m.respond(new TextEncoder().encode('{"keys":[]}')),
    });
    await auth.flush();
    const reply = await observer.request(SUBJECTS.auth.jwksGet, new Uint8Array(), { timeout: 5000 });
    expect(new TextDecoder().decode(reply.data)).toBe('{"keys":[]}');
  });

  it('refuses a forged revocation broadcast from a hub and a gateway', async () => {
    const heard: string[] = [];
    observer.subscribe(EVENTS.accessRevoked, { callback: (_e, m) => heard.push(m.subject) });
    const marker = new Promise<void>((resolve) =>
      observer.subscribe(SUBJECTS.admin.deviceGet, { callback: () => resolve() }),
    );
    await observer.flush();
    const [hub, gateway] = await Promise.all([as('hub'), as('gateway')]);
    hub.publish(EVENTS.accessRevoked, new TextEncoder().encode('{}'));
    gateway.publish(EVENTS.accessRevoked, new TextEncoder().encode('{}'));
    await Promise.all([hub.flush(), gateway.flush()]);
    gateway.publish(SUBJECTS.admin.deviceGet, new Uint8Array());
    await marker;
    expect(heard).toEqual([]);
  });
});

/**
 * The real services under those permissions: each logs in as its own user (not the harness's
 * full-access one), and a sync payment across two hubs and an async one go through without the
 * server refusing a single publish or subscription.
 */
describe('every service on its own NATS user', () => {
  let sys: System;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    sys = await startSystem({ hubs: 2 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
    await sys?.stop();
  }, 60_000);

  it('connects each service process once, as its own user, and relays sync and async payments with no permission violation', async () => {
    const tenant = await createTenant(sys);
    const receiver = await WebhookReceiver.start();
    stops.push(() => receiver.stop());
    const account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 10,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
    const suffix = randomUUID().slice(0, 8);
    const d = await createDevice(sys, tenant, account.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl: `ws://127.0.0.1:${sys.hubs[1].port}/ws`,
      },
      { delayMs: 10, events: 1 },
    );
    stops.push(() => sim.stop());
    await sim.connect();
    const pos = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
      hubUrl: `ws://127.0.0.1:${sys.hubs[0].port}/ws`,
    });
    stops.push(() => pos.close());
    await pos.connect();

    const sync = await pos.pay(d.referenceId, 1250, 'EUR');
    expect(sync.final.payload).toMatchObject({ outcome: 'FULFILLED' });

    const requestId = randomUUID();
    const body = {
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId,
      target: d.referenceId,
      payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1300, currency: 'EUR' } },
    };
    const sent = await http('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      body,
      headers: clientHeaders(tenant, account),
    });
    expect(sent.status).toBe(202);
    await waitFor(
      'the async request to complete',
      async () => {
        const res = await http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
          headers: clientHeaders(tenant, account),
        });
        return res.status === 200 && res.body.status === 'completed' ? true : undefined;
      },
      15_000,
    );
    // The webhook needs the gateway to fetch the account's secret from auth.
    const [hook] = await receiver.waitForAccepted(1, requestId);
    expect(hook.verified).toBe(true);

    // Who is logged in: every service process over one connection (Nest's RPC client and
    // responders and the raw paths share it), as its own user.
    const connz = (await (await fetch(`${sys.nats.monitorUrl}/connz?auth=1&limit=1000`)).json()) as {
      connections: Array<{ name?: string; authorized_user?: string }>;
    };
    const services = connz.connections.filter((c) => /^(auth|admin|gateway|hub)\b/.test(c.name ?? ''));
    expect(services).toHaveLength(5);
    expect(services.map((c) => c.name!.split('@')[0]).sort()).toEqual([
      'admin',
      'auth',
      'gateway',
      'hub',
      'hub',
    ]);
    // Each hub process as its own hub user (hub-1, hub-2): it may subscribe only to its own connections.
    const expectedUser = (name: string): unknown =>
      /^(auth|admin|gateway)/.exec(name)?.[1] ?? (/^hub\b/.exec(name) && expect.stringMatching(/^hub-[12]$/));
    for (const c of services)
      expect({ name: c.name, user: c.authorized_user }).toEqual({
        name: c.name,
        user: expectedUser(c.name!),
      });
    expect(new Set(services.map((c) => c.authorized_user))).toEqual(
      new Set(['auth', 'admin', 'gateway', 'hub-1', 'hub-2']),
    );
    // nats-server logs every refused publish or subscription.
    expect(sys.nats.child.logs()).not.toMatch(/violation/i);
  }, 60_000);
});
