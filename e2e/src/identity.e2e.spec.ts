import type { BlockedEndpoint, ErrorBody, IssuedAppKey, TokenPair } from '@cloudflow/contracts';
import { http, startSystem, waitFor, type System } from '@cloudflow/testing';
import type {
  AdminUserView,
  CompanyView,
  OperatorDeveloperView,
  PortalLogin,
  RenewedKey,
  SettingsView,
  SignedUp,
  StatusOk,
  TenantView,
} from './support/bodies';

/**
 * Issue 2's walk on real processes: the developer portal, the APP key layer of seed 000 with
 * its exact texts, OAuth, and the admin API.
 */
describe('identity path end to end', () => {
  let sys: System;
  let gw: string;
  let admin: string;
  const email = `dev-${Date.now()}@example.com`;
  const password = 'portal-pass-1';
  let session: string;
  let appKey: string;
  let keyId: string;
  let accessToken: string;
  let refreshToken: string;
  const op = () => ({ authorization: `Bearer ${sys.operatorToken}` });

  beforeAll(async () => {
    sys = await startSystem({ hubs: 1 });
    gw = sys.gatewayUrl;
    admin = sys.adminUrl;
  }, 90_000);
  afterAll(async () => sys?.stop());

  it('signs a developer up, logs in, and reveals the APP key only with the password', async () => {
    const signup = await http<SignedUp>('POST', `${admin}/portal/v1/signup`, {
      body: { name: 'Ada Dev', email, password },
    });
    expect(signup.status).toBe(201);
    expect(signup.body.developerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(signup.body)).not.toContain('cf_');

    expect(
      (await http('POST', `${admin}/portal/v1/login`, { body: { email, password: 'wrong-pass' } })).status,
    ).toBe(401);
    const login = await http<PortalLogin>('POST', `${admin}/portal/v1/login`, {
      body: { email, password },
    });
    expect(login.status).toBe(200);
    session = login.body.sessionToken;

    const wrong = await http<ErrorBody>('POST', `${admin}/portal/v1/app-key/reveal`, {
      body: { password: 'wrong-pass' },
      headers: { authorization: `Bearer ${session}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errorCode).toBe('unauthorized');
    const reveal = await http<IssuedAppKey>('POST', `${admin}/portal/v1/app-key/reveal`, {
      body: { password },
      headers: { authorization: `Bearer ${session}` },
    });
    expect(reveal.status).toBe(200);
    appKey = reveal.body.appKey;
    keyId = reveal.body.keyId;
    expect(appKey).toMatch(/^cf_sbx_[A-Za-z0-9_-]{43}$/);
  });

  it('answers /dummyapi/status for a valid key, case-sensitively', async () => {
    const ok = await http<StatusOk>('GET', `${gw}/dummyapi/status`, { headers: { 'api-key': appKey } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'OK', message: 'Your APP Key is valid' });
    const swapped =
      appKey.slice(0, 7) +
      [...appKey.slice(7)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    expect(swapped).not.toBe(appKey);
    const cased = await http<ErrorBody>('GET', `${gw}/dummyapi/status`, { headers: { 'api-key': swapped } });
    expect(cased.status).toBe(401);
    expect(cased.body).toEqual({
      error: 'Invalid APP key',
      errorCode: 'unauthorized',
      errorMessage: 'Invalid APP key',
    });
  });

  it('answers a missing or unknown key with the seed texts', async () => {
    const missing = await http<ErrorBody>('GET', `${gw}/dummyapi/status`);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: 'Authorization field missing',
      errorCode: 'unauthorized',
      errorMessage: 'Authorization field missing',
    });
    const unknown = await http<ErrorBody>('GET', `${gw}/dummyapi/status`, {
      headers: { 'api-key': 'fcb6bd81970001eefda1cefd728d2b224d149b8b2ed542719eff' },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('Invalid APP key');
    const adminMissing = await http<ErrorBody>('GET', `${admin}/admin/v1/tenant`);
    expect(adminMissing.status).toBe(401);
    expect(adminMissing.body.error).toBe('Authorization field missing');
  });

  it('creates the company, then the admin user (refused before the company, and twice)', async () => {
    const auth = { authorization: `Bearer ${session}` };
    const early = await http<ErrorBody>('POST', `${admin}/portal/v1/admin-user`, {
      body: { username: 'ada', password: 'admin-pass-1', timeZone: 'Europe/Dublin' },
      headers: auth,
    });
    expect(early.status).toBe(412);
    expect(early.body.errorCode).toBe('preconditionFailed');

    const company = await http<CompanyView>('POST', `${admin}/portal/v1/company`, {
      body: { name: 'Ada Coffee' },
      headers: auth,
    });
    expect(company.status).toBe(201);
    expect(company.body).toMatchObject({
      name: 'Ada Coffee',
      tenantId: expect.any(String) as unknown,
      businessCode: expect.any(String) as unknown,
    });
    expect(
      (await http('POST', `${admin}/portal/v1/company`, { body: { name: 'Again' }, headers: auth })).status,
    ).toBe(409);

    const badTz = await http<ErrorBody>('POST', `${admin}/portal/v1/admin-user`, {
      body: { username: 'ada', password: 'admin-pass-1', timeZone: 'Mars/Olympus' },
      headers: auth,
    });
    expect(badTz.status).toBe(422);
    expect(badTz.body.errorMessage).toContain('timeZone');
    const user = await http<AdminUserView>('POST', `${admin}/portal/v1/admin-user`, {
      body: { username: 'ada', password: 'admin-pass-1', pin: '1234', timeZone: 'Europe/Dublin' },
      headers: auth,
    });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({ username: 'ada', name: 'Ada Dev', email, timeZone: 'Europe/Dublin' });
    expect(JSON.stringify(user.body)).not.toContain('admin-pass-1');
    expect(
      (
        await http('POST', `${admin}/portal/v1/admin-user`, {
          body: { username: 'ada2', password: 'admin-pass-1', timeZone: 'UTC' },
          headers: auth,
        })
      ).status,
    ).toBe(409);

    const settings = await http<SettingsView>('GET', `${admin}/portal/v1/settings`, { headers: auth });
    expect(settings.status).toBe(200);
    expect(settings.body.company?.tenantId).toBe(company.body.tenantId);
    expect(settings.body.adminUser?.username).toBe('ada');
    expect(settings.body.appKeys[0]).toMatchObject({
      keyId,
      prefix: appKey.slice(0, 12),
      kind: 'sandbox',
      status: 'active',
    });
    expect(JSON.stringify(settings.body)).not.toContain(appKey);
  });

  it('issues OAuth tokens for the admin user (form-encoded), refreshes them, and opens the admin API', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'ada',
      password: 'admin-pass-1',
    }).toString();
    const bad = await http<ErrorBody>('POST', `${gw}/auth/oauth/token`, {
      raw: form.replace('admin-pass-1', 'nope'),
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'invalid_grant', errorCode: 'unauthorized' });
    const unsupported = await http<ErrorBody>('POST', `${gw}/auth/oauth/token`, {
      body: { grant_type: 'client_credentials' },
      headers: { 'api-key': appKey },
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe('unsupported_grant_type');

    const token = await http<TokenPair>('POST', `${gw}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    });
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 900,
      access_token: expect.any(String) as unknown,
      refresh_token: expect.any(String) as unknown,
    });
    expect(token.headers.get('cache-control')).toBe('no-store');

    const refreshed = await http<TokenPair>('POST', `${gw}/auth/oauth/token`, {
      body: { grant_type: 'refresh_token', refresh_token: token.body.refresh_token },
      headers: { 'api-key': appKey },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(token.body.refresh_token);
    accessToken = refreshed.body.access_token;
    refreshToken = refreshed.body.refresh_token;

    const tenant = await http<TenantView>('GET', `${admin}/admin/v1/tenant`, {
      headers: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
    });
    expect(tenant.status).toBe(200);
    expect(tenant.body).toMatchObject({
      name: 'Ada Coffee',
      tenantId: expect.any(String) as unknown,
      businessCode: expect.any(String) as unknown,
    });
    const noBearer = await http('GET', `${admin}/admin/v1/tenant`, { headers: { 'api-key': appKey } });
    expect(noBearer.status).toBe(401);
    const portalTokenAsAdmin = await http('GET', `${admin}/admin/v1/tenant`, {
      headers: { 'api-key': appKey, authorization: `Bearer ${session}` },
    });
    expect(portalTokenAsAdmin.status).toBe(401);
  });

  it('turns malformed bodies, wrong content types, unknown fields and oversize bodies into 422', async () => {
    const auth = { authorization: `Bearer ${session}` };
    const cases = [
      await http<ErrorBody>('POST', `${admin}/portal/v1/login`, { raw: '{"email": ' }),
      await http<ErrorBody>('POST', `${admin}/portal/v1/login`, {
        raw: 'email=a',
        contentType: 'text/plain',
      }),
      await http<ErrorBody>('POST', `${admin}/portal/v1/signup`, {
        body: { name: 'x', email: 'e@example.com', password: 'long-enough', role: 'root' },
      }),
      await http<ErrorBody>('POST', `${admin}/portal/v1/company`, {
        raw: JSON.stringify({ name: 'x'.repeat(70 * 1024) }),
        headers: auth,
      }),
      await http<ErrorBody>('POST', `${gw}/auth/oauth/token`, {
        raw: '{not json',
        headers: { 'api-key': appKey },
      }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(422);
      expect(res.body.errorCode).toBe('invalidData');
      expect(typeof res.body.errorMessage).toBe('string');
    }
    expect(cases[2].body.errorMessage).toContain('role');
  });

  it('applies operator changes on the gateway within 5 s with the seed texts: groups, blocked endpoints, expiry, renewal, revocation', async () => {
    // Only refusals have their bodies read.
    const status = () => http<ErrorBody>('GET', `${gw}/dummyapi/status`, { headers: { 'api-key': appKey } });
    const token = () =>
      http<ErrorBody>('POST', `${gw}/auth/oauth/token`, {
        body: { grant_type: 'refresh_token', refresh_token: refreshToken },
        headers: { 'api-key': appKey },
      });
    const within5s = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, 5000, 50);

    expect(
      (
        await http('PATCH', `${admin}/operator/v1/keys/${keyId}`, {
          body: { groups: ['client', 'device'] },
          headers: op(),
        })
      ).status,
    ).toBe(200);
    const disallowed = await within5s('group change', async () => {
      const r = await token();
      return r.status === 403 ? r : undefined;
    });
    expect(disallowed.body).toEqual({
      error: 'Access to this API has been disallowed',
      errorCode: 'forbidden',
      errorMessage: 'Access to this API has been disallowed',
    });
    expect((await status()).status).toBe(200);

    const block = await http<BlockedEndpoint>('POST', `${admin}/operator/v1/blocked-endpoints`, {
      body: { method: 'GET', pathPrefix: '/dummyapi/' },
      headers: op(),
    });
    expect(block.status).toBe(201);
    const blocked = await within5s('endpoint block', async () => {
      const r = await status();
      return r.status === 403 ? r : undefined;
    });
    expect(blocked.body).toEqual({
      error: 'Requested endpoint is forbidden',
      errorCode: 'forbidden',
      errorMessage: 'Requested endpoint is forbidden',
    });
    expect(
      (await http('DELETE', `${admin}/operator/v1/blocked-endpoints/${block.body.id}`, { headers: op() }))
        .status,
    ).toBe(200);
    await within5s('endpoint unblock', async () => ((await status()).status === 200 ? true : undefined));

    expect((await http('POST', `${admin}/operator/v1/keys/${keyId}/expire`, { headers: op() })).status).toBe(
      200,
    );
    const expired = await within5s('expiry', async () => {
      const r = await status();
      return r.status === 401 ? r : undefined;
    });
    expect(expired.body).toEqual({
      error: 'Key has expired, please renew',
      errorCode: 'unauthorized',
      errorMessage: 'Key has expired, please renew',
    });

    const renewed = await http<RenewedKey>('POST', `${admin}/operator/v1/keys/${keyId}/renew`, {
      headers: op(),
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.appKey).toMatch(/^cf_sbx_/);
    const fresh = await http('GET', `${gw}/dummyapi/status`, { headers: { 'api-key': renewed.body.appKey } });
    expect(fresh.status).toBe(200);
    const old = await status();
    expect(old.body.error).toBe('Invalid APP key');
    // The developer can reveal the renewed key with the portal password.
    const reveal = await http<IssuedAppKey>('POST', `${admin}/portal/v1/app-key/reveal`, {
      body: { password },
      headers: { authorization: `Bearer ${session}` },
    });
    expect(reveal.body.appKey).toBe(renewed.body.appKey);

    expect(
      (await http('POST', `${admin}/operator/v1/keys/${renewed.body.keyId}/revoke`, { headers: op() }))
        .status,
    ).toBe(200);
    const revoked = await within5s('revocation', async () => {
      const r = await http<ErrorBody>('GET', `${gw}/dummyapi/status`, {
        headers: { 'api-key': renewed.body.appKey },
      });
      return r.status === 401 ? r : undefined;
    });
    expect(revoked.body).toEqual({
      error: 'Invalid APP key',
      errorCode: 'unauthorized',
      errorMessage: 'Invalid APP key',
    });
  }, 60_000);

  it('refuses the operator API without the operator token', async () => {
    expect((await http('GET', `${admin}/operator/v1/developers`)).status).toBe(401);
    expect(
      (await http('GET', `${admin}/operator/v1/developers`, { headers: { authorization: 'Bearer nope' } }))
        .status,
    ).toBe(401);
    const list = await http<OperatorDeveloperView[]>('GET', `${admin}/operator/v1/developers`, {
      headers: op(),
    });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(email);
  });
});
