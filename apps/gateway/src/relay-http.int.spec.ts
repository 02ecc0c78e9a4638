import { Controller, Module, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import {
  CloudFlowError,
  ErrorCode,
  EVENTS,
  SUBJECTS,
  type AppKeyInfo,
  type ConnectionCredentials,
  type DeviceRecord,
  type DeviceView,
  type ErrorBody,
} from '@cloudflow/contracts';
import { Broadcasts, NatsConnectionOwner, OwnedNatsServer } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import {
  basicBearer,
  freePort,
  http,
  startNats,
  startPostgres,
  waitFor,
  type NatsHandle,
  type PostgresHandle,
} from '@cloudflow/testing';
import pino from 'pino';
import { bootstrap } from './bootstrap';
import type { DeviceConnection } from './client-api/client-devices.service';

/*
 * The gateway's Client and Device API over HTTP, in this process, on a real NATS and Postgres.
 * auth and admin are played by strict scripted responders on that NATS (the real ones are
 * exercised by e2e/src/client-api.e2e.spec.ts): this pins each route's auth, validation and
 * error mapping against the contracts, and any call the script does not expect fails the test.
 */

const T = 'tenant-1';
// Keys of the real shape (anything else is refused before auth is asked).
const KEY_ALL = `cf_sbx_${'a'.repeat(43)}`;
const KEY_ADMIN_ONLY = `cf_sbx_${'b'.repeat(43)}`;
const KEYS: Record<string, AppKeyInfo['groups']> = {
  [KEY_ALL]: ['client', 'device', 'admin'],
  [KEY_ADMIN_ONLY]: ['admin'],
};
const ACCOUNTS: Record<string, { token: string; limit: number }> = {
  'pos-1': { token: 'tok-1', limit: 2 },
  'pos-2': { token: 'tok-2', limit: 5 },
};
const device = (
  acc: string,
  ref: string,
  model: string,
  serial: string,
  location: string | null,
  enabled = true,
): DeviceRecord & { token: string } => ({
  tenantId: T,
  clientAccountId: acc,
  referenceId: ref,
  model,
  serialNumber: serial,
  name: `Till ${ref}`,
  location,
  enabled,
  token: `dev-${ref}`,
});
const DEVICES = [
  device('pos-1', 'till-7', 'A920', 'SN-7', 'Front'),
  device('pos-1', 'till-8', 'A920', 'SN-8', 'Back', false),
  device('pos-1', 'kiosk-1', 'S300', 'SN-K1', 'Front'),
  device('pos-2', 'till-9', 'A920', 'SN-9', 'Front'),
];
const record = ({ token: _t, ...d }: DeviceRecord & { token: string }): DeviceRecord => d;
const refused = (code: ErrorCode, message: string) =>
  new RpcException(new CloudFlowError(code, message).toBody());

const calls: Array<{ subject: string; req: unknown }> = [];
const count = (subject: string) => calls.filter((c) => c.subject === subject).length;

// The contract's side of auth and admin, as far as the gateway uses it.
@Controller()
class FakeAuthAndAdmin {
  private log(subject: string, req: unknown) {
    calls.push({ subject, req });
  }
  @MessagePattern(SUBJECTS.auth.appKeyVerify) appKey(@Payload() req: { appKey: string }): AppKeyInfo {
    this.log(SUBJECTS.auth.appKeyVerify, req);
    const groups = KEYS[req.appKey];
    if (!groups) throw refused(ErrorCode.unauthorized, 'Invalid APP key');
    return {
      keyId: req.appKey,
      prefix: 'cf_sbx_x',
      developerId: 'd1',
      kind: 'sandbox',
      status: 'active',
      groups,
      usageLimitPerDay: 1e6,
      ratePerSecond: 1e3,
      expiresAt: null,
    };
  }
  @MessagePattern(SUBJECTS.auth.blockedEndpointList) blocked() {
    return { items: [] };
  }
  @MessagePattern(SUBJECTS.auth.accountVerify) accountVerify(
    @Payload() req: { accountId: string; apiToken: string },
  ) {
    this.log(SUBJECTS.auth.accountVerify, req);
    if (ACCOUNTS[req.accountId]?.token !== req.apiToken)
      throw refused(ErrorCode.unauthorized, 'Invalid account credentials');
    return { tenantId: T, accountId: req.accountId };
  }
  @MessagePattern(SUBJECTS.auth.deviceVerify) deviceVerify(
    @Payload() req: { model: string; serialNumber: string; apiToken: string },
  ) {
    this.log(SUBJECTS.auth.deviceVerify, req);
    const d = DEVICES.find(
      (x) => x.model === req.model && x.serialNumber === req.serialNumber && x.token === req.apiToken,
    );
    if (!d) throw refused(ErrorCode.unauthorized, 'Invalid device credentials');
    return { tenantId: T, accountId: d.clientAccountId, referenceId: d.referenceId };
  }
  @MessagePattern(SUBJECTS.auth.websocketToken) token(@Payload() req: Record<string, string>) {
    this.log(SUBJECTS.auth.websocketToken, req);
    return { accessToken: `jwt.${req.kind}.${req.referenceId ?? req.accountId}`, expiresIn: 300 };
  }
  @MessagePattern(SUBJECTS.admin.accountGet) account(
    @Payload() req: { tenantId: string; accountId: string },
  ) {
    this.log(SUBJECTS.admin.accountGet, req);
    const a = ACCOUNTS[req.accountId];
    if (!a || req.tenantId !== T)
      throw refused(ErrorCode.notFound, `Account '${req.accountId}' does not exist`);
    return {
      tenantId: T,
      accountId: req.accountId,
      name: req.accountId,
      connectionLimit: a.limit,
      webhookUrl: null,
    };
  }
  @MessagePattern(SUBJECTS.admin.deviceList) list(@Payload() req: Record<string, string>) {
    this.log(SUBJECTS.admin.deviceList, req);
    const match = (d: DeviceRecord) =>
      (['model', 'serialNumber', 'location'] as const).every((f) => req[f] === undefined || d[f] === req[f]);
    return {
      devices: DEVICES.filter(
        (d) => d.tenantId === req.tenantId && d.clientAccountId === req.accountId && match(d),
      ).map(record),
    };
  }
  @MessagePattern(SUBJECTS.admin.deviceGet) get(@Payload() req: Record<string, string>) {
    this.log(SUBJECTS.admin.deviceGet, req);
    const d = DEVICES.find(
      (x) =>
        x.tenantId === req.tenantId &&
        x.clientAccountId === req.accountId &&
        x.referenceId === req.referenceId,
    );
    if (!d) throw refused(ErrorCode.notFound, `Device '${req.referenceId}' does not exist`);
    return record(d);
  }
}

@Module({ controllers: [FakeAuthAndAdmin] })
class FakesModule {}

describe('gateway Client and Device API over HTTP', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let app: INestApplication;
  let fakes: INestMicroservice;
  let natsOwner: NatsConnectionOwner;
  let broadcasts: Broadcasts;
  let presence: PresenceStore;
  let base: string;
  const HUB_URL = 'ws://hubs.test:9000/ws';
  const client = (accountId: string, apiToken: string, key = KEY_ALL) => ({
    'api-key': key,
    authorization: basicBearer({ accountId, apiToken }),
  });
  const pos1 = () => client('pos-1', 'tok-1');
  const dev = (d: { model: string; serialNumber: string; token: string }, key = KEY_ALL) => ({
    'api-key': key,
    authorization: basicBearer({ model: d.model, serialNumber: d.serialNumber, apiToken: d.token }),
  });

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    // The spec's own connection carries the fake auth/admin responders and its presence writes.
    natsOwner = new NatsConnectionOwner(nats.url, 'spec');
    fakes = await NestFactory.createMicroservice(FakesModule, {
      strategy: new OwnedNatsServer(natsOwner, 'fakes'),
      logger: false,
    });
    await fakes.listen();
    const port = await freePort();
    app = await bootstrap({
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('gateway_relay'),
      PORT: String(port),
      LOG_LEVEL: 'silent',
      HUB_PUBLIC_URL: HUB_URL,
    });
    base = `http://127.0.0.1:${port}`;
    presence = new PresenceStore(natsOwner);
    broadcasts = new Broadcasts(natsOwner, pino({ level: 'silent' }));
    await presence.heartbeat('hub-a');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await fakes?.close();
    await natsOwner?.onApplicationShutdown();
    await Promise.all([nats?.stop(), pg?.stop()]);
  }, 30_000);

  beforeEach(() => {
    calls.length = 0;
  });

  const get = <T>(path: string, headers?: Record<string, string>) =>
    http<T>('GET', `${base}${path}`, { headers });

  it('checks the APP key before the bearer, with the seed texts', async () => {
    const noKey = await get<ErrorBody>('/client/v1.0/token', {
      authorization: basicBearer({ accountId: 'pos-1', apiToken: 'tok-1' }),
    });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({
      error: 'Authorization field missing',
      errorCode: 'unauthorized',
      errorMessage: 'Authorization field missing',
    });
    const adminKey = await get<ErrorBody>('/client/v1.1/devices', client('pos-1', 'tok-1', KEY_ADMIN_ONLY));
    expect(adminKey.status).toBe(403);
    expect(adminKey.body.error).toBe('Access to this API has been disallowed');
    const deviceWithAdminKey = await get('/device/v1.0/devices/enrol', dev(DEVICES[0], KEY_ADMIN_ONLY));
    expect(deviceWithAdminKey.status).toBe(403);
    expect(count(SUBJECTS.auth.accountVerify) + count(SUBJECTS.auth.deviceVerify)).toBe(0);
  });

  it.each([
    ['no bearer', { 'api-key': KEY_ALL }],
    ['garbage base64', { 'api-key': KEY_ALL, authorization: 'Bearer ###' }],
    [
      'bad JSON',
      { 'api-key': KEY_ALL, authorization: `Bearer ${Buffer.from('{"accountId":').toString('base64')}` },
    ],
    [
      'missing apiToken',
      {
        'api-key': KEY_ALL,
        authorization: `Bearer ${Buffer.from('{"accountId":"pos-1"}').toString('base64')}`,
      },
    ],
    [
      'numeric accountId',
      {
        'api-key': KEY_ALL,
        authorization: `Bearer ${Buffer.from('{"accountId":1,"apiToken":"tok-1"}').toString('base64')}`,
      },
    ],
  ])('refuses %s with 401 without asking auth', async (_name, headers) => {
    const res = await get<ErrorBody>('/client/v1.0/devices', headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errorCode: 'unauthorized',
      errorMessage: 'Missing or invalid Authorization bearer token',
    });
    expect(count(SUBJECTS.auth.accountVerify)).toBe(0);
  });

  it('refuses a wrong token and a case-changed accountId with the same 401', async () => {
    for (const headers of [client('pos-1', 'tok-2'), client('POS-1', 'tok-1')]) {
      const res = await get<ErrorBody>('/client/v1.1/token', headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        errorCode: 'unauthorized',
        errorMessage: 'Missing or invalid Authorization bearer token',
      });
    }
    expect(count(SUBJECTS.auth.accountVerify)).toBe(2);
  });

  it('issues websocket credentials, verifying the bearer once until a revocation', async () => {
    for (const version of ['1.0', '1.1']) {
      const res = await get<ConnectionCredentials>(`/client/v${version}/token`, pos1());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        connectionType: 'websocket',
        connectionUrl: HUB_URL,
        tokenType: 'jwt',
        accessToken: 'jwt.client.pos-1',
      });
    }
    expect(calls.find((c) => c.subject === SUBJECTS.auth.websocketToken)!.req).toEqual({
      kind: 'client',
      tenantId: T,
      accountId: 'pos-1',
      appKeyId: KEY_ALL,
    });
    const verified = count(SUBJECTS.auth.accountVerify);
    expect(verified).toBe(1);
    await broadcasts.publish(EVENTS.accessRevoked, { tenantId: T, accountId: 'pos-1', scope: 'account' });
    await waitFor(
      're-verification after the revocation',
      async () => {
        await get('/client/v1.0/token', pos1());
        return count(SUBJECTS.auth.accountVerify) > verified ? true : undefined;
      },
      5000,
      50,
    );
  });

  it("answers 429 tooManyConnections when the account's sockets on live hubs reach its limit", async () => {
    // A hub whose heartbeat is stale is dead: its sockets no longer hold slots.
    const realNow = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(realNow - 60_000);
    await presence.heartbeat('hub-dead');
    clock.mockRestore();
    await Promise.all([presence.heartbeat('hub-a'), presence.heartbeat('hub-b')]);
    await presence.setSlotCount(T, 'pos-1', 'hub-dead', 5);
    await presence.setSlotCount(T, 'pos-1', 'hub-a', 1);
    try {
      expect((await get('/client/v1.1/token', pos1())).status).toBe(200);
      // Sockets on two hubs add up, cluster-wide.
      await presence.setSlotCount(T, 'pos-1', 'hub-b', 1);
      const res = await get<ErrorBody>('/client/v1.1/token', pos1());
      expect(res.status).toBe(429);
      expect(res.body).toEqual({
        errorCode: 'tooManyConnections',
        errorMessage: 'Connection limit of 2 reached for this account',
      });
      const enrol = await get('/device/v1.1/devices/enrol', dev(DEVICES[0]));
      expect(enrol.status).toBe(429);
      expect(calls.filter((c) => c.subject === SUBJECTS.auth.websocketToken)).toHaveLength(1);
      await presence.setSlotCount(T, 'pos-1', 'hub-b', 0);
      expect((await get('/client/v1.1/token', pos1())).status).toBe(200);
    } finally {
      await Promise.all(
        ['hub-a', 'hub-b', 'hub-dead'].map((hub) => presence.setSlotCount(T, 'pos-1', hub, 0)),
      );
    }
  });

  it('lists the account’s devices with exact, case-sensitive filters', async () => {
    const all = await get<DeviceView[]>('/client/v1.0/devices', pos1());
    expect(all.status).toBe(200);
    expect(all.body.map((d) => d.referenceId).sort()).toEqual(['kiosk-1', 'till-7', 'till-8']);
    expect(Object.keys(all.body[0]).sort()).toEqual([
      'clientAccountId',
      'location',
      'model',
      'name',
      'referenceId',
      'serialNumber',
    ]);
    const front = await get<DeviceView[]>('/client/v1.1/devices?model=A920&location=Front', pos1());
    expect(front.body.map((d) => d.referenceId)).toEqual(['till-7']);
    expect(calls.at(-1)!.req).toEqual({ tenantId: T, accountId: 'pos-1', model: 'A920', location: 'Front' });
    expect((await get<DeviceView[]>('/client/v1.1/devices?model=a920', pos1())).body).toEqual([]);
    expect((await get<DeviceView[]>('/client/v1.1/devices?serialNumber=SN-9', pos1())).body).toEqual([]);
  });

  it('refuses unknown, repeated and empty query parameters with 422 naming them', async () => {
    const unknown = await get<ErrorBody>('/client/v1.0/devices?colour=red', pos1());
    expect(unknown.status).toBe(422);
    expect(unknown.body.errorCode).toBe('invalidData');
    expect(unknown.body.errorMessage).toContain('colour');
    const repeated = await get<ErrorBody>('/client/v1.0/devices?model=A920&model=S300', pos1());
    expect(repeated.status).toBe(422);
    expect(repeated.body.errorMessage).toContain('model');
    expect((await get('/client/v1.0/devices?location=', pos1())).status).toBe(422);
    expect(count(SUBJECTS.admin.deviceList)).toBe(0);
  });

  it('reads one device; unknown, other-account and malformed ids are 404 / 422', async () => {
    const one = await get<DeviceView>('/client/v1.0/devices/till-7', pos1());
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      clientAccountId: 'pos-1',
      referenceId: 'till-7',
      serialNumber: 'SN-7',
      model: 'A920',
      name: 'Till till-7',
      location: 'Front',
    });
    for (const ref of ['till-9', 'TILL-7', 'nope']) {
      const res = await get<ErrorBody>(`/client/v1.1/devices/${ref}`, pos1());
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ errorCode: 'notFound', errorMessage: `Device '${ref}' does not exist` });
    }
    const bad = await get<ErrorBody>('/client/v1.1/devices/till%207', pos1());
    expect(bad.status).toBe(422);
    expect(bad.body.errorMessage).toContain('referenceId');
  });

  it('answers /connected only under 1.1, from live presence', async () => {
    const v10 = await get<ErrorBody>('/client/v1.0/devices/till-7/connected', pos1());
    expect(v10.status).toBe(404);
    expect(v10.body.errorCode).toBe('notFound');
    expect((await get('/client/v1.1/devices/till-9/connected', pos1())).status).toBe(404);

    expect((await get<DeviceConnection>('/client/v1.1/devices/kiosk-1/connected', pos1())).body).toEqual({
      connected: false,
      lastSeen: null,
    });
    await presence.heartbeat('hub-a');
    await presence.claimDevice(T, 'pos-1', 'kiosk-1', 'hub-a', 'conn-1');
    const on = await get<DeviceConnection>('/client/v1.1/devices/kiosk-1/connected', pos1());
    expect(on.body).toEqual({
      connected: true,
      connectedSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    await presence.releaseDevice(T, 'pos-1', 'kiosk-1', 'conn-1');
    const off = await get<DeviceConnection>('/client/v1.1/devices/kiosk-1/connected', pos1());
    expect(off.body).toEqual({
      connected: false,
      lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it('enrols an enabled device on both Device API versions, and refuses a disabled one with 403', async () => {
    for (const version of ['1.0', '1.1']) {
      const res = await get<ConnectionCredentials>(`/device/v${version}/devices/enrol`, dev(DEVICES[0]));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        connectionType: 'websocket',
        connectionUrl: HUB_URL,
        tokenType: 'jwt',
        accessToken: 'jwt.device.till-7',
      });
    }
    expect(calls.find((c) => c.subject === SUBJECTS.auth.websocketToken)!.req).toEqual({
      kind: 'device',
      tenantId: T,
      accountId: 'pos-1',
      referenceId: 'till-7',
    });
    const disabled = await get<ErrorBody>('/device/v1.0/devices/enrol', dev(DEVICES[1]));
    expect(disabled.status).toBe(403);
    expect(disabled.body).toEqual({ errorCode: 'forbidden', errorMessage: 'Device is disabled' });
    const wrong = await get('/device/v1.0/devices/enrol', dev({ ...DEVICES[0], token: 'nope' }));
    expect(wrong.status).toBe(401);
    const accountBearer = await get<ErrorBody>('/device/v1.1/devices/enrol', pos1());
    expect(accountBearer.status).toBe(401);
    expect(accountBearer.body.errorMessage).toBe('Missing or invalid Authorization bearer token');
  });
});
