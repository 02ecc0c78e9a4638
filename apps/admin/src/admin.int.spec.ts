import { ClientNats } from '@nestjs/microservices';
import {
  CloudFlowError,
  SUBJECTS,
  type BlockedEndpoint,
  type ErrorBody,
  type IssuedAppKey,
} from '@cloudflow/contracts';
import { DatabaseService, natsConnectionOptions, RpcClient } from '@cloudflow/platform';
import {
  freePort,
  http,
  startNats,
  startPostgres,
  startService,
  waitFor,
  type NatsHandle,
  type PostgresHandle,
  type ServiceProcess,
} from '@cloudflow/testing';
import type { INestApplication } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewAppKeyView } from './admin-api/app-keys.service';
import type { TenantView } from './admin-api/tenant.service';
import { bootstrap } from './bootstrap';
import type { OperatorDeveloperView, OperatorKeyView } from './operator/operator.views';
import type { AdminUserView, CompanyView, SettingsView } from './portal/portal.views';

// Real NATS, Postgres, auth and admin processes (run `node tools/build.mjs` first): the portal
// walk of seed 000, the admin API's two layers, and the operator API of CONTRACT.md §11.
describe('admin service with auth on real NATS and Postgres', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let auth: ServiceProcess;
  let admin: ServiceProcess;
  let rpc: RpcClient;
  const operatorToken = randomBytes(24).toString('base64url');
  const email = `dev-${randomUUID()}@example.com`;
  const password = 'portal-password-1';
  const op = () => ({ authorization: `Bearer ${operatorToken}` });
  const url = (path: string) => `${admin.url}${path}`;

  beforeAll(async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'cf-admin-int-'));
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('admin_int'),
      AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
      CLOUDFLOW_OPERATOR_TOKEN: operatorToken,
    };
    auth = await startService('auth', { ...env, PORT: String(await freePort()) }, logDir);
    admin = await startService('admin', { ...env, PORT: String(await freePort()) }, logDir);
    rpc = new RpcClient(new ClientNats(natsConnectionOptions(nats.url, 'admin-int-spec')), 5000);
  }, 90_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await Promise.all([admin?.child.stop(), auth?.child.stop()]);
    await Promise.all([nats?.stop(), pg?.stop()]);
  });

  // State the walk builds up, step by step.
  let developerId: string;
  let session: string;
  let appKey: string;
  let keyId: string;
  let tenantId: string;
  let accessToken: string;
  const bearer = () => ({ authorization: `Bearer ${session}` });

  it('signs a developer up without revealing the key, and refuses the email twice in any case', async () => {
    const res = await http<{ developerId: string }>('POST', url('/portal/v1/signup'), {
      body: { name: 'Dana Dev', email, password },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['developerId']);
    developerId = res.body.developerId;

    const again = await http<ErrorBody>('POST', url('/portal/v1/signup'), {
      body: { name: 'Other', email: email.toUpperCase(), password },
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      errorCode: 'duplicateItem',
      errorMessage: 'A developer with this email already exists',
    });

    const unknownField = await http<ErrorBody>('POST', url('/portal/v1/signup'), {
      body: { name: 'X', email: `x-${email}`, password, admin: true },
    });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.errorMessage).toContain('admin');
  });

  it('logs in only with the right password', async () => {
    const wrong = await http<ErrorBody>('POST', url('/portal/v1/login'), {
      body: { email, password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errorCode: 'unauthorized', errorMessage: 'Invalid email or password' });
    const unknown = await http<ErrorBody>('POST', url('/portal/v1/login'), {
      body: { email: `nobody-${email}`, password },
    });
    expect(unknown.body).toEqual(wrong.body);

    const ok = await http<{ sessionToken: string }>('POST', url('/portal/v1/login'), {
      body: { email, password },
    });
    expect(ok.status).toBe(200);
    session = ok.body.sessionToken;
    expect(typeof session).toBe('string');
  });

  it('shows settings with the sandbox key and no company yet', async () => {
    expect((await http('GET', url('/portal/v1/settings'))).status).toBe(401);
    expect(
      (await http('GET', url('/portal/v1/settings'), { headers: { authorization: 'Bearer not-a-jwt' } }))
        .status,
    ).toBe(401);
    const res = await http<SettingsView>('GET', url('/portal/v1/settings'), { headers: bearer() });
    expect(res.status).toBe(200);
    expect(res.body.developer).toEqual({ developerId, name: 'Dana Dev', email, kind: 'sandbox' });
    expect(res.body.company).toBeNull();
    expect(res.body.adminUser).toBeNull();
    expect(res.body.appKeys).toHaveLength(1);
    expect(res.body.appKeys[0]).toMatchObject({
      kind: 'sandbox',
      status: 'active',
      groups: expect.arrayContaining(['client', 'device', 'admin']) as unknown,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/cf_sbx_[A-Za-z0-9_-]{20,}/);
    keyId = res.body.appKeys[0].keyId;
  });

  it('creates one company, and the admin user only after it', async () => {
    const adminUser = {
      username: 'Boss',
      password: 'admin-password-1',
      pin: '1234',
      timeZone: 'Europe/Amsterdam',
    };
    const early = await http<ErrorBody>('POST', url('/portal/v1/admin-user'), {
      headers: bearer(),
      body: adminUser,
    });
    expect(early.status).toBe(412);
    expect(early.body).toEqual({ errorCode: 'preconditionFailed', errorMessage: 'Create a company first' });

    const company = await http<CompanyView>('POST', url('/portal/v1/company'), {
      headers: bearer(),
      body: { name: 'Dana Coffee' },
    });
    expect(company.status).toBe(201);
    expect(company.body).toEqual({
      tenantId: expect.any(String) as unknown,
      businessCode: expect.stringMatching(/^CF[A-Z2-7]{8}$/) as unknown,
      name: 'Dana Coffee',
    });
    tenantId = company.body.tenantId;
    const second = await http('POST', url('/portal/v1/company'), {
      headers: bearer(),
      body: { name: 'Again' },
    });
    expect(second.status).toBe(409);

    const badZone = await http<ErrorBody>('POST', url('/portal/v1/admin-user'), {
      headers: bearer(),
      body: { ...adminUser, timeZone: 'Mars/Olympus' },
    });
    expect(badZone.status).toBe(422);
    expect(badZone.body.errorMessage).toContain('timeZone');

    const created = await http<AdminUserView & { tenantId: string }>('POST', url('/portal/v1/admin-user'), {
      headers: bearer(),
      body: adminUser,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      userId: expect.any(String) as unknown,
      username: 'Boss',
      name: 'Dana Dev',
      email,
      timeZone: 'Europe/Amsterdam',
      tenantId,
    });
    const twice = await http('POST', url('/portal/v1/admin-user'), {
      headers: bearer(),
      body: { ...adminUser, username: 'Boss2' },
    });
    expect(twice.status).toBe(409);

    const settings = await http<SettingsView>('GET', url('/portal/v1/settings'), { headers: bearer() });
    expect(settings.body.company).toEqual(company.body);
    expect(settings.body.adminUser).toMatchObject({ username: 'Boss', timeZone: 'Europe/Amsterdam' });
  });

  it('reveals the APP key only with the portal password', async () => {
    const wrong = await http('POST', url('/portal/v1/app-key/reveal'), {
      headers: bearer(),
      body: { password: 'wrong-password' },
    });
    expect(wrong.status).toBe(401);
    const ok = await http<IssuedAppKey>('POST', url('/portal/v1/app-key/reveal'), {
      headers: bearer(),
      body: { password },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.appKey).toMatch(/^cf_sbx_/);
    expect(ok.body.keyId).toBe(keyId);
    appKey = ok.body.appKey;
  });

  it('finds the login user over NATS only by exact username in the key owner tenant', async () => {
    const found = await rpc.send(SUBJECTS.admin.userFindForLogin, { developerId, username: 'Boss' });
    expect(found.tenantId).toBe(tenantId);
    const miss = await rpc
      .send(SUBJECTS.admin.userFindForLogin, { developerId, username: 'boss' })
      .catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(CloudFlowError);
    expect((miss as CloudFlowError).toBody()).toEqual({
      errorCode: 'unauthorized',
      errorMessage: 'Invalid username or password',
      error: 'invalid_grant',
      error_description: 'Invalid username or password',
    });
    // The business's admin user, made in the portal: its role goes into the access token.
    expect(found.role).toBe('admin');
    const tokens = await rpc.send(SUBJECTS.auth.tokenPassword, {
      userId: found.userId,
      tenantId,
      role: found.role,
      password: 'admin-password-1',
    });
    accessToken = tokens.access_token;
  });

  it('serves the admin API only with an APP key and an access token', async () => {
    const noKey = await http<ErrorBody>('GET', url('/admin/v1/tenant'), {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error).toBe('Authorization field missing');
    const noToken = await http('GET', url('/admin/v1/tenant'), { headers: { 'api-key': appKey } });
    expect(noToken.status).toBe(401);
    const portalToken = await http('GET', url('/admin/v1/tenant'), {
      headers: { 'api-key': appKey, authorization: `Bearer ${session}` },
    });
    expect(portalToken.status).toBe(401);
    const ok = await http<TenantView>('GET', url('/admin/v1/tenant'), {
      headers: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      tenantId,
      businessCode: expect.stringMatching(/^CF/) as unknown,
      name: 'Dana Coffee',
    });
  });

  it('keeps the operator API closed without the operator token', async () => {
    expect((await http('GET', url('/operator/v1/developers'))).status).toBe(401);
    const wrong = await http<ErrorBody>('GET', url('/operator/v1/keys'), {
      headers: { authorization: `Bearer ${operatorToken}x` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errorCode).toBe('unauthorized');
  });

  it('lists developers and keys for the operator, and changes a key', async () => {
    const devs = await http<OperatorDeveloperView[]>('GET', url('/operator/v1/developers'), {
      headers: op(),
    });
    expect(devs.status).toBe(200);
    expect(devs.body.find((d) => d.developerId === developerId)).toMatchObject({
      email,
      kind: 'sandbox',
      tenant: { tenantId, name: 'Dana Coffee' },
    });

    const keys = await http<OperatorKeyView[]>(
      'GET',
      url(`/operator/v1/keys?email=${encodeURIComponent(email.toUpperCase())}`),
      { headers: op() },
    );
    expect(keys.status).toBe(200);
    expect(keys.body).toEqual([
      expect.objectContaining({ keyId, developerId, email, kind: 'sandbox', status: 'active' }),
    ]);
    expect(
      (
        await http<OperatorKeyView[]>('GET', url('/operator/v1/keys?email=nobody%40example.com'), {
          headers: op(),
        })
      ).body,
    ).toEqual([]);
    expect((await http('GET', url('/operator/v1/keys?color=red'), { headers: op() })).status).toBe(422);

    const patched = await http<OperatorKeyView>('PATCH', url(`/operator/v1/keys/${keyId}`), {
      headers: op(),
      body: { usageLimitPerDay: 5000, ratePerSecond: 7 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ keyId, email, usageLimitPerDay: 5000, ratePerSecond: 7 });
    expect(
      (await http('PATCH', url(`/operator/v1/keys/${keyId}`), { headers: op(), body: { groups: ['pos'] } }))
        .status,
    ).toBe(422);
    expect((await http('POST', url('/operator/v1/keys/not-a-uuid/revoke'), { headers: op() })).status).toBe(
      422,
    );
  });

  it('blocks and unblocks an endpoint platform-wide', async () => {
    // Read only when refused: the error's seed field.
    const tenantCall = () =>
      http<ErrorBody>('GET', url('/admin/v1/tenant'), {
        headers: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
      });
    const created = await http<BlockedEndpoint>('POST', url('/operator/v1/blocked-endpoints'), {
      headers: op(),
      body: { method: 'GET', pathPrefix: '/admin/v1/tenant' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const list = await http<BlockedEndpoint[]>('GET', url('/operator/v1/blocked-endpoints'), {
      headers: op(),
    });
    expect(list.body).toContainEqual(
      expect.objectContaining({ id, method: 'GET', pathPrefix: '/admin/v1/tenant' }),
    );
    await waitFor(
      'the block to bite',
      async () => ((await tenantCall()).status === 403 ? true : undefined),
      5000,
    );
    expect((await tenantCall()).body.error).toBe('Requested endpoint is forbidden');

    expect(
      (await http('DELETE', url(`/operator/v1/blocked-endpoints/${id}`), { headers: op() })).status,
    ).toBe(200);
    await waitFor('the unblock', async () => ((await tenantCall()).status === 200 ? true : undefined), 5000);
  });

  it('upgrades to production, then renews, expires and revokes keys with effect within 5 s', async () => {
    // Read only when refused: the error's seed field.
    const keyCall = (key: string) =>
      http<ErrorBody>('GET', url('/admin/v1/tenant'), {
        headers: { 'api-key': key, authorization: `Bearer ${accessToken}` },
      });
    const sandboxRefused = await http('POST', url('/admin/v1/app-keys'), {
      headers: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
      body: { name: 'till' },
    });
    expect(sandboxRefused.status).toBe(403);
    const upgraded = await http<OperatorDeveloperView>(
      'POST',
      url(`/operator/v1/developers/${developerId}/production`),
      {
        headers: op(),
      },
    );
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ developerId, kind: 'production' });
    const named = await http<NewAppKeyView>('POST', url('/admin/v1/app-keys'), {
      headers: { 'api-key': appKey, authorization: `Bearer ${accessToken}` },
      body: { name: 'till' },
    });
    expect(named.status).toBe(201);
    const tillKey = named.body.appKey;
    expect((await keyCall(tillKey)).status).toBe(200);

    const renewed = await http<Pick<IssuedAppKey, 'keyId' | 'appKey'>>(
      'POST',
      url(`/operator/v1/keys/${keyId}/renew`),
      { headers: op() },
    );
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({
      keyId: expect.any(String) as unknown,
      appKey: expect.any(String) as unknown,
    });
    expect(renewed.body.keyId).not.toBe(keyId);
    await waitFor(
      'the old key to stop working',
      async () => ((await keyCall(appKey)).status === 401 ? true : undefined),
      5000,
    );
    expect((await keyCall(appKey)).body.error).toBe('Invalid APP key');
    expect((await keyCall(renewed.body.appKey)).status).toBe(200);

    const expired = await http<OperatorKeyView>('POST', url(`/operator/v1/keys/${named.body.keyId}/expire`), {
      headers: op(),
    });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ keyId: named.body.keyId, status: 'expired', email });
    await waitFor(
      'the expiry',
      async () => ((await keyCall(tillKey)).status === 401 ? true : undefined),
      5000,
    );
    expect((await keyCall(tillKey)).body.error).toBe('Key has expired, please renew');

    const revoked = await http<OperatorKeyView>(
      'POST',
      url(`/operator/v1/keys/${renewed.body.keyId}/revoke`),
      {
        headers: op(),
      },
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    await waitFor(
      'the revocation',
      async () => ((await keyCall(renewed.body.appKey)).status === 401 ? true : undefined),
      5000,
    );
  }, 30_000);
});

describe('admin schema', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), pg?.stop()]);
  });

  it('has committed migrations that match the entities exactly (no drift)', async () => {
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('admin_drift'),
      PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
    };
    app = await bootstrap(env);
    const db = app.get(DatabaseService);
    await db.whenReady();
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    const tables = await db.dataSource.query<Array<{ table_name: string }>>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'admin' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'accounts',
      'developers',
      'devices',
      'migrations',
      'tenants',
      'users',
    ]);
  }, 60_000);
});
