import type { INestApplication } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES, type ErrorBody } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { http } from '@cloudflow/testing';
import { AdminBearerGuard } from '../admin-api/admin-bearer.guard';
import { TenantsRepository } from '../tenants/tenants.repository';
import { startControllerTestApp, strictMock } from '../testing/controller-test-app';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

const TENANT = '3d2b8f7a-1c4e-4a8b-9f0d-6e5a4b3c2d1e';
const USER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

// GET/POST /admin/v1/users behind the real HTTP pipeline: the admin bearer and validation.
describe('users controller', () => {
  let app: INestApplication;
  let url: string;
  const users = strictMock<UsersService>('users', { list: jest.fn(), create: jest.fn() });
  const jwt = {
    verify: jest.fn(async (token: string, audience: string) => {
      if (token === 'good-token' && audience === TOKEN_AUDIENCES.admin)
        return { sub: USER, tid: TENANT, role: 'admin' };
      if (token === 'user-token' && audience === TOKEN_AUDIENCES.admin)
        return { sub: USER, tid: TENANT, role: 'user' };
      throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
    }),
  };
  const tenants = strictMock<TenantsRepository>('tenants', {
    findById: jest.fn(async () => ({ id: TENANT, developerId: 'dev-1' })),
  });
  // Bodies are read only on refusals.
  const call = (
    method: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: 'Bearer good-token' },
  ) => http<ErrorBody>(method, `${url}/admin/v1/users`, { body, headers });
  const valid = { username: 'clerk-1', password: 'clerk-password', timeZone: 'Europe/Amsterdam' };

  beforeAll(async () => {
    ({ app, url } = await startControllerTestApp(
      [UsersController],
      [
        { provide: UsersService, useValue: users },
        { provide: JwtVerifier, useValue: jwt },
        { provide: TenantsRepository, useValue: tenants },
        AdminBearerGuard,
      ],
    ));
  });
  afterAll(async () => app?.close());
  beforeEach(() => jest.clearAllMocks());

  it('needs the admin bearer on both routes', async () => {
    for (const method of ['GET', 'POST']) {
      for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer bad-token' }]) {
        expect((await call(method, method === 'POST' ? valid : undefined, headers)).status).toBe(401);
      }
    }
    expect(users.list).not.toHaveBeenCalled();
    expect(users.create).not.toHaveBeenCalled();
  });

  it('lets only the admin role list or create users (issue 12, item 4)', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await call(method, method === 'POST' ? valid : undefined, {
        authorization: 'Bearer user-token',
      });
      expect([method, res.status, res.body]).toEqual([
        method,
        403,
        { errorCode: 'forbidden', errorMessage: 'This operation needs the admin role' },
      ]);
    }
    expect(users.list).not.toHaveBeenCalled();
    expect(users.create).not.toHaveBeenCalled();
  });

  it("lists and creates in the caller's tenant", async () => {
    users.list.mockResolvedValue([]);
    expect((await call('GET')).status).toBe(200);
    expect(users.list).toHaveBeenCalledWith(TENANT);
    users.create.mockResolvedValue({ userId: USER });
    expect((await call('POST', { ...valid, pin: '1234' })).status).toBe(201);
    expect(users.create).toHaveBeenCalledWith(TENANT, { ...valid, pin: '1234' });
  });

  it.each([
    ['username', { ...valid, username: 'has space' }],
    ['password', { ...valid, password: 'short' }],
    ['pin', { ...valid, pin: '12a4' }],
    ['timeZone', { ...valid, timeZone: 'europe/amsterdam' }],
    ['timeZone', { username: 'x', password: 'clerk-password' }],
    ['role: unknown field', { ...valid, role: 'admin' }],
  ])('refuses a bad %s with 422', async (field, body) => {
    const res = await call('POST', body);
    expect(res.status).toBe(422);
    expect(res.body.errorMessage).toContain(field);
    expect(users.create).not.toHaveBeenCalled();
  });
});
