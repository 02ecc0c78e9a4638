import type { ExecutionContext } from '@nestjs/common';
import { CloudFlowError, ErrorCode, VerifyAccountRequest, VerifyDeviceRequest } from '@cloudflow/contracts';
import { BEARER_INVALID_MESSAGE } from './bearer.parser';
import type { ClientCredentialCache, DeviceCredentialCache } from './credential.cache';
import { ClientAuthGuard, DeviceAuthGuard } from './relay-auth.guards';

const bearer = (value: unknown) => `Bearer ${Buffer.from(JSON.stringify(value)).toString('base64')}`;

function http(authorization?: string) {
  const req: Record<string, unknown> = { headers: authorization === undefined ? {} : { authorization } };
  const ctx = { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
  return { req, ctx };
}

/** Strict: any verify the test did not set up fails it. */
/** The cache as the guards use it: `verifyToken` decodes (and may throw) before it verifies. */
const cacheOf = (verify: (token: string, credential: unknown) => Promise<unknown>) => ({
  verifyToken: async (token: string, decode: () => unknown) => verify(token, decode()),
});

const strictVerify = () =>
  jest.fn((_token: string, _credential: unknown): Promise<unknown> =>
    Promise.reject(new Error('unexpected verify')),
  );

describe('ClientAuthGuard', () => {
  it('refuses a missing or broken bearer without asking auth', async () => {
    const verify = strictVerify();
    const guard = new ClientAuthGuard(cacheOf(verify) as unknown as ClientCredentialCache);
    for (const header of [undefined, 'Bearer %%%', bearer({ accountId: 'a' })]) {
      const error = await guard.canActivate(http(header).ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CloudFlowError);
      expect((error as CloudFlowError).toBody()).toEqual({
        errorCode: ErrorCode.unauthorized,
        errorMessage: BEARER_INVALID_MESSAGE,
      });
    }
    expect(verify).not.toHaveBeenCalled();
  });

  it('verifies the decoded credential and puts the account on the request', async () => {
    const verify = strictVerify().mockResolvedValueOnce({ tenantId: 't1', accountId: 'pos-1' });
    const guard = new ClientAuthGuard(cacheOf(verify) as unknown as ClientCredentialCache);
    const header = bearer({ accountId: 'pos-1', apiToken: 'tok' });
    const { req, ctx } = http(header);
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(req.clientAccount).toEqual({ tenantId: 't1', accountId: 'pos-1' });
    expect(verify).toHaveBeenCalledWith(header.slice(7), expect.any(VerifyAccountRequest));
    expect({ ...(verify.mock.calls[0][1] as object) }).toEqual({ accountId: 'pos-1', apiToken: 'tok' });
  });

  it('lets a rejection from auth through as the 401 the cache produced', async () => {
    const refused = new CloudFlowError(ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);
    const guard = new ClientAuthGuard(
      cacheOf(strictVerify().mockRejectedValueOnce(refused)) as unknown as ClientCredentialCache,
    );
    const { req, ctx } = http(bearer({ accountId: 'pos-1', apiToken: 'wrong' }));
    await expect(guard.canActivate(ctx)).rejects.toBe(refused);
    expect(req.clientAccount).toBeUndefined();
  });
});

describe('DeviceAuthGuard', () => {
  it('verifies a device bearer and puts the device on the request', async () => {
    const device = { tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' };
    const verify = strictVerify().mockResolvedValueOnce(device);
    const guard = new DeviceAuthGuard(cacheOf(verify) as unknown as DeviceCredentialCache);
    const { req, ctx } = http(bearer({ model: 'A920', serialNumber: 'SN-1', apiToken: 'tok' }));
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(req.device).toEqual(device);
    expect(verify.mock.calls[0][1]).toBeInstanceOf(VerifyDeviceRequest);
  });

  it('refuses an account bearer on the Device API without asking auth', async () => {
    const verify = strictVerify();
    const guard = new DeviceAuthGuard(cacheOf(verify) as unknown as DeviceCredentialCache);
    await expect(
      guard.canActivate(http(bearer({ accountId: 'pos-1', apiToken: 'tok' })).ctx),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    expect(verify).not.toHaveBeenCalled();
  });
});
