import type { BlockedEndpoint, ErrorBody, TokenPair } from '@cloudflow/contracts';
import { http, startSystem, type HttpResult, type System } from '@cloudflow/testing';
import type {
  ConnectionCeilingView,
  NewAppKeyView,
  OperatorDeveloperView,
  OperatorKeyView,
  RenewedKey,
  StatusOk,
  TenantView,
  UserView,
} from './support/bodies';
import { createTenant, expectStatus, type Tenant } from './support/tenant';

/**
 * Issue 5's operator side on real processes with TWO gateways (CONTRACT.md §3, §9, §11): every
 * key change bites on both within 5 s with the seed's exact texts, the usage limit is one
 * budget across both, production developers get named keys, and tenant admins add users.
 */
jest.setTimeout(20_000);

describe('Operator API and APP-key lifecycle across two gateways', () => {
  let sys: System;
  let gateways: string[];
  let tenants: Record<'revoke' | 'expire' | 'groups' | 'usage' | 'production', Tenant>;

  const operator = <T = unknown>(method: string, path: string, body?: unknown) =>
    http<T>(method, `${sys.adminUrl}/operator/v1${path}`, {
      headers: { authorization: `Bearer ${sys.operatorToken}` },
      body,
    });
  const status = <T = unknown>(gateway: string, appKey: string) =>
    http<T>('GET', `${gateway}/dummyapi/status`, { headers: { 'api-key': appKey } });
  const seedError = (error: string, errorCode: string) => ({ error, errorCode, errorMessage: error });
  const keysOf = async (tenant: Tenant) =>
    expectStatus(
      'list keys',
      await operator<OperatorKeyView[]>('GET', `/keys?email=${encodeURIComponent(tenant.developer.email)}`),
      200,
    );
  const keyOf = async (tenant: Tenant) => (await keysOf(tenant)).find((k) => k.status === 'active')!;

  /** Polls until every gateway gives the expected answer; returns how long it took. */
  async function onEveryGatewayWithin5s(
    what: string,
    request: (gateway: string) => Promise<HttpResult<unknown>>,
    expected: { status: number; body?: unknown },
  ): Promise<number> {
    const started = Date.now();
    const pending = new Set(gateways);
    let last: HttpResult<unknown> | undefined;
    while (pending.size > 0) {
      for (const gateway of [...pending]) {
        last = await request(gateway);
        const bodyMatches =
          expected.body === undefined || JSON.stringify(last.body) === JSON.stringify(expected.body);
        if (last.status === expected.status && bodyMatches) pending.delete(gateway);
      }
      if (pending.size === 0) break;
      if (Date.now() - started > 5_000)
        throw new Error(
          `${what}: not on every gateway within 5 s; last answer ${last?.status} ${JSON.stringify(last?.body)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - started;
  }

  /** Every gateway answers 200 now: the key is cached everywhere before a change. */
  async function warm(appKey: string): Promise<void> {
    for (const gateway of gateways) expect((await status(gateway, appKey)).status).toBe(200);
  }

  beforeAll(async () => {
    // The real sandbox defaults (the harness otherwise lifts the per-second rate for other suites).
    sys = await startSystem({
      gateways: 2,
      env: { SANDBOX_RATE_PER_SECOND: '10', SANDBOX_USAGE_LIMIT_PER_DAY: '1000' },
    });
    gateways = sys.gateways.map((g) => g.url);
    const [revoke, expire, groups, usage, production] = await Promise.all(
      ['Revoke', 'Expire', 'Groups', 'Usage', 'Production'].map((n) => createTenant(sys, `${n} Ltd`)),
    );
    tenants = { revoke, expire, groups, usage, production };
  }, 120_000);

  afterAll(async () => sys?.stop());

  it('refuses the operator API without the operator token', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: 'Bearer nope' },
      { 'api-key': tenants.revoke.appKey },
    ]) {
      const res = await http('GET', `${sys.adminUrl}/operator/v1/keys`, { headers });
      expect(res.status).toBe(401);
    }
  });

  it('lists developers and keys, with usage counted once across both gateways', async () => {
    const t = tenants.revoke;
    const developers = expectStatus(
      'developers',
      await operator<OperatorDeveloperView[]>('GET', '/developers'),
      200,
    );
    expect(developers.find((d) => d.email === t.developer.email)).toMatchObject({
      kind: 'sandbox',
      tenant: { tenantId: t.tenantId, businessCode: t.businessCode },
    });
    await warm(t.appKey);
    await warm(t.appKey);
    // Health, metrics and docs are not counted, even when a key is sent along.
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs/client/1.0/openapi.yaml']) {
      expect((await http('GET', `${gateways[1]}${path}`, { headers: { 'api-key': t.appKey } })).status).toBe(
        200,
      );
    }
    // createTenant's OAuth token call + 4 status calls; portal and operator calls are not counted.
    await waitForUsage((await keyOf(t)).keyId, 5);
    const key = await keyOf(t);
    expect(key).toEqual({
      keyId: expect.any(String) as unknown,
      prefix: expect.stringMatching(/^cf_/) as unknown,
      developerId: expect.any(String) as unknown,
      email: t.developer.email,
      kind: 'sandbox',
      status: 'active',
      groups: ['client', 'device', 'admin'],
      usageLimitPerDay: 1000,
      ratePerSecond: 10,
      usedToday: 5,
      lastUsedAt: expect.any(String) as unknown,
      expiresAt: null,
    });
    expect(Date.now() - Date.parse(key.lastUsedAt as string)).toBeLessThan(60_000);
  });

  it('revoke: both gateways answer 401 "Invalid APP key" within 5 s', async () => {
    const t = tenants.revoke;
    await warm(t.appKey);
    const key = await keyOf(t);
    expect(
      expectStatus('revoke', await operator<OperatorKeyView>('POST', `/keys/${key.keyId}/revoke`), 200),
    ).toMatchObject({ keyId: key.keyId, status: 'revoked' });
    const took = await onEveryGatewayWithin5s('revoked key', (gw) => status(gw, t.appKey), {
      status: 401,
      body: seedError('Invalid APP key', 'unauthorized'),
    });
    expect(took).toBeLessThan(5_000);
  });

  it('expiry (by date and forced) answers "Key has expired, please renew"; renew gives a working key and revokes the old one', async () => {
    const t = tenants.expire;
    await warm(t.appKey);
    const key = await keyOf(t);
    const expired = seedError('Key has expired, please renew', 'unauthorized');
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(
      expectStatus(
        'patch expiresAt',
        await operator<OperatorKeyView>('PATCH', `/keys/${key.keyId}`, { expiresAt: past }),
        200,
      ),
    ).toMatchObject({ status: 'expired', expiresAt: past });
    await onEveryGatewayWithin5s('expiresAt in the past', (gw) => status(gw, t.appKey), {
      status: 401,
      body: expired,
    });
    expectStatus(
      'clear expiresAt',
      await operator<OperatorKeyView>('PATCH', `/keys/${key.keyId}`, { expiresAt: null }),
      200,
    );
    await onEveryGatewayWithin5s('expiry cleared', (gw) => status(gw, t.appKey), { status: 200 });

    expect(
      expectStatus('expire', await operator<OperatorKeyView>('POST', `/keys/${key.keyId}/expire`), 200),
    ).toMatchObject({ status: 'expired' });
    await onEveryGatewayWithin5s('forced expiry', (gw) => status(gw, t.appKey), {
      status: 401,
      body: expired,
    });

    const renewed = expectStatus(
      'renew',
      await operator<RenewedKey>('POST', `/keys/${key.keyId}/renew`),
      200,
    );
    expect(renewed).toEqual({
      keyId: expect.any(String) as unknown,
      appKey: expect.stringMatching(/^cf_/) as unknown,
    });
    expect(renewed.keyId).not.toBe(key.keyId);
    for (const gw of gateways)
      expect((await status<StatusOk>(gw, renewed.appKey)).body).toEqual({
        status: 'OK',
        message: 'Your APP Key is valid',
      });
    await onEveryGatewayWithin5s('old key after renew', (gw) => status(gw, t.appKey), {
      status: 401,
      body: seedError('Invalid APP key', 'unauthorized'),
    });
    const keys = await keysOf(t);
    expect(keys.find((k) => k.keyId === key.keyId)).toMatchObject({ status: 'revoked' });
    // Renewal keeps the owner, kind, groups and limits.
    expect(keys.find((k) => k.keyId === renewed.keyId)).toMatchObject({
      status: 'active',
      kind: 'sandbox',
      groups: key.groups,
      usageLimitPerDay: key.usageLimitPerDay,
    });
  });

  it('groups without "client": the Client API answers 403 "Access to this API has been disallowed" on both; restoring the group lets it through', async () => {
    const t = tenants.groups;
    const devices = (gw: string) =>
      http('GET', `${gw}/client/v1.0/devices`, { headers: { 'api-key': t.appKey } });
    // With the group allowed, the request passes the key layer and stops at the account bearer.
    const bearerMissing = {
      status: 401,
      body: { errorCode: 'unauthorized', errorMessage: 'Missing or invalid Authorization bearer token' },
    };
    await onEveryGatewayWithin5s('client allowed', devices, bearerMissing);
    const key = await keyOf(t);
    // This test and the next poll both gateways every 50 ms; the sandbox's 10/s rate (one budget
    // across gateways) would answer some polls 429 and break the one-shot checks below.
    expectStatus(
      'lift rate',
      await operator<OperatorKeyView>('PATCH', `/keys/${key.keyId}`, { ratePerSecond: 1000 }),
      200,
    );
    expect(
      expectStatus(
        'patch groups',
        await operator<OperatorKeyView>('PATCH', `/keys/${key.keyId}`, { groups: ['device', 'admin'] }),
        200,
      ),
    ).toMatchObject({ groups: ['device', 'admin'] });
    await onEveryGatewayWithin5s('client disallowed', devices, {
      status: 403,
      body: seedError('Access to this API has been disallowed', 'forbidden'),
    });
    // Other APIs of the key keep working.
    for (const gw of gateways) expect((await status(gw, t.appKey)).status).toBe(200);
    expectStatus(
      'restore groups',
      await operator<OperatorKeyView>('PATCH', `/keys/${key.keyId}`, {
        groups: ['client', 'device', 'admin'],
      }),
      200,
    );
    await onEveryGatewayWithin5s('client allowed again', devices, bearerMissing);
  });

  it('a blocked endpoint answers 403 "Requested endpoint is forbidden" on both gateways; unblocking restores it', async () => {
    const t = tenants.groups;
    const devices = (version: string) => (gw: string) =>
      http('GET', `${gw}/client/${version}/devices`, { headers: { 'api-key': t.appKey } });
    const created = expectStatus(
      'block',
      await operator<BlockedEndpoint>('POST', '/blocked-endpoints', {
        method: 'GET',
        pathPrefix: '/client/v1.0/devices',
      }),
      201,
    );
    expect(
      expectStatus('list blocked', await operator<BlockedEndpoint[]>('GET', '/blocked-endpoints'), 200),
    ).toEqual(
      expect.arrayContaining([{ id: created.id, method: 'GET', pathPrefix: '/client/v1.0/devices' }]),
    );
    await onEveryGatewayWithin5s('blocked', devices('v1.0'), {
      status: 403,
      body: seedError('Requested endpoint is forbidden', 'forbidden'),
    });
    // Another version of the same endpoint is not blocked.
    for (const gw of gateways) expect((await devices('v1.1')(gw)).status).toBe(401);
    expectStatus('unblock', await operator('DELETE', `/blocked-endpoints/${created.id}`), 200);
    await onEveryGatewayWithin5s('unblocked', devices('v1.0'), { status: 401 });
  });

  it('the daily usage limit is one budget across both gateways: 429 with Retry-After to UTC midnight on both', async () => {
    const t = tenants.usage;
    // A renewed key starts at zero usage today; give it room for the burst below.
    const { keyId, appKey } = expectStatus(
      'renew',
      await operator<RenewedKey>('POST', `/keys/${(await keyOf(t)).keyId}/renew`),
      200,
    );
    expect(
      expectStatus(
        'limits',
        await operator<OperatorKeyView>('PATCH', `/keys/${keyId}`, {
          usageLimitPerDay: 20,
          ratePerSecond: 1000,
        }),
        200,
      ),
    ).toMatchObject({ usageLimitPerDay: 20, ratePerSecond: 1000, usedToday: 0 });
    const [gw0, gw1] = gateways;
    for (let i = 0; i < 10; i++) expect((await status(gw0, appKey)).status).toBe(200);
    // Once gateway 0 has reported its 10, gateway 1 may admit only 10 more.
    await waitForUsage(keyId, 10);
    for (let i = 0; i < 10; i++) expect((await status(gw1, appKey)).status).toBe(200);
    const over = await status<ErrorBody>(gw1, appKey);
    expect(over.status).toBe(429);
    expect(over.body).toEqual(seedError('Usage limit exceeded', 'tooManyRequests'));
    expectRetryAfterToMidnight(over);
    // Once gateway 1 has reported (every ~250 ms), gateway 0 refuses too. (Before that, gateway 0
    // would still admit: the documented overshoot of one flush interval per instance.)
    await waitForUsage(keyId, 20);
    const took = await onEveryGatewayWithin5s('limit reached everywhere', (gw) => status(gw, appKey), {
      status: 429,
      body: seedError('Usage limit exceeded', 'tooManyRequests'),
    });
    expect(took).toBeLessThan(1_000);
    expectRetryAfterToMidnight(await status<ErrorBody>(gw0, appKey));
    // Refused requests are not counted.
    await new Promise((r) => setTimeout(r, 600));
    expect((await keysOf(t)).find((k) => k.keyId === keyId)).toMatchObject({ usedToday: 20 });

    // Raising the limit lets the key through again at once.
    expectStatus(
      'raise limit',
      await operator<OperatorKeyView>('PATCH', `/keys/${keyId}`, {
        usageLimitPerDay: 1000,
        ratePerSecond: 3,
      }),
      200,
    );
    await onEveryGatewayWithin5s('limit raised', (gw) => status(gw, appKey), { status: 200 });
    // The per-second rate: 3 a second, the rest 429 with Retry-After: 1. (Wait until the polls
    // above, including gateway 1's as broadcast up to ~300 ms later, are out of the 1 s window.)
    await new Promise((r) => setTimeout(r, 1_600));
    const burst = await Promise.all(Array.from({ length: 5 }, () => status<ErrorBody>(gw0, appKey)));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429]);
    const limited = burst.find((r) => r.status === 429)!;
    expect(limited.body).toEqual(seedError('Usage limit exceeded', 'tooManyRequests'));
    expect(limited.headers.get('retry-after')).toBe('1');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await status(gw0, appKey)).status).toBe(200);
  }, 30_000);

  it('production: named keys for upgraded developers only (403 for sandbox)', async () => {
    const t = tenants.production;
    const create = <T = unknown>(name: string) =>
      http<T>('POST', `${sys.adminUrl}/admin/v1/app-keys`, { headers: t.adminHeaders, body: { name } });
    const sandbox = await create<ErrorBody>('Till app');
    expect(sandbox.status).toBe(403);
    expect(sandbox.body.errorCode).toBe('forbidden');
    const developers = expectStatus(
      'developers',
      await operator<OperatorDeveloperView[]>('GET', '/developers'),
      200,
    );
    const developerId = developers.find((d) => d.email === t.developer.email)!.developerId;
    expect(
      expectStatus(
        'upgrade',
        await operator<OperatorDeveloperView>('POST', `/developers/${developerId}/production`),
        200,
      ),
    ).toMatchObject({ developerId, kind: 'production' });
    const till = expectStatus('named key', await create<NewAppKeyView>('Till app'), 201);
    const kiosk = expectStatus('named key', await create<NewAppKeyView>('Kiosk'), 201);
    expect(till).toMatchObject({
      name: 'Till app',
      prefix: expect.any(String) as unknown,
      appKey: expect.any(String) as unknown,
    });
    expect(kiosk.appKey).not.toBe(till.appKey);
    for (const gw of gateways) {
      expect((await status(gw, till.appKey)).status).toBe(200);
      expect((await status(gw, kiosk.appKey)).status).toBe(200);
    }
    const keys = await keysOf(t);
    expect(
      keys
        .filter((k) => k.kind === 'production')
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([till.keyId, kiosk.keyId].sort());
    expect(keys.find((k) => k.keyId === till.keyId)).toMatchObject({
      status: 'active',
      developerId,
      usageLimitPerDay: 1_000_000,
    });
  });

  it("connection ceiling per tenant: the operator sets it, accounts above it are 422, null returns to the deployment's (issue 12 item 7)", async () => {
    const t = await createTenant(sys, 'Ceiling Ltd');
    const path = `/tenants/${t.tenantId}/connection-ceiling`;
    const initial = expectStatus('ceiling', await operator<ConnectionCeilingView>('GET', path), 200);
    expect(initial).toMatchObject({ tenantId: t.tenantId, connectionCeiling: null, source: 'deployment' });
    const deployment = initial.effectiveCeiling;
    expect(deployment).toBeGreaterThanOrEqual(3);

    expect((await operator<ConnectionCeilingView>('PUT', path, { connectionCeiling: 2 })).body).toEqual({
      tenantId: t.tenantId,
      connectionCeiling: 2,
      effectiveCeiling: 2,
      source: 'tenant',
    });
    const account = <T = unknown>(connectionLimit: number) =>
      http<T>('POST', `${sys.adminUrl}/admin/v1/accounts`, {
        body: { name: 'POS', connectionLimit },
        headers: t.adminHeaders,
      });
    const above = await account<ErrorBody>(3);
    expect(above.status).toBe(422);
    expect(above.body.errorMessage).toBe(
      "Invalid data: connectionLimit: 3 is above this business's ceiling of 2 connections; ask the operator to raise it",
    );
    expect((await account(2)).status).toBe(201);
    // Other tenants keep the deployment's ceiling.
    expect(
      expectStatus(
        'other',
        await operator<ConnectionCeilingView>(
          'GET',
          `/tenants/${tenants.production.tenantId}/connection-ceiling`,
        ),
        200,
      ),
    ).toMatchObject({
      effectiveCeiling: deployment,
      source: 'deployment',
    });

    // Bad input is 422, an unknown tenant 404, and null clears the tenant's own ceiling.
    for (const body of [
      {},
      { connectionCeiling: 0 },
      { connectionCeiling: 100_001 },
      { connectionCeiling: '5' },
    ])
      expect((await operator('PUT', path, body)).status).toBe(422);
    expect(
      (
        await operator('PUT', '/tenants/00000000-0000-4000-8000-000000000000/connection-ceiling', {
          connectionCeiling: 5,
        })
      ).status,
    ).toBe(404);
    expect(
      (await operator<ConnectionCeilingView>('PUT', path, { connectionCeiling: null })).body,
    ).toMatchObject({
      connectionCeiling: null,
      effectiveCeiling: deployment,
      source: 'deployment',
    });
    expect((await account(3)).status).toBe(201);
  });

  it('admin users: create, list, 409 on a taken username, and the new user logs in', async () => {
    const t = tenants.production;
    // The sandbox key allows 10 requests a second; this test makes about that many at once.
    expectStatus(
      'rate',
      await operator<OperatorKeyView>(
        'PATCH',
        `/keys/${(await keysOf(t)).find((k) => k.kind === 'sandbox')!.keyId}`,
        { ratePerSecond: 100 },
      ),
      200,
    );
    const users = `${sys.adminUrl}/admin/v1/users`;
    const before = expectStatus(
      'list users',
      await http<UserView[]>('GET', users, { headers: t.adminHeaders }),
      200,
    );
    expect(before).toEqual([
      expect.objectContaining({ username: t.admin.username, role: 'admin', timeZone: 'UTC' }),
    ]);
    const clerk = {
      username: 'Clerk-1',
      password: 'clerk-password-1',
      pin: '4321',
      timeZone: 'Europe/Amsterdam',
    };
    const created = expectStatus(
      'create user',
      await http<UserView>('POST', users, { headers: t.adminHeaders, body: clerk }),
      201,
    );
    expect(created).toEqual({
      userId: expect.any(String) as unknown,
      username: 'Clerk-1',
      name: 'Clerk-1',
      email: null,
      timeZone: 'Europe/Amsterdam',
      role: 'user',
      createdAt: expect.any(String) as unknown,
    });
    expect(JSON.stringify(created)).not.toContain(clerk.password);
    const taken = await http<ErrorBody>('POST', users, {
      headers: t.adminHeaders,
      body: { ...clerk, password: 'another-pass-2' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.errorCode).toBe('duplicateItem');
    const badZone = await http<ErrorBody>('POST', users, {
      headers: t.adminHeaders,
      body: { ...clerk, username: 'clerk-2', timeZone: 'Mars/Olympus' },
    });
    expect(badZone.status).toBe(422);
    expect(badZone.body.errorMessage).toContain('timeZone');
    const list = expectStatus(
      'list users',
      await http<UserView[]>('GET', users, { headers: t.adminHeaders }),
      200,
    );
    expect(list.map((u) => u.username)).toEqual([t.admin.username, 'Clerk-1']);
    // The API needs the admin bearer, not only the APP key.
    expect((await http('GET', users, { headers: { 'api-key': t.appKey } })).status).toBe(401);

    const grant = (password: string, username = clerk.username) =>
      http<TokenPair>('POST', `${gateways[1]}/auth/oauth/token`, {
        raw: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
        contentType: 'application/x-www-form-urlencoded',
        headers: { 'api-key': t.appKey },
      });
    expect((await grant('wrong-password-1')).status).toBe(401);
    expect((await grant(clerk.password, 'clerk-1')).status).toBe(401); // usernames are case sensitive
    const token = expectStatus('clerk login', await grant(clerk.password), 200);
    const tenant = await http<TenantView>('GET', `${sys.adminUrl}/admin/v1/tenant`, {
      headers: { 'api-key': t.appKey, authorization: `Bearer ${token.access_token}` },
    });
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({ tenantId: t.tenantId });
  });

  async function waitForUsage(keyId: string, used: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      const keys = expectStatus('list keys', await operator<OperatorKeyView[]>('GET', '/keys'), 200);
      const key = keys.find((k) => k.keyId === keyId);
      if (key?.usedToday === used) return;
      if (Date.now() - started > 5_000)
        throw new Error(`usedToday of ${keyId} did not reach ${used}: ${JSON.stringify(key)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function expectRetryAfterToMidnight(res: HttpResult<unknown>): void {
    const now = Date.now();
    const toMidnight =
      (Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1) -
        now) /
      1000;
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(Math.abs(retryAfter - toMidnight)).toBeLessThan(10);
  }
});
