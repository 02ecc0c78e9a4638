import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import type { JwtVerifier } from '@cloudflow/platform';
import type { TenantsRepository } from '../tenants/tenants.repository';
import { strictMock } from '../testing/controller-test-app';
import { AdminBearerGuard } from './admin-bearer.guard';
import { ADMIN_ROLE_KEY } from './admin-role';

const TENANT = { id: '3d2b8f7a-1c4e-4a8b-9f0d-6e5a4b3c2d1e', developerId: 'dev-1' };
const USER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

function contextFor(req: Record<string, unknown>, declaredRole?: string): ExecutionContext {
  const handler = () => undefined;
  if (declaredRole) Reflect.defineMetadata(ADMIN_ROLE_KEY, declaredRole, handler);
  return {
    switchToHttp: () => ({ getRequest: () => req }),
    getHandler: () => handler,
    getClass: () => class {},
  } as unknown as ExecutionContext;
}

describe('AdminBearerGuard', () => {
  const claims = jest.fn<unknown, [string]>();
  const jwt = {
    verify: jest.fn(async (_token: string, audience: string) => claims(audience)),
  } as unknown as JwtVerifier;
  const tenants = strictMock<TenantsRepository>('tenants', { findById: jest.fn() });
  const guard = new AdminBearerGuard(jwt, tenants, new Reflector());
  const request = (extra: Record<string, unknown> = {}) => ({
    method: 'GET',
    headers: { authorization: 'Bearer token' },
    appKey: { developerId: 'dev-1' },
    ...extra,
  });

  beforeEach(() => jest.clearAllMocks());

  it('accepts an admin-audience token of a tenant the APP key owner holds, and records the caller', async () => {
    claims.mockReturnValue({ sub: USER, tid: TENANT.id });
    tenants.findById.mockResolvedValue(TENANT);
    const req = request();
    await expect(guard.canActivate(contextFor(req))).resolves.toBe(true);
    expect(jwt.verify).toHaveBeenCalledWith('token', TOKEN_AUDIENCES.admin);
    expect(tenants.findById).toHaveBeenCalledWith(TENANT.id);
    expect(req).toMatchObject({
      adminCaller: { userId: USER, tenantId: TENANT.id, developerId: 'dev-1', role: 'user' },
    });
  });

  it('refuses a missing bearer before verifying anything', async () => {
    await expect(guard.canActivate(contextFor(request({ headers: {} })))).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
    expect(jwt.verify).not.toHaveBeenCalled();
  });

  it('refuses a token without a tenant claim, or of a tenant that no longer exists', async () => {
    claims.mockReturnValue({ sub: 'user-1' });
    await expect(guard.canActivate(contextFor(request()))).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
    claims.mockReturnValue({ sub: USER, tid: 'not-a-uuid' });
    await expect(guard.canActivate(contextFor(request()))).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
    expect(tenants.findById).not.toHaveBeenCalled();
    claims.mockReturnValue({ sub: USER, tid: '00000000-0000-4000-8000-000000000000' });
    tenants.findById.mockResolvedValue(null);
    await expect(guard.canActivate(contextFor(request()))).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it("refuses a token of another developer's business than the APP key's (403)", async () => {
    claims.mockReturnValue({ sub: USER, tid: TENANT.id });
    tenants.findById.mockResolvedValue(TENANT);
    const err = await guard
      .canActivate(contextFor(request({ appKey: { developerId: 'dev-2' } })))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudFlowError);
    expect((err as CloudFlowError).code).toBe(ErrorCode.forbidden);
  });

  it('passes the verifier error through (e.g. a portal token)', async () => {
    claims.mockImplementation(() => {
      throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
    });
    await expect(guard.canActivate(contextFor(request()))).rejects.toMatchObject({
      message: 'Invalid or expired token',
    });
  });

  describe('roles (issue 12, item 4)', () => {
    beforeEach(() => tenants.findById.mockResolvedValue(TENANT));

    it.each([
      ['admin', 'POST', undefined, true],
      ['admin', 'GET', 'admin', true],
      ['user', 'GET', undefined, true],
      ['user', 'POST', undefined, false],
      ['user', 'PATCH', undefined, false],
      ['user', 'DELETE', undefined, false],
      ['user', 'GET', 'admin', false],
      [undefined, 'POST', undefined, false],
      ['root', 'POST', undefined, false],
    ])('a %s token on %s (declared %s) passes: %s', async (role, method, declared, passes) => {
      claims.mockReturnValue({ sub: USER, tid: TENANT.id, ...(role ? { role } : {}) });
      const outcome = guard.canActivate(contextFor(request({ method }), declared));
      if (passes) await expect(outcome).resolves.toBe(true);
      else
        await expect(outcome).rejects.toMatchObject({
          code: ErrorCode.forbidden,
          message: 'This operation needs the admin role',
        });
    });
  });
});
