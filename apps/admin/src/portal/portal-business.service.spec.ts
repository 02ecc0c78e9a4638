import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import type { RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import type { DevelopersRepository } from '../developers/developers.repository';
import { BUSINESS_CODE_PATTERN } from '../tenants/business-code';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { strictMock } from '../testing/controller-test-app';
import type { UsersRepository } from '../users/users.repository';
import { PortalBusinessService } from './portal-business.service';

const duplicate = (constraint: string) =>
  new QueryFailedError(
    'INSERT',
    [],
    Object.assign(new Error('duplicate key'), { code: '23505', constraint }),
  );

const DEV = { id: 'dev-1', name: 'Dana', email: 'dana@example.com', kind: 'sandbox' };
const TENANT = { id: 'tenant-1', developerId: 'dev-1', businessCode: 'CFABCDEFGH', name: 'Dana Coffee' };

describe('PortalBusinessService', () => {
  const logger = { error: jest.fn() } as unknown as Logger;
  let developers: ReturnType<typeof strictMock<DevelopersRepository>>;
  let tenants: ReturnType<typeof strictMock<TenantsRepository>>;
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let rpc: ReturnType<typeof strictMock<RpcClient>>;
  let service: PortalBusinessService;
  const adminUser = { username: 'boss', password: 'password-1', timeZone: 'UTC' };

  beforeEach(() => {
    developers = strictMock<DevelopersRepository>('developers', {
      findById: jest.fn().mockResolvedValue(DEV),
    });
    tenants = strictMock<TenantsRepository>('tenants', { findByDeveloper: jest.fn(), insert: jest.fn() });
    users = strictMock<UsersRepository>('users', {
      findAdmin: jest.fn(),
      insert: jest.fn(),
      delete: jest.fn(),
    });
    rpc = strictMock<RpcClient>('rpc', { send: jest.fn() });
    service = new PortalBusinessService(developers, tenants, users, rpc, logger);
  });

  it('draws a new business code when one collides, and stops after a few tries', async () => {
    tenants.findByDeveloper.mockResolvedValue(null);
    tenants.insert
      .mockRejectedValueOnce(duplicate('tenants_business_code_key'))
      .mockImplementationOnce(async (t: typeof TENANT) => t);
    const company = await service.createCompany('dev-1', 'Dana Coffee');
    expect(company.businessCode).toMatch(BUSINESS_CODE_PATTERN);
    const inserts = tenants.insert.mock.calls as Array<Parameters<TenantsRepository['insert']>>;
    const codes = inserts.map(([t]) => t.businessCode);
    expect(codes).toHaveLength(2);
    expect(codes[0]).not.toBe(codes[1]);

    tenants.insert.mockReset().mockRejectedValue(duplicate('tenants_business_code_key'));
    await expect(service.createCompany('dev-1', 'Dana Coffee')).rejects.toBeInstanceOf(QueryFailedError);
    expect(tenants.insert).toHaveBeenCalledTimes(5);
  });

  it('refuses a second company, also when the unique constraint catches a race', async () => {
    tenants.findByDeveloper.mockResolvedValueOnce(TENANT);
    await expect(service.createCompany('dev-1', 'Again')).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
    });
    tenants.findByDeveloper.mockResolvedValueOnce(null);
    tenants.insert.mockRejectedValueOnce(duplicate('tenants_developer_id_key'));
    await expect(service.createCompany('dev-1', 'Again')).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
    });
  });

  it('needs a company before the admin user (412)', async () => {
    tenants.findByDeveloper.mockResolvedValue(null);
    await expect(service.createAdminUser('dev-1', adminUser)).rejects.toMatchObject({
      code: ErrorCode.preconditionFailed,
      message: 'Create a company first',
    });
  });

  it("defaults name and email to the developer's and sets credentials in auth", async () => {
    tenants.findByDeveloper.mockResolvedValue(TENANT);
    const stored = {
      id: 'u',
      tenantId: TENANT.id,
      username: 'boss',
      name: DEV.name,
      email: DEV.email,
      timeZone: 'UTC',
      role: 'admin',
    };
    users.findAdmin.mockResolvedValueOnce(null).mockResolvedValueOnce(stored);
    users.insert.mockResolvedValue(stored);
    rpc.send.mockResolvedValue({ ok: true });
    const created = await service.createAdminUser('dev-1', { ...adminUser, pin: '1234' });
    expect(created).toEqual({
      userId: 'u',
      username: 'boss',
      name: 'Dana',
      email: 'dana@example.com',
      timeZone: 'UTC',
      tenantId: TENANT.id,
    });
    const [tenantId, row] = users.insert.mock.calls[0] as Parameters<UsersRepository['insert']>;
    expect(tenantId).toBe(TENANT.id);
    expect(row).toMatchObject({ username: 'boss', name: 'Dana', email: 'dana@example.com', role: 'admin' });
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.userCredentialsSet, {
      userId: row.id,
      tenantId: TENANT.id,
      password: 'password-1',
      pin: '1234',
    });
  });

  it('removes the user row again when auth refuses the credentials', async () => {
    tenants.findByDeveloper.mockResolvedValue(TENANT);
    users.findAdmin.mockResolvedValue(null);
    users.insert.mockResolvedValue({});
    users.delete.mockResolvedValue(undefined);
    const refused = new CloudFlowError(ErrorCode.invalidData, 'Invalid data: password: too weak');
    rpc.send.mockRejectedValue(refused);
    await expect(service.createAdminUser('dev-1', adminUser)).rejects.toBe(refused);
    const [, row] = users.insert.mock.calls[0] as Parameters<UsersRepository['insert']>;
    expect(users.delete).toHaveBeenCalledWith(TENANT.id, row.id);
  });

  it('refuses a second admin user (409)', async () => {
    tenants.findByDeveloper.mockResolvedValue(TENANT);
    users.findAdmin.mockResolvedValue({ id: 'existing' });
    await expect(service.createAdminUser('dev-1', adminUser)).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
    });
  });
});
