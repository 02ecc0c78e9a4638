import { ClientNats } from '@nestjs/microservices';
import { CloudFlowError, EVENTS, SUBJECTS, type ErrorBody, type EventMap } from '@cloudflow/contracts';
import { natsConnectionOptions, RpcClient } from '@cloudflow/platform';
import { http, startSystem, waitFor, type System } from '@cloudflow/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  deviceHeaders,
  expectStatus,
  type Tenant,
} from './support/tenant';
import type {
  AccountView,
  DeletedAccount,
  DeletedDevice,
  DeviceAdminView,
  NewAccountView,
  NewDeviceView,
  RotatedAccountToken,
  RotatedDeviceToken,
} from './support/bodies';

type Event = { subject: string; data: EventMap[keyof EventMap] };

/**
 * CONTRACT.md §9's accounts and devices on real processes: the admin API scoped to the
 * caller's tenant, the credentials auth keeps for them (they really enrol and authorize on the
 * gateway), the broadcasts that keep caches honest, and the NATS lookups gateways and hubs use.
 */
describe('admin API: accounts and devices end to end', () => {
  let sys: System;
  let a: Tenant;
  let b: Tenant;
  let nc: NatsConnection;
  let rpc: RpcClient;
  const events: Event[] = [];
  const unique = () => randomUUID().slice(0, 8);
  const admin = <T = unknown>(t: Tenant, method: string, path: string, body?: unknown) =>
    http<T>(method, `${sys.adminUrl}/admin/v1${path}`, { body, headers: t.adminHeaders });
  const gateway = (path: string, headers: Record<string, string>) =>
    http('GET', `${sys.gatewayUrl}${path}`, { headers });
  const seen = (subject: string, match: object) =>
    waitFor(
      `${subject} ${JSON.stringify(match)}`,
      async () => (events.some((e) => e.subject === subject && isMatch(e.data, match)) ? true : undefined),
      5000,
      25,
    );

  beforeAll(async () => {
    sys = await startSystem({ hubs: 1 });
    [a, b] = await Promise.all([createTenant(sys, 'Tenant A'), createTenant(sys, 'Tenant B')]);
    nc = await connect({ ...sys.nats.connectOptions(), name: 'admin-relay-e2e' });
    const codec = JSONCodec<EventMap[keyof EventMap]>();
    for (const subject of [EVENTS.relayDataChanged, EVENTS.accessRevoked]) {
      nc.subscribe(subject, {
        callback: (_err, msg) => events.push({ subject, data: codec.decode(msg.data) }),
      });
    }
    await nc.flush();
    rpc = new RpcClient(new ClientNats(natsConnectionOptions(sys.nats.url, 'admin-relay-e2e-rpc')), 5000);
  }, 120_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await nc?.drain();
    await sys?.stop();
  });

  it('creates an account with a chosen, case-sensitive id, shows its secrets once, and announces it', async () => {
    const id = `Pos-${unique()}`;
    const res = await admin<NewAccountView>(a, 'POST', '/accounts', {
      accountId: id,
      name: 'Front counter',
      connectionLimit: 3,
      webhookUrl: 'https://hooks.example.com/cf',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      accountId: id,
      name: 'Front counter',
      connectionLimit: 3,
      webhookUrl: 'https://hooks.example.com/cf',
      webhookEvents: [],
      requestTimeoutSeconds: 150,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
      apiToken: expect.any(String) as unknown,
      webhookSecret: expect.any(String) as unknown,
    });
    const { apiToken, webhookSecret, ...account } = res.body;
    expect(apiToken).not.toBe(webhookSecret);
    await seen(EVENTS.relayDataChanged, { tenantId: a.tenantId, accountId: id });

    expect(await admin<AccountView>(a, 'GET', `/accounts/${id}`)).toMatchObject({
      status: 200,
      body: account,
    });
    const list = await admin<AccountView[]>(a, 'GET', '/accounts');
    expect(list.body).toContainEqual(account);
    // The same letters in another case are another account.
    expect((await admin(a, 'GET', `/accounts/${id.toLowerCase()}`)).status).toBe(404);
    // The token really authorizes the Client API.
    expect(
      (await gateway('/client/v1.0/devices', clientHeaders(a, { accountId: id, apiToken }))).status,
    ).toBe(200);
  });

  it('generates an acct_ id with a limit of 10 when none is given', async () => {
    const res = await admin<AccountView>(a, 'POST', '/accounts', { name: 'Generated' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accountId: expect.stringMatching(/^acct_[a-z2-7]{12}$/) as unknown,
      connectionLimit: 10,
      webhookUrl: null,
    });
  });

  it('refuses a taken account id with 409, in the same tenant and in another', async () => {
    const id = `pos-${unique()}`;
    await createAccount(sys, a, { accountId: id });
    for (const tenant of [a, b]) {
      const res = await admin<ErrorBody>(tenant, 'POST', '/accounts', { accountId: id, name: 'Again' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ errorCode: 'duplicateItem', errorMessage: `Account ${id} already exists` });
    }
  });

  it.each([
    ['bad accountId characters', { accountId: 'pos 1', name: 'x' }, 'accountId'],
    ['a private webhook URL', { name: 'x', webhookUrl: 'https://192.168.1.20/hook' }, 'webhookUrl'],
    ['the metadata address', { name: 'x', webhookUrl: 'http://169.254.169.254/latest' }, 'webhookUrl'],
    ['plain http off loopback', { name: 'x', webhookUrl: 'http://hooks.example.com/cf' }, 'webhookUrl'],
    ['an unknown field', { name: 'x', tenantId: 'someone-else' }, 'tenantId: unknown field'],
    ['a limit out of range', { name: 'x', connectionLimit: 0 }, 'connectionLimit'],
  ])('refuses %s with 422 naming the field', async (_what, body, field) => {
    const res = await admin<ErrorBody>(a, 'POST', '/accounts', body);
    expect(res.status).toBe(422);
    expect(res.body.errorCode).toBe('invalidData');
    expect(res.body.errorMessage).toContain(field);
  });

  it('allows loopback http webhooks where the deployment does (startSystem sets WEBHOOK_ALLOW_LOOPBACK_HTTP)', async () => {
    const res = await admin(a, 'POST', '/accounts', { name: 'Local', webhookUrl: 'http://127.0.0.1:9/hook' });
    expect(res.status).toBe(201);
  });

  it('patches name, limit and webhook, and gateways and hubs see the change over NATS', async () => {
    const id = `pos-${unique()}`;
    await createAccount(sys, a, { accountId: id, webhookUrl: 'https://hooks.example.com/old' });
    const patched = await admin<AccountView>(a, 'PATCH', `/accounts/${id}`, {
      name: 'Renamed',
      connectionLimit: 7,
      webhookUrl: 'https://hooks.example.com/new',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      accountId: id,
      name: 'Renamed',
      connectionLimit: 7,
      webhookUrl: 'https://hooks.example.com/new',
    });
    expect((await admin<AccountView>(a, 'GET', `/accounts/${id}`)).body).toEqual(patched.body);
    await seen(EVENTS.relayDataChanged, { tenantId: a.tenantId, accountId: id });
    await expect(
      rpc.send(SUBJECTS.admin.accountGet, { tenantId: a.tenantId, accountId: id }),
    ).resolves.toEqual({
      tenantId: a.tenantId,
      accountId: id,
      name: 'Renamed',
      connectionLimit: 7,
      webhookUrl: 'https://hooks.example.com/new',
      webhookEvents: [],
      requestTimeoutSeconds: 150,
    });
    const cleared = await admin<AccountView>(a, 'PATCH', `/accounts/${id}`, { webhookUrl: null });
    expect(cleared.body).toMatchObject({ name: 'Renamed', webhookUrl: null });
    const refused = await admin<ErrorBody>(a, 'PATCH', `/accounts/${id}`, {
      webhookUrl: 'https://[fd00::1]/hook',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errorMessage).toContain('webhookUrl');
  });

  it('registers devices, refusing a taken referenceId in the account and a taken model + serial number anywhere', async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}` });
    const serial = `SN-${unique()}`;
    const res = await admin<NewDeviceView>(a, 'POST', `/accounts/${acct.accountId}/devices`, {
      referenceId: 'till-1',
      serialNumber: serial,
      model: 'A920',
      name: 'Till 1',
      location: 'Front',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      referenceId: 'till-1',
      serialNumber: serial,
      model: 'A920',
      name: 'Till 1',
      location: 'Front',
      enabled: true,
      clientAccountId: acct.accountId,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
      simulated: false,
      apiToken: expect.any(String) as unknown,
    });
    const { apiToken, ...device } = res.body;
    await seen(EVENTS.relayDataChanged, {
      tenantId: a.tenantId,
      accountId: acct.accountId,
      referenceId: 'till-1',
    });
    expect(
      (await admin<DeviceAdminView>(a, 'GET', `/accounts/${acct.accountId}/devices/till-1`)).body,
    ).toEqual(device);
    expect((await admin<DeviceAdminView[]>(a, 'GET', `/accounts/${acct.accountId}/devices`)).body).toEqual([
      device,
    ]);
    expect(
      (
        await gateway(
          '/device/v1.1/devices/enrol',
          deviceHeaders(a, { model: 'A920', serialNumber: serial, apiToken }),
        )
      ).status,
    ).toBe(200);

    const sameRef = await admin<ErrorBody>(a, 'POST', `/accounts/${acct.accountId}/devices`, {
      referenceId: 'till-1',
      serialNumber: `SN-${unique()}`,
      model: 'A920',
    });
    expect(sameRef.status).toBe(409);
    expect(sameRef.body).toEqual({
      errorCode: 'duplicateItem',
      errorMessage: "Device 'till-1' already exists in this account",
    });
    const otherAcct = await createAccount(sys, b, { accountId: `pos-${unique()}` });
    const sameSerial = await admin<ErrorBody>(b, 'POST', `/accounts/${otherAcct.accountId}/devices`, {
      referenceId: 'till-9',
      serialNumber: serial,
      model: 'A920',
    });
    expect(sameSerial.status).toBe(409);
    expect(sameSerial.body).toEqual({
      errorCode: 'duplicateItem',
      errorMessage: `A device with model 'A920' and serial number '${serial}' already exists`,
    });
    // Model + serial number are case sensitive, like every id.
    expect(
      (
        await admin(b, 'POST', `/accounts/${otherAcct.accountId}/devices`, {
          referenceId: 'till-9',
          serialNumber: serial.toLowerCase(),
          model: 'A920',
        })
      ).status,
    ).toBe(201);

    const unknownField = await admin<ErrorBody>(a, 'POST', `/accounts/${acct.accountId}/devices`, {
      referenceId: 'till-2',
      serialNumber: `SN-${unique()}`,
      model: 'A920',
      enabled: false,
    });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.errorMessage).toContain('enabled: unknown field');
  });

  it('patches a device; disabling revokes its access (broadcast) and enrolment answers 403 until re-enabled', async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}` });
    const d = await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-1',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
    });
    const path = `/accounts/${acct.accountId}/devices/till-1`;
    const renamed = await admin<DeviceAdminView>(a, 'PATCH', path, { name: 'Bar till', location: 'Bar' });
    expect(renamed.body).toMatchObject({ name: 'Bar till', location: 'Bar', enabled: true });

    const disabled = await admin<DeviceAdminView>(a, 'PATCH', path, { enabled: false, location: null });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ name: 'Bar till', location: null, enabled: false });
    await seen(EVENTS.accessRevoked, {
      tenantId: a.tenantId,
      accountId: acct.accountId,
      referenceId: 'till-1',
      scope: 'device',
    });
    await expect(
      rpc.send(SUBJECTS.admin.deviceGet, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceId: 'till-1',
      }),
    ).resolves.toMatchObject({ enabled: false });
    const refused = await gateway('/device/v1.1/devices/enrol', deviceHeaders(a, d));
    expect(refused.status).toBe(403);

    expect((await admin<DeviceAdminView>(a, 'PATCH', path, { enabled: true })).body).toMatchObject({
      enabled: true,
    });
    expect((await gateway('/device/v1.1/devices/enrol', deviceHeaders(a, d))).status).toBe(200);
  });

  it("keeps tenants apart: another tenant's account and device ids are 404, and nothing of them changes", async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}`, name: 'Private' });
    await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-1',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
      name: 'Mine',
    });
    const acctPath = `/accounts/${acct.accountId}`;
    const devPath = `${acctPath}/devices/till-1`;
    const attempts: Array<[string, string, unknown]> = [
      ['GET', acctPath, undefined],
      ['PATCH', acctPath, { name: 'Hijacked' }],
      ['DELETE', acctPath, undefined],
      ['POST', `${acctPath}/api-token`, undefined],
      ['GET', `${acctPath}/devices`, undefined],
      [
        'POST',
        `${acctPath}/devices`,
        { referenceId: 'intruder', serialNumber: `SN-${unique()}`, model: 'M1' },
      ],
      ['GET', devPath, undefined],
      ['PATCH', devPath, { enabled: false }],
      ['DELETE', devPath, undefined],
      ['POST', `${devPath}/api-token`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await admin<ErrorBody>(b, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.errorMessage).toMatch(/^(Account|Device) '.+' does not exist$/);
    }
    expect((await admin<AccountView[]>(b, 'GET', '/accounts')).body.map((x) => x.accountId)).not.toContain(
      acct.accountId,
    );
    expect((await admin<AccountView>(a, 'GET', acctPath)).body).toMatchObject({ name: 'Private' });
    expect((await admin<DeviceAdminView>(a, 'GET', devPath)).body).toMatchObject({
      name: 'Mine',
      enabled: true,
    });
    expect((await admin<DeviceAdminView[]>(a, 'GET', `${acctPath}/devices`)).body).toHaveLength(1);
  });

  it('rotates tokens: the new one works and the old one no longer does', async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}` });
    const d = await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-1',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
    });

    const rotated = await admin<RotatedAccountToken>(a, 'POST', `/accounts/${acct.accountId}/api-token`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ accountId: acct.accountId, apiToken: expect.any(String) as unknown });
    expect(rotated.body.apiToken).not.toBe(acct.apiToken);
    await waitFor(
      'old account token refused',
      async () =>
        (await gateway('/client/v1.0/devices', clientHeaders(a, acct))).status === 401 ? true : undefined,
      5000,
      50,
    );
    expect(
      (
        await gateway(
          '/client/v1.0/devices',
          clientHeaders(a, { accountId: acct.accountId, apiToken: rotated.body.apiToken }),
        )
      ).status,
    ).toBe(200);

    const rotatedDevice = await admin<RotatedDeviceToken>(
      a,
      'POST',
      `/accounts/${acct.accountId}/devices/till-1/api-token`,
    );
    expect(rotatedDevice.status).toBe(200);
    expect(rotatedDevice.body).toEqual({
      clientAccountId: acct.accountId,
      referenceId: 'till-1',
      apiToken: expect.any(String) as unknown,
    });
    expect(rotatedDevice.body.apiToken).not.toBe(d.apiToken);
    await waitFor(
      'old device token refused',
      async () =>
        (await gateway('/device/v1.1/devices/enrol', deviceHeaders(a, d))).status === 401 ? true : undefined,
      5000,
      50,
    );
    expect(
      (
        await gateway(
          '/device/v1.1/devices/enrol',
          deviceHeaders(a, { ...d, apiToken: rotatedDevice.body.apiToken }),
        )
      ).status,
    ).toBe(200);
  });

  it('answers the NATS lookups: exact-match filters, not-found texts, and only inside the tenant', async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}` });
    const s1 = `SN-${unique()}`;
    await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-1',
      serialNumber: s1,
      model: 'M1',
      location: 'Front',
    });
    await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-2',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
      location: 'Back',
    });
    await createDevice(sys, a, acct.accountId, {
      referenceId: 'kiosk-1',
      serialNumber: `SN-${unique()}`,
      model: 'M2',
      location: 'Front',
    });
    const list = async (filters: Record<string, string>) =>
      (
        await rpc.send(SUBJECTS.admin.deviceList, {
          tenantId: a.tenantId,
          accountId: acct.accountId,
          ...filters,
        })
      ).devices.map((x) => x.referenceId);
    expect(await list({})).toEqual(['kiosk-1', 'till-1', 'till-2']);
    expect(await list({ model: 'M1' })).toEqual(['till-1', 'till-2']);
    expect(await list({ location: 'Front', model: 'M1' })).toEqual(['till-1']);
    expect(await list({ serialNumber: s1 })).toEqual(['till-1']);
    expect(await list({ location: 'front' })).toEqual([]);
    await expect(
      rpc.send(SUBJECTS.admin.deviceGet, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceId: 'till-1',
      }),
    ).resolves.toEqual({
      tenantId: a.tenantId,
      clientAccountId: acct.accountId,
      referenceId: 'till-1',
      serialNumber: s1,
      model: 'M1',
      name: null,
      location: 'Front',
      enabled: true,
    });
    const missing = await rpc
      .send(SUBJECTS.admin.deviceGet, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceId: 'till-7',
      })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CloudFlowError);
    expect(missing).toMatchObject({ code: 'notFound', message: "Device 'till-7' does not exist" });
    // Tenant B asking for tenant A's account and device, and a tenant id that is not even a UUID.
    await expect(
      rpc.send(SUBJECTS.admin.deviceGet, {
        tenantId: b.tenantId,
        accountId: acct.accountId,
        referenceId: 'till-1',
      }),
    ).rejects.toMatchObject({ code: 'notFound' });
    await expect(
      rpc.send(SUBJECTS.admin.accountGet, { tenantId: b.tenantId, accountId: acct.accountId }),
    ).rejects.toMatchObject({ code: 'notFound', message: `Account '${acct.accountId}' does not exist` });
    await expect(
      rpc.send(SUBJECTS.admin.accountGet, { tenantId: 'not-a-uuid', accountId: acct.accountId }),
    ).rejects.toMatchObject({ code: 'notFound' });
    await expect(
      rpc.send(SUBJECTS.admin.deviceList, { tenantId: b.tenantId, accountId: acct.accountId }),
    ).resolves.toEqual({ devices: [] });
    await expect(
      rpc.send(SUBJECTS.admin.deviceList, { tenantId: a.tenantId, accountId: 'bad id!' }),
    ).rejects.toMatchObject({ code: 'invalidData' });
    // The hubs' batch read of a burst of upgrades: only existing devices, only inside the tenant.
    const many = async (tenantId: string, referenceIds: string[]) =>
      (
        await rpc.send(SUBJECTS.admin.deviceGetMany, { tenantId, accountId: acct.accountId, referenceIds })
      ).devices
        .map((x) => `${x.referenceId}:${x.location}`)
        .sort();
    expect(await many(a.tenantId, ['till-1', 'till-7', 'kiosk-1', 'till-1'])).toEqual([
      'kiosk-1:Front',
      'till-1:Front',
    ]);
    expect(await many(b.tenantId, ['till-1', 'till-2'])).toEqual([]);
    expect(await many('not-a-uuid', ['till-1'])).toEqual([]);
    await expect(
      rpc.send(SUBJECTS.admin.deviceGetMany, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceIds: [],
      }),
    ).rejects.toMatchObject({ code: 'invalidData' });
    await expect(
      rpc.send(SUBJECTS.admin.deviceGetMany, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceIds: ['bad id!'],
      }),
    ).rejects.toMatchObject({ code: 'invalidData' });
  });

  it('deletes a device and then its account with every device and credential of it', async () => {
    const acct = await createAccount(sys, a, { accountId: `pos-${unique()}` });
    const gone = await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-1',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
    });
    const kept = await createDevice(sys, a, acct.accountId, {
      referenceId: 'till-2',
      serialNumber: `SN-${unique()}`,
      model: 'M1',
    });

    const delDevice = await admin<DeletedDevice>(a, 'DELETE', `/accounts/${acct.accountId}/devices/till-1`);
    expect(delDevice.status).toBe(200);
    expect(delDevice.body).toEqual({ clientAccountId: acct.accountId, referenceId: 'till-1', deleted: true });
    expect((await admin(a, 'GET', `/accounts/${acct.accountId}/devices/till-1`)).status).toBe(404);
    await seen(EVENTS.accessRevoked, {
      tenantId: a.tenantId,
      accountId: acct.accountId,
      referenceId: 'till-1',
    });
    await waitFor(
      'deleted device refused',
      async () =>
        (await gateway('/device/v1.1/devices/enrol', deviceHeaders(a, gone))).status === 401
          ? true
          : undefined,
      5000,
      50,
    );

    const delAccount = await admin<DeletedAccount>(a, 'DELETE', `/accounts/${acct.accountId}`);
    expect(delAccount.status).toBe(200);
    expect(delAccount.body).toEqual({ accountId: acct.accountId, deleted: true });
    expect((await admin(a, 'GET', `/accounts/${acct.accountId}`)).status).toBe(404);
    expect((await admin(a, 'GET', `/accounts/${acct.accountId}/devices`)).status).toBe(404);
    expect((await admin(a, 'DELETE', `/accounts/${acct.accountId}`)).status).toBe(404);
    await expect(
      rpc.send(SUBJECTS.admin.deviceGet, {
        tenantId: a.tenantId,
        accountId: acct.accountId,
        referenceId: 'till-2',
      }),
    ).rejects.toMatchObject({ code: 'notFound' });
    await seen(EVENTS.accessRevoked, { tenantId: a.tenantId, accountId: acct.accountId, scope: 'account' });
    await waitFor(
      'deleted account refused',
      async () =>
        (await gateway('/client/v1.0/devices', clientHeaders(a, acct))).status === 401 ? true : undefined,
      5000,
      50,
    );
    await waitFor(
      'its device refused',
      async () =>
        (await gateway('/device/v1.1/devices/enrol', deviceHeaders(a, kept))).status === 401
          ? true
          : undefined,
      5000,
      50,
    );

    // Everything of it is gone, so the id and the terminal can be registered afresh.
    const again = await createAccount(sys, a, { accountId: acct.accountId });
    expect(again.apiToken).not.toBe(acct.apiToken);
    expectStatus(
      're-register',
      await admin<NewDeviceView>(a, 'POST', `/accounts/${acct.accountId}/devices`, {
        referenceId: 'till-2',
        serialNumber: kept.serialNumber,
        model: kept.model,
      }),
      201,
    );
  });

  it('requires the admin bearer and the APP key of the same business', async () => {
    const noBearer = await http('GET', `${sys.adminUrl}/admin/v1/accounts`, {
      headers: { 'api-key': a.appKey },
    });
    expect(noBearer.status).toBe(401);
    const mixed = await http('GET', `${sys.adminUrl}/admin/v1/accounts`, {
      headers: { 'api-key': b.appKey, authorization: `Bearer ${a.accessToken}` },
    });
    expect(mixed.status).toBe(403);
  });
});

function isMatch(data: object, match: object): boolean {
  return Object.entries(match).every(([k, v]) => (data as Record<string, unknown>)[k] === v);
}
