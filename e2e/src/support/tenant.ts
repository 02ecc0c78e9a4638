import type { IssuedAppKey, TokenPair } from '@cloudflow/contracts';
import { basicBearer, http, type HttpResult, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import type {
  AdminUserView,
  CompanyView,
  NewAccountView,
  NewDeviceView,
  PortalLogin,
  SignedUp,
} from './bodies';

/**
 * A fresh tenant made through the public APIs only, the way a developer would (seed 000):
 * portal sign-up, APP key reveal, company, admin user, OAuth password grant. Every e2e spec
 * creates its own, so specs never share state.
 */
export interface Tenant {
  tenantId: string;
  businessCode: string;
  developer: { email: string; password: string };
  /** Portal session (Authorization for /portal/v1). */
  session: string;
  appKey: string;
  admin: { username: string; password: string };
  accessToken: string;
  /** `api-key` + admin bearer, for /admin/v1. */
  adminHeaders: Record<string, string>;
}

export interface Account {
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  apiToken: string;
  webhookSecret: string;
}

export interface Device {
  clientAccountId: string;
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
  apiToken: string;
}

/** Fails with the response body, so a broken setup step says what the service answered. */
export function expectStatus<T>(what: string, res: HttpResult<T>, ...ok: number[]): T {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createTenant(sys: System, company = 'E2E Coffee'): Promise<Tenant> {
  const adminUrl = sys.adminUrl;
  const unique = randomUUID().slice(0, 8);
  const developer = { email: `dev-${unique}@example.com`, password: `portal-pass-${unique}` };
  expectStatus(
    'signup',
    await http<SignedUp>('POST', `${adminUrl}/portal/v1/signup`, {
      body: { name: `Dev ${unique}`, ...developer },
    }),
    201,
  );
  const { sessionToken: session } = expectStatus(
    'portal login',
    await http<PortalLogin>('POST', `${adminUrl}/portal/v1/login`, {
      body: developer,
    }),
    200,
  );
  const portal = { authorization: `Bearer ${session}` };
  const { appKey } = expectStatus(
    'app key reveal',
    await http<IssuedAppKey>('POST', `${adminUrl}/portal/v1/app-key/reveal`, {
      body: { password: developer.password },
      headers: portal,
    }),
    200,
  );
  const { tenantId, businessCode } = expectStatus(
    'company',
    await http<CompanyView>('POST', `${adminUrl}/portal/v1/company`, {
      body: { name: company },
      headers: portal,
    }),
    201,
  );
  const admin = { username: `admin-${unique}`, password: `admin-pass-${unique}` };
  expectStatus(
    'admin user',
    await http<AdminUserView>('POST', `${adminUrl}/portal/v1/admin-user`, {
      body: { ...admin, timeZone: 'UTC' },
      headers: portal,
    }),
    201,
  );
  const form = new URLSearchParams({ grant_type: 'password', ...admin }).toString();
  const token = expectStatus(
    'oauth token',
    await http<TokenPair>('POST', `${sys.gatewayUrl}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    }),
    200,
  );
  const accessToken = token.access_token;
  return {
    tenantId,
    businessCode,
    developer,
    session,
    appKey,
    admin,
    accessToken,
    adminHeaders: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
  };
}

/** POST /admin/v1/accounts (CONTRACT.md §9): the account with its apiToken, shown only here. */
export async function createAccount(
  sys: System,
  tenant: Tenant,
  body: { accountId?: string; name?: string; connectionLimit?: number; webhookUrl?: string },
): Promise<Account> {
  const res = await http<NewAccountView>('POST', `${sys.adminUrl}/admin/v1/accounts`, {
    body: { name: body.accountId ?? 'POS', ...body },
    headers: tenant.adminHeaders,
  });
  return expectStatus(`create account ${body.accountId ?? ''}`, res, 201);
}

/** POST /admin/v1/accounts/{accountId}/devices: the device with its apiToken, shown only here. */
export async function createDevice(
  sys: System,
  tenant: Tenant,
  accountId: string,
  body: { referenceId: string; serialNumber: string; model: string; name?: string; location?: string },
): Promise<Device> {
  const res = await http<NewDeviceView>(
    'POST',
    `${sys.adminUrl}/admin/v1/accounts/${encodeURIComponent(accountId)}/devices`,
    { body, headers: tenant.adminHeaders },
  );
  return expectStatus(`create device ${body.referenceId}`, res, 201);
}

/** Headers of the Client API: the APP key and the account's bearer. */
export function clientHeaders(
  tenant: Pick<Tenant, 'appKey'>,
  account: Pick<Account, 'accountId' | 'apiToken'>,
): Record<string, string> {
  return {
    'api-key': tenant.appKey,
    authorization: basicBearer({ accountId: account.accountId, apiToken: account.apiToken }),
  };
}

/** Headers of the Device API: the APP key and the device's bearer. */
export function deviceHeaders(
  tenant: Pick<Tenant, 'appKey'>,
  device: Pick<Device, 'model' | 'serialNumber' | 'apiToken'>,
): Record<string, string> {
  return {
    'api-key': tenant.appKey,
    authorization: basicBearer({
      model: device.model,
      serialNumber: device.serialNumber,
      apiToken: device.apiToken,
    }),
  };
}
