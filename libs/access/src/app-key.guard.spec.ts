import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CloudFlowError, ErrorCode, type ApiGroup, type AppKeyInfo } from '@cloudflow/contracts';
import { API_GROUP_KEY, PUBLIC_KEY } from '@cloudflow/platform';
import type { AppKeyCache } from './app-key.cache';
import { AppKeyGuard } from './app-key.guard';
import type { BlockedEndpointsCache } from './blocked-endpoints.cache';
import { UsageLimiter } from './usage-limiter';

/** A key of the real shape: anything else is refused before the cache is asked. */
const K = `cf_sbx_${'a'.repeat(43)}`;

const info = (over: Partial<AppKeyInfo> = {}): AppKeyInfo => ({
  keyId: 'k1',
  prefix: 'cf_sbx_abcde',
  developerId: 'd1',
  kind: 'sandbox',
  status: 'active',
  groups: ['client', 'device', 'admin'],
  usageLimitPerDay: 1000,
  ratePerSecond: 10,
  expiresAt: null,
  ...over,
});

function context(headers: Record<string, string>, meta: { public?: boolean; group?: ApiGroup } = {}) {
  const handler = () => undefined;
  if (meta.public) Reflect.defineMetadata(PUBLIC_KEY, true, handler);
  if (meta.group) Reflect.defineMetadata(API_GROUP_KEY, meta.group, handler);
  const req: Record<string, unknown> = {
    headers,
    method: 'GET',
    path: '/client/v1.0/devices',
    route: { path: '/client/v1.0/devices' },
  };
  const ctx = {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { ctx, req };
}

describe('AppKeyGuard', () => {
  let lookup: jest.Mock<Promise<AppKeyInfo>, [string]>;
  let blocked: jest.Mock<Promise<boolean>, [string, string]>;
  let guard: AppKeyGuard;
  let usage: UsageLimiter;

  beforeEach(() => {
    // Strict: any call not set up by a test fails it.
    lookup = jest.fn((_key: string) => Promise.reject(new Error('unexpected key lookup')));
    blocked = jest.fn((_m: string, _p: string) =>
      Promise.reject(new Error('unexpected blocked-endpoint check')),
    );
    usage = new UsageLimiter(() => Date.parse('2030-05-01T12:00:00Z'));
    guard = new AppKeyGuard(
      new Reflector(),
      { get: lookup } as unknown as AppKeyCache,
      { isBlocked: blocked } as unknown as BlockedEndpointsCache,
      usage,
    );
  });

  const rejection = async (ctx: ExecutionContext) => {
    const error = await guard.canActivate(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CloudFlowError);
    return (error as CloudFlowError).toBody();
  };

  it('lets @Public() routes through without looking at any key', async () => {
    await expect(guard.canActivate(context({}, { public: true }).ctx)).resolves.toBe(true);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('answers a missing header with the seed text', async () => {
    expect(await rejection(context({}).ctx)).toEqual({
      error: 'Authorization field missing',
      errorCode: ErrorCode.unauthorized,
      errorMessage: 'Authorization field missing',
    });
  });

  it('answers unknown and revoked keys with "Invalid APP key"', async () => {
    lookup.mockRejectedValueOnce(
      new CloudFlowError(ErrorCode.unauthorized, 'Invalid APP key', { extra: { error: 'Invalid APP key' } }),
    );
    expect(await rejection(context({ 'api-key': K }).ctx)).toMatchObject({
      error: 'Invalid APP key',
      errorCode: 'unauthorized',
    });
    lookup.mockResolvedValueOnce(info({ status: 'revoked' }));
    expect(await rejection(context({ 'api-key': K }).ctx)).toMatchObject({
      error: 'Invalid APP key',
      errorCode: 'unauthorized',
    });
  });

  it('refuses a key of the wrong shape without asking the cache (no round trip to auth)', async () => {
    for (const key of ['nope', `${K}x`, K.replace('cf_sbx_', 'cf_test_'), 'x'.repeat(5000)]) {
      expect(await rejection(context({ 'api-key': key }).ctx)).toMatchObject({
        error: 'Invalid APP key',
        errorCode: 'unauthorized',
      });
    }
    expect(lookup).not.toHaveBeenCalled();
  });

  it('answers expired keys, by status or by a passed expiry time, with the seed text', async () => {
    lookup.mockResolvedValueOnce(info({ status: 'expired' }));
    expect(await rejection(context({ 'api-key': K }).ctx)).toMatchObject({
      error: 'Key has expired, please renew',
      errorCode: 'unauthorized',
    });
    lookup.mockResolvedValueOnce(info({ expiresAt: new Date(Date.now() - 1000).toISOString() }));
    expect(await rejection(context({ 'api-key': K }).ctx)).toMatchObject({
      error: 'Key has expired, please renew',
    });
  });

  it('answers a blocked endpoint with 403 "Requested endpoint is forbidden"', async () => {
    lookup.mockResolvedValueOnce(info());
    blocked.mockResolvedValueOnce(true);
    expect(await rejection(context({ 'api-key': K }).ctx)).toMatchObject({
      error: 'Requested endpoint is forbidden',
      errorCode: 'forbidden',
    });
    expect(blocked).toHaveBeenCalledWith('GET', '/client/v1.0/devices', '/client/v1.0/devices');
  });

  it('answers a group the key is not allowed with 403 "Access to this API has been disallowed"', async () => {
    lookup.mockResolvedValueOnce(info({ groups: ['client'] }));
    blocked.mockResolvedValueOnce(false);
    expect(await rejection(context({ 'api-key': K }, { group: 'admin' }).ctx)).toMatchObject({
      error: 'Access to this API has been disallowed',
      errorCode: 'forbidden',
    });
  });

  it('passes a valid key for an allowed group and attaches what it knows to the request', async () => {
    lookup.mockResolvedValueOnce(info());
    blocked.mockResolvedValueOnce(false);
    const { ctx, req } = context({ 'api-key': K }, { group: 'client' });
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(lookup).toHaveBeenCalledWith(K);
    expect(req.appKey).toMatchObject({ keyId: 'k1', developerId: 'd1' });
  });

  it('answers a key over its daily limit with 429 "Usage limit exceeded", and counts only admitted requests', async () => {
    const limited = info({ usageLimitPerDay: 2 });
    lookup.mockResolvedValue(limited);
    blocked.mockResolvedValue(false);
    await expect(guard.canActivate(context({ 'api-key': K }, { group: 'client' }).ctx)).resolves.toBe(true);
    await expect(guard.canActivate(context({ 'api-key': K }, { group: 'client' }).ctx)).resolves.toBe(true);
    const error = await guard
      .canActivate(context({ 'api-key': K }, { group: 'client' }).ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudFlowError);
    expect((error as CloudFlowError).toBody()).toEqual({
      error: 'Usage limit exceeded',
      errorCode: 'tooManyRequests',
      errorMessage: 'Usage limit exceeded',
    });
    expect((error as CloudFlowError).retryAfterSeconds).toBe(12 * 3600);
    expect(usage.usedToday('k1')).toBe(2);
  });

  it('does not count requests refused by the key checks', async () => {
    lookup.mockResolvedValueOnce(info({ groups: ['client'] }));
    blocked.mockResolvedValueOnce(false);
    await rejection(context({ 'api-key': K }, { group: 'admin' }).ctx);
    expect(usage.usedToday('k1')).toBe(0);
  });
});
