import type { IssuedAppKey, PortalSession, TokenPair } from '@cloudflow/contracts';
import { http, type HttpResult, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { mapLimit, sleep } from './async';

/**
 * The benchmark's tenant, made through the public APIs only, as a developer would (seed 000,
 * the same steps as `npm run demo:setup`): portal sign-up, APP key reveal, company, admin user,
 * OAuth password grant; then accounts and devices through the admin API (CONTRACT.md §9).
 */
export interface BenchTenant {
  appKey: string;
  adminHeaders: Record<string, string>;
}

export interface BenchAccount {
  accountId: string;
  apiToken: string;
}

export interface BenchDevice {
  referenceId: string;
  serialNumber: string;
  model: string;
  apiToken: string;
}

function ok<T>(what: string, res: HttpResult<T>, ...statuses: number[]): T {
  if (!statuses.includes(res.status))
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Retries an admin call the service refused as busy (429/503 with Retry-After, nothing
 * changed), as a client is told to; a start-up on a loaded machine can briefly exhaust a pool.
 */
async function retryBusy<T>(call: () => Promise<HttpResult<T>>, attempts = 5): Promise<HttpResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const res = await call();
    if ((res.status !== 429 && res.status !== 503) || attempt >= attempts) return res;
    const seconds = Number(res.headers.get('retry-after') ?? 1);
    await sleep(1000 * (Number.isFinite(seconds) ? Math.min(seconds, 5) : 1));
  }
}

export async function createBenchTenant(sys: System): Promise<BenchTenant> {
  const adminUrl = sys.adminUrl;
  const unique = randomUUID().slice(0, 8);
  const developer = { email: `bench-${unique}@example.com`, password: `bench-pass-${unique}` };
  ok(
    'portal signup',
    await http('POST', `${adminUrl}/portal/v1/signup`, { body: { name: 'Relay Bench', ...developer } }),
    201,
  );
  const { sessionToken } = ok(
    'portal login',
    await http<Pick<PortalSession, 'sessionToken'>>('POST', `${adminUrl}/portal/v1/login`, {
      body: developer,
    }),
    200,
  );
  const portal = { authorization: `Bearer ${sessionToken}` };
  const { appKey } = ok(
    'APP key reveal',
    await http<IssuedAppKey>('POST', `${adminUrl}/portal/v1/app-key/reveal`, {
      body: { password: developer.password },
      headers: portal,
    }),
    200,
  );
  ok(
    'company',
    await http('POST', `${adminUrl}/portal/v1/company`, { body: { name: 'Bench Coffee' }, headers: portal }),
    201,
  );
  const admin = { username: `bench-${unique}`, password: `admin-pass-${unique}` };
  ok(
    'admin user',
    await http('POST', `${adminUrl}/portal/v1/admin-user`, {
      body: { ...admin, timeZone: 'UTC' },
      headers: portal,
    }),
    201,
  );
  const form = new URLSearchParams({ grant_type: 'password', ...admin }).toString();
  const token = ok(
    'OAuth token',
    await http<TokenPair>('POST', `${sys.gatewayUrl}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    }),
    200,
  );
  return { appKey, adminHeaders: { 'api-key': appKey, authorization: `Bearer ${token.access_token}` } };
}

export async function createBenchAccount(
  sys: System,
  tenant: BenchTenant,
  accountId: string,
  connectionLimit: number,
): Promise<BenchAccount> {
  const res = await http<BenchAccount>('POST', `${sys.adminUrl}/admin/v1/accounts`, {
    body: { accountId, name: `Bench ${accountId}`, connectionLimit },
    headers: tenant.adminHeaders,
  });
  const body = ok(`create account ${accountId}`, res, 201);
  return { accountId: body.accountId, apiToken: body.apiToken };
}

/** Registers `count` devices named `<prefix>-<n>`, a few requests at a time. */
export async function createBenchDevices(
  sys: System,
  tenant: BenchTenant,
  accountId: string,
  prefix: string,
  count: number,
  parallel = 8,
): Promise<BenchDevice[]> {
  const url = `${sys.adminUrl}/admin/v1/accounts/${encodeURIComponent(accountId)}/devices`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  return mapLimit(names, parallel, async (referenceId) => {
    const body = { referenceId, serialNumber: `SN-${referenceId}`, model: 'BENCH-1' };
    const created = ok(
      `create device ${referenceId}`,
      await retryBusy(() =>
        http<Pick<BenchDevice, 'apiToken'>>('POST', url, { body, headers: tenant.adminHeaders }),
      ),
      201,
    );
    return { referenceId, serialNumber: body.serialNumber, model: body.model, apiToken: created.apiToken };
  });
}
