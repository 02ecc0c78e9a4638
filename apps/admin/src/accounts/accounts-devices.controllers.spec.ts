import type { INestApplication } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES, type ErrorBody } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { http } from '@cloudflow/testing';
import { AdminBearerGuard } from '../admin-api/admin-bearer.guard';
import { DevicesController } from '../devices/devices.controller';
import { DevicesService } from '../devices/devices.service';
import { TenantsRepository } from '../tenants/tenants.repository';
import { startControllerTestApp, strictMock } from '../testing/controller-test-app';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';

const TENANT = '3d2b8f7a-1c4e-4a8b-9f0d-6e5a4b3c2d1e';
const USER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

// The admin API's accounts and devices behind the real HTTP pipeline: the bearer layer and
// validation per route, with strict service mocks (a call nobody expected fails the test).
describe('accounts and devices controllers: the admin bearer and validation', () => {
  let app: INestApplication;
  let url: string;
  const accounts = strictMock<AccountsService>('accounts', {
    create: jest.fn(),
    list: jest.fn(),
    get: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
    rotateToken: jest.fn(),
  });
  const devices = strictMock<DevicesService>('devices', {
    create: jest.fn(),
    list: jest.fn(),
    get: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
    rotateToken: jest.fn(),
  });
  const jwt = {
    verify: jest.fn(async (token: string, audience: string) => {
      if (token === 'good-token' && audience === TOKEN_AUDIENCES.admin)
        return { sub: USER, tid: TENANT, role: 'admin' };
      throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
    }),
  };
  const tenants = strictMock<TenantsRepository>('tenants', {
    findById: jest.fn(async () => ({ id: TENANT, developerId: 'dev-1' })),
  });
  const auth = { authorization: 'Bearer good-token' };
  // Bodies are read only on refusals.
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) =>
    http<ErrorBody>(method, `${url}/admin/v1${path}`, { body, headers });

  beforeAll(async () => {
    ({ app, url } = await startControllerTestApp(
      [AccountsController, DevicesController],
      [
        { provide: AccountsService, useValue: accounts },
        { provide: DevicesService, useValue: devices },
        { provide: JwtVerifier, useValue: jwt },
        { provide: TenantsRepository, useValue: tenants },
        AdminBearerGuard,
      ],
    ));
  });
  afterAll(async () => app?.close());
  beforeEach(() => jest.clearAllMocks());

  // Every row has three entries: jest reads a shorter row as a test that takes done().
  const routes: Array<[string, string, unknown]> = [
    ['POST', '/accounts', { name: 'POS' }],
    ['GET', '/accounts', undefined],
    ['GET', '/accounts/pos-1', undefined],
    ['PATCH', '/accounts/pos-1', { name: 'POS' }],
    ['DELETE', '/accounts/pos-1', undefined],
    ['POST', '/accounts/pos-1/api-token', undefined],
    ['POST', '/accounts/pos-1/devices', { referenceId: 'till-1', serialNumber: 'SN1', model: 'M1' }],
    ['GET', '/accounts/pos-1/devices', undefined],
    ['GET', '/accounts/pos-1/devices/till-1', undefined],
    ['PATCH', '/accounts/pos-1/devices/till-1', { enabled: false }],
    ['DELETE', '/accounts/pos-1/devices/till-1', undefined],
    ['POST', '/accounts/pos-1/devices/till-1/api-token', undefined],
  ];

  it.each(routes)(
    'refuses %s %s without a valid admin access token (401), before any service call',
    async (method, path, body) => {
      for (const headers of [{}, { authorization: 'Bearer forged' }] as Array<Record<string, string>>) {
        const res = await call(method, path, body, headers);
        expect(res.status).toBe(401);
        expect(res.body.errorCode).toBe('unauthorized');
      }
      // A strict mock's own properties are exactly the jest.fn()s it was given (a spread drops
      // the class's methods from the type, leaving those).
      const mocks = [...Object.values({ ...accounts }), ...Object.values({ ...devices })];
      expect(mocks.some((m) => m.mock.calls.length)).toBe(false);
    },
  );

  it('creates an account in the caller’s tenant (201, no-store) with exactly the body sent', async () => {
    accounts.create.mockResolvedValue({ accountId: 'pos-1', apiToken: 't' });
    const body = {
      accountId: 'Pos_1.a:b@c-d',
      name: 'Front counter',
      connectionLimit: 5,
      webhookUrl: 'https://example.com/h',
    };
    const res = await call('POST', '/accounts', body);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(accounts.create).toHaveBeenCalledWith(TENANT, body);
  });

  it.each([
    [{ accountId: 'pos 1', name: 'POS' }, 'accountId: may contain only letters, digits and . _ : @ -'],
    [{ accountId: 'pös', name: 'POS' }, 'accountId'],
    [{ accountId: 'a'.repeat(65), name: 'POS' }, 'accountId'],
    [{ accountId: '', name: 'POS' }, 'accountId'],
    [{ name: '' }, 'name'],
    [{ name: ' padded ' }, 'name'],
    [{}, 'name'],
    [{ name: 'POS', connectionLimit: 0 }, 'connectionLimit'],
    [{ name: 'POS', connectionLimit: 100_001 }, 'connectionLimit'],
    [{ name: 'POS', connectionLimit: 2.5 }, 'connectionLimit'],
    [{ name: 'POS', connectionLimit: '10' }, 'connectionLimit'],
    [{ name: 'POS', webhookUrl: 42 }, 'webhookUrl'],
    [{ name: 'POS', apiToken: 'mine' }, 'apiToken: unknown field'],
  ])('refuses the account body %j with 422 naming %s', async (body, field) => {
    const res = await call('POST', '/accounts', body);
    expect(res.status).toBe(422);
    expect(res.body.errorCode).toBe('invalidData');
    expect(res.body.errorMessage).toContain(field);
    expect(accounts.create).not.toHaveBeenCalled();
  });

  it('patches only the fields sent, lets webhookUrl be cleared with null, and refuses a null name or limit', async () => {
    accounts.update.mockResolvedValue({ accountId: 'pos-1' });
    expect((await call('PATCH', '/accounts/pos-1', { webhookUrl: null })).status).toBe(200);
    expect(accounts.update).toHaveBeenCalledWith(TENANT, 'pos-1', { webhookUrl: null });
    for (const body of [{ name: null }, { connectionLimit: null }, { tenantId: TENANT }]) {
      const res = await call('PATCH', '/accounts/pos-1', body);
      expect(res.status).toBe(422);
      expect(res.body.errorMessage).toContain(Object.keys(body)[0]);
    }
    expect(accounts.update).toHaveBeenCalledTimes(1);
  });

  it('refuses bad ids in the path with 422, and passes case-sensitive ids through untouched', async () => {
    const bad = await call('GET', `/accounts/${encodeURIComponent('pos 1')}/devices/till-1`);
    expect(bad.status).toBe(422);
    expect(bad.body.errorMessage).toContain('accountId');
    const badRef = await call('DELETE', `/accounts/pos-1/devices/${encodeURIComponent('till/1')}`);
    expect(badRef.status).toBe(422);
    expect(badRef.body.errorMessage).toContain('referenceId');
    devices.get.mockResolvedValue({ referenceId: 'Till-1' });
    expect((await call('GET', '/accounts/POS-1/devices/Till-1')).status).toBe(200);
    expect(devices.get).toHaveBeenCalledWith(TENANT, 'POS-1', 'Till-1');
  });

  it('answers token rotations with 200 and no-store', async () => {
    accounts.rotateToken.mockResolvedValue({ accountId: 'pos-1', apiToken: 'new' });
    devices.rotateToken.mockResolvedValue({
      clientAccountId: 'pos-1',
      referenceId: 'till-1',
      apiToken: 'new',
    });
    for (const path of ['/accounts/pos-1/api-token', '/accounts/pos-1/devices/till-1/api-token']) {
      const res = await call('POST', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('creates a device with name and location optional', async () => {
    devices.create.mockResolvedValue({ referenceId: 'till-1' });
    const body = { referenceId: 'till-1', serialNumber: 'SN 0001', model: 'PAX A920' };
    expect((await call('POST', '/accounts/pos-1/devices', body)).status).toBe(201);
    expect(devices.create).toHaveBeenCalledWith(TENANT, 'pos-1', body, 'dev-1');
  });

  it.each([
    [{ serialNumber: 'SN1', model: 'M1' }, 'referenceId'],
    [{ referenceId: 'till 1', serialNumber: 'SN1', model: 'M1' }, 'referenceId'],
    [{ referenceId: 'till-1', model: 'M1' }, 'serialNumber'],
    [{ referenceId: 'till-1', serialNumber: 'SN1\n', model: 'M1' }, 'serialNumber'],
    [{ referenceId: 'till-1', serialNumber: 'SN1', model: 'M'.repeat(101) }, 'model'],
    [{ referenceId: 'till-1', serialNumber: 'SN1', model: 'M1', name: 7 }, 'name'],
    [{ referenceId: 'till-1', serialNumber: 'SN1', model: 'M1', enabled: false }, 'enabled: unknown field'],
  ])('refuses the device body %j with 422 naming %s', async (body, field) => {
    const res = await call('POST', '/accounts/pos-1/devices', body);
    expect(res.status).toBe(422);
    expect(res.body.errorMessage).toContain(field);
    expect(devices.create).not.toHaveBeenCalled();
  });

  it('patches a device: null clears name and location, enabled must be a boolean, serial numbers cannot change', async () => {
    devices.update.mockResolvedValue({ referenceId: 'till-1' });
    expect(
      (await call('PATCH', '/accounts/pos-1/devices/till-1', { name: null, location: null, enabled: false }))
        .status,
    ).toBe(200);
    expect(devices.update).toHaveBeenCalledWith(TENANT, 'pos-1', 'till-1', {
      name: null,
      location: null,
      enabled: false,
    });
    for (const [body, field] of [
      [{ enabled: 'false' }, 'enabled'],
      [{ enabled: null }, 'enabled'],
      [{ serialNumber: 'SN2' }, 'serialNumber: unknown field'],
    ] as const) {
      const res = await call('PATCH', '/accounts/pos-1/devices/till-1', body);
      expect(res.status).toBe(422);
      expect(res.body.errorMessage).toContain(field);
    }
    expect(devices.update).toHaveBeenCalledTimes(1);
  });
});
