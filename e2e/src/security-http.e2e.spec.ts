import type {
  BlockedEndpoint,
  ConnectionCredentials,
  ErrorBody,
  RequestLog,
  TokenPair,
} from '@cloudflow/contracts';
import { http, startSystem, waitFor, type HttpResult, type System } from '@cloudflow/testing';
import type { AccountView, DeviceAdminView, TenantView, UserView } from './support/bodies';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  expectStatus,
  type Account,
  type Tenant,
} from './support/tenant';
import { createUserRole, jwtClaims, parseRawAnswer, rawHttp } from './support/users';

/**
 * Issue 12, items 3, 4 and 9, each as the attack that worked before the fix, on real
 * processes: case-insensitive routes walking around a blocked endpoint, a `user` acting as
 * the business's admin, APP-key garbage costing auth round trips, responses without security
 * headers, parser errors with empty bodies, duplicate JSON keys and bidi overrides in names.
 */
jest.setTimeout(30_000);

describe('HTTP security: routes, roles, headers and small holes (issue 12)', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let clerk: Awaited<ReturnType<typeof createUserRole>>;
  const secrets: string[] = [];

  const operator = <T = unknown>(method: string, path: string, body?: unknown) =>
    http<T>(method, `${sys.adminUrl}/operator/v1${path}`, {
      headers: { authorization: `Bearer ${sys.operatorToken}` },
      body,
    });
  const admin = <T = unknown>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => http<T>(method, `${sys.adminUrl}/admin/v1${path}`, { headers, body });
  const keyOnly = () => ({ 'api-key': tenant.appKey });

  beforeAll(async () => {
    sys = await startSystem();
    tenant = await createTenant(sys, 'Security Coffee');
    account = await createAccount(sys, tenant, { accountId: 'pos-sec', name: 'Front till' });
    await createDevice(sys, tenant, account.accountId, {
      referenceId: 'till-sec',
      serialNumber: 'SN-SEC-1',
      model: 'M1',
    });
    clerk = await createUserRole(sys, tenant);
    secrets.push(
      tenant.appKey,
      tenant.accessToken,
      tenant.session,
      tenant.developer.password,
      tenant.admin.password,
      account.apiToken,
      account.webhookSecret,
      clerk.accessToken,
      clerk.refreshToken,
    );
  }, 120_000);

  afterAll(async () => sys?.stop());

  describe('item 3: routes are case sensitive and strict, blocks cannot be walked around', () => {
    it('serves /dummyapi/status only under its own spelling', async () => {
      expect((await http('GET', `${sys.gatewayUrl}/dummyapi/status`, { headers: keyOnly() })).status).toBe(
        200,
      );
      for (const path of ['/DUMMYAPI/STATUS', '/Dummyapi/Status', '/dummyapi/status/', '/DUMMYAPI/status']) {
        const res = await http<ErrorBody>('GET', `${sys.gatewayUrl}${path}`, { headers: keyOnly() });
        expect([path, res.status, res.body]).toEqual([
          path,
          404,
          { errorCode: 'notFound', errorMessage: 'No such endpoint' },
        ]);
      }
      // Admin too: a mutating route under another case is not reachable.
      expect(
        (await http('GET', `${sys.adminUrl}/ADMIN/v1/tenant`, { headers: tenant.adminHeaders })).status,
      ).toBe(404);
    });

    it('a GET block also holds for HEAD and for other spellings of the path', async () => {
      const devices = (path: string, method = 'GET') =>
        http(method, `${sys.gatewayUrl}${path}`, { headers: clientHeaders(tenant, account) });
      expect((await devices('/client/v1.0/devices')).status).toBe(200);
      const block = expectStatus(
        'block',
        await operator<BlockedEndpoint>('POST', '/blocked-endpoints', {
          method: 'GET',
          pathPrefix: '/client/v1.0/devices',
        }),
        201,
      );
      try {
        await waitFor(
          'block in force',
          async () => ((await devices('/client/v1.0/devices')).status === 403 ? true : undefined),
          6000,
        );
        const head = await devices('/client/v1.0/devices', 'HEAD');
        expect(head.status).toBe(403);
        for (const path of [
          '/CLIENT/v1.0/devices',
          '/client/V1.0/DEVICES',
          '/client/v1.0/devices/',
          '/client/v1.0/Devices/till-sec',
        ]) {
          const res = await devices(path);
          expect([path, res.status]).not.toEqual([path, 200]);
          expect([403, 404]).toContain(res.status);
        }
        expect((await devices('/client/v1.0/devices/till-sec')).status).toBe(403);
      } finally {
        expectStatus('unblock', await operator('DELETE', `/blocked-endpoints/${block.id}`), 200);
        await waitFor(
          'block lifted',
          async () => ((await devices('/client/v1.0/devices')).status === 200 ? true : undefined),
          6000,
        );
      }
    });

    it('still serves the portal page at /portal and /portal/', async () => {
      for (const path of ['/portal', '/portal/']) {
        const res = await fetch(`${sys.adminUrl}${path}`);
        expect([path, res.status, res.headers.get('content-type')]).toEqual([
          path,
          200,
          expect.stringContaining('text/html'),
        ]);
      }
    });
  });

  describe('item 4: roles are enforced from the access token', () => {
    const forbidden = { errorCode: 'forbidden', errorMessage: 'This operation needs the admin role' };

    it('carries the role in the access token', () => {
      expect(jwtClaims(tenant.accessToken)).toMatchObject({ role: 'admin' });
      expect(jwtClaims(clerk.accessToken)).toMatchObject({ role: 'user' });
    });

    it('refuses every change a `user` tries, and changes nothing', async () => {
      const attempts: Array<[string, string, unknown?]> = [
        ['POST', '/users', { username: 'mallory', password: 'mallory-pass-1', timeZone: 'UTC' }],
        ['GET', '/users'],
        ['POST', '/accounts', { name: 'Rogue till' }],
        ['PATCH', `/accounts/${account.accountId}`, { webhookUrl: 'https://attacker.example/hook' }],
        ['POST', `/accounts/${account.accountId}/api-token`],
        ['DELETE', `/accounts/${account.accountId}`],
        [
          'POST',
          `/accounts/${account.accountId}/devices`,
          { referenceId: 'rogue', serialNumber: 'SN-R', model: 'M1' },
        ],
        ['POST', `/accounts/${account.accountId}/devices/till-sec/api-token`],
        ['DELETE', `/accounts/${account.accountId}/devices/till-sec`],
        ['POST', '/app-keys', { name: 'Rogue key' }],
      ];
      for (const [method, path, body] of attempts) {
        const res = await admin<ErrorBody>(method, path, clerk.headers, body);
        expect([method, path, res.status, res.body]).toEqual([method, path, 403, forbidden]);
      }
      // Nothing happened: the account and its device are as they were, the old API token still works.
      expect(
        (await admin<AccountView>('GET', `/accounts/${account.accountId}`, tenant.adminHeaders)).body,
      ).toMatchObject({
        webhookUrl: null,
      });
      expect(
        (
          await http('GET', `${sys.gatewayUrl}/client/v1.0/devices/till-sec`, {
            headers: clientHeaders(tenant, account),
          })
        ).status,
      ).toBe(200);
      const users = expectStatus('users', await admin<UserView[]>('GET', '/users', tenant.adminHeaders), 200);
      expect(users.map((u) => u.username)).not.toContain('mallory');
    });

    it('lets a `user` read devices, accounts without secrets, the tenant and the request log', async () => {
      const accounts = expectStatus(
        'accounts',
        await admin<AccountView[]>('GET', '/accounts', clerk.headers),
        200,
      );
      expect(accounts.map((a) => a.accountId)).toContain(account.accountId);
      const one = expectStatus(
        'account',
        await admin<AccountView>('GET', `/accounts/${account.accountId}`, clerk.headers),
        200,
      );
      for (const a of [...accounts, one]) {
        expect(a).not.toHaveProperty('apiToken');
        expect(a).not.toHaveProperty('webhookSecret');
      }
      expect(JSON.stringify([accounts, one])).not.toContain(account.apiToken);
      expectStatus(
        'devices',
        await admin<DeviceAdminView[]>('GET', `/accounts/${account.accountId}/devices`, clerk.headers),
        200,
      );
      expectStatus(
        'device',
        await admin<DeviceAdminView>('GET', `/accounts/${account.accountId}/devices/till-sec`, clerk.headers),
        200,
      );
      expectStatus('tenant', await admin<TenantView>('GET', '/tenant', clerk.headers), 200);
      expectStatus('request log', await admin<RequestLog>('GET', '/requests', clerk.headers), 200);
    });

    it('keeps the role across a refresh (a refreshed `user` token is still only a `user`)', async () => {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: clerk.refreshToken,
      }).toString();
      const refreshed = expectStatus(
        'refresh',
        await http<TokenPair>('POST', `${sys.gatewayUrl}/auth/oauth/token`, {
          raw: form,
          contentType: 'application/x-www-form-urlencoded',
          headers: keyOnly(),
        }),
        200,
      );
      secrets.push(refreshed.access_token, refreshed.refresh_token);
      expect(jwtClaims(refreshed.access_token)).toMatchObject({ role: 'user' });
      const res = await admin(
        'POST',
        '/accounts',
        { ...keyOnly(), authorization: `Bearer ${refreshed.access_token}` },
        { name: 'Rogue again' },
      );
      expect(res.status).toBe(403);
    });

    it('documents the role of every admin operation in the OpenAPI document', async () => {
      const text = (await http<string>('GET', `${sys.adminUrl}/docs/admin/1.0/openapi.yaml`)).body;
      expect(text).toContain('x-cloudflow-role');
      expect(text).toContain('This operation needs the admin role');
    });
  });

  describe('item 9: APP-key garbage, headers, parser errors, duplicate keys, names', () => {
    /** What the gateway has published to NATS so far (monitoring /connz, by user). */
    async function gatewayPublished(): Promise<number> {
      const connz = (await (await fetch(`${sys.nats.monitorUrl}/connz?auth=1&limit=1000`)).json()) as {
        connections: Array<{ authorized_user?: string; in_msgs: number }>;
      };
      return connz.connections
        .filter((c) => c.authorized_user === 'gateway')
        .reduce((sum, c) => sum + c.in_msgs, 0);
    }

    it.each([
      ['a malformed key', 'not-a-key-at-all'],
      ['a well-formed unknown key', `cf_sbx_${'Z'.repeat(43)}`],
    ])('%s costs no NATS round trip per request', async (_what, key) => {
      const before = await gatewayPublished();
      for (let i = 0; i < 100; i++) {
        const res = await http<ErrorBody>('GET', `${sys.gatewayUrl}/dummyapi/status`, {
          headers: { 'api-key': key },
        });
        expect(res.body).toMatchObject({ error: 'Invalid APP key', errorCode: 'unauthorized' });
      }
      // Background traffic (usage reports, list reloads) is a handful; one verify per request would be 100.
      expect((await gatewayPublished()) - before).toBeLessThan(30);
    });

    it('puts security headers on every answer, no-store on credentials, HSTS behind TLS', async () => {
      const answers: Array<[string, HttpResult<unknown>]> = [
        ['status', await http('GET', `${sys.gatewayUrl}/dummyapi/status`, { headers: keyOnly() })],
        ['401', await http('GET', `${sys.gatewayUrl}/client/v1.0/devices`)],
        ['404', await http('GET', `${sys.gatewayUrl}/nope`)],
        [
          'client token',
          await http('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
            headers: clientHeaders(tenant, account),
          }),
        ],
        ['admin accounts', await admin('GET', '/accounts', tenant.adminHeaders)],
        ['health', await http('GET', `${sys.adminUrl}/healthz`)],
      ];
      for (const [what, res] of answers) {
        const h = Object.fromEntries(
          [
            'x-content-type-options',
            'x-frame-options',
            'content-security-policy',
            'cache-control',
            'strict-transport-security',
          ].map((n) => [n, res.headers.get(n)]),
        );
        expect([what, h]).toEqual([
          what,
          {
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
            'content-security-policy': "frame-ancestors 'none'",
            'cache-control': 'no-store',
            'strict-transport-security': null,
          },
        ]);
      }
      const behindTls = await http('GET', `${sys.gatewayUrl}/dummyapi/status`, {
        headers: { ...keyOnly(), 'x-forwarded-proto': 'https' },
      });
      expect(behindTls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    });

    it("answers Node's parser errors with the contract body (431 and 400)", async () => {
      const big = parseRawAnswer(
        await rawHttp(
          sys.gatewayUrl,
          `GET /dummyapi/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        ),
      );
      expect([big.status, big.body]).toEqual([
        431,
        { errorCode: 'invalidData', errorMessage: 'Request header fields are too large' },
      ]);
      for (const request of [
        'BR\u0001EW /dummyapi/status HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /admin/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'GET / HTTP/9.9\r\n\r\n',
      ]) {
        for (const url of [sys.gatewayUrl, sys.adminUrl]) {
          const bad = parseRawAnswer(await rawHttp(url, request));
          expect([JSON.stringify(request.slice(0, 20)), bad.status, bad.body]).toEqual([
            JSON.stringify(request.slice(0, 20)),
            400,
            { errorCode: 'failed', errorMessage: 'Malformed HTTP request' },
          ]);
          expect(bad.head).toMatch(/content-type: application\/json/i);
        }
      }
    });

    it('refuses a JSON body with a repeated key (422), on admin and on the gateway', async () => {
      const dup = await http<ErrorBody>('POST', `${sys.adminUrl}/admin/v1/accounts`, {
        raw: '{"name":"Harmless","name":"Other"}',
        headers: tenant.adminHeaders,
      });
      expect([dup.status, dup.body]).toEqual([
        422,
        { errorCode: 'invalidData', errorMessage: 'Invalid data: name: appears more than once' },
      ]);
      const nested = await http<ErrorBody>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
        raw: '{"type":"payment","target":"till-sec","payload":{"amounts":{"baseAmount":1,"baseAmount":100000}}}',
        headers: clientHeaders(tenant, account),
      });
      expect([nested.status, nested.body]).toEqual([
        422,
        {
          errorCode: 'invalidData',
          errorMessage: 'Invalid data: payload.amounts.baseAmount: appears more than once',
        },
      ]);
      const accounts = expectStatus(
        'accounts',
        await admin<AccountView[]>('GET', '/accounts', tenant.adminHeaders),
        200,
      );
      expect(accounts.map((a) => a.name)).not.toContain('Other');
    });

    it('refuses control and bidi-override characters in usernames and names (422)', async () => {
      const cases: Array<[string, string, unknown]> = [
        [
          '/admin/v1/users',
          'username',
          { username: 'admin\u202Etxt.exe', password: 'long-enough-1', timeZone: 'UTC' },
        ],
        [
          '/admin/v1/users',
          'username',
          { username: 'ad\u0000min', password: 'long-enough-1', timeZone: 'UTC' },
        ],
        [
          '/admin/v1/users',
          'name',
          { username: 'bob', name: 'Bob \u2066evil\u2069', password: 'long-enough-1', timeZone: 'UTC' },
        ],
        ['/admin/v1/accounts', 'name', { name: 'Till \u202E1' }],
      ];
      for (const [path, field, body] of cases) {
        const res = await http<ErrorBody>('POST', `${sys.adminUrl}${path}`, {
          body,
          headers: tenant.adminHeaders,
        });
        expect([path, res.status, res.body?.errorCode]).toEqual([path, 422, 'invalidData']);
        expect(res.body.errorMessage).toContain(`${field}:`);
      }
      const signup = await http<ErrorBody>('POST', `${sys.adminUrl}/portal/v1/signup`, {
        body: { name: 'Eve\u202E', email: 'eve-bidi@example.com', password: 'long-enough-1' },
      });
      expect([signup.status, signup.body?.errorCode]).toEqual([422, 'invalidData']);
    });

    it('refuses webhook URLs that tunnel to an internal IPv4 address (SSRF)', async () => {
      for (const host of [
        '[::a00:1]',
        '[::ffff:0:a00:1]',
        '[2002:a9fe:a9fe::1]',
        '[64:ff9b:1::a00:1]',
        '[64:ff9b::a9fe:a9fe]',
      ]) {
        const res = await admin<ErrorBody>('PATCH', `/accounts/${account.accountId}`, tenant.adminHeaders, {
          webhookUrl: `https://${host}/hook`,
        });
        expect([host, res.status, res.body?.errorCode]).toEqual([host, 422, 'invalidData']);
      }
      expect(
        (await admin<AccountView>('GET', `/accounts/${account.accountId}`, tenant.adminHeaders)).body,
      ).toMatchObject({
        webhookUrl: null,
      });
    });

    it('never writes a credential into a service log', async () => {
      // Give the hub an access_token in a query string to log, the way a websocket client sends it.
      const token = expectStatus(
        'ws token',
        await http<ConnectionCredentials>('GET', `${sys.gatewayUrl}/client/v1.0/token`, {
          headers: clientHeaders(tenant, account),
        }),
        200,
      );
      secrets.push(token.accessToken);
      await fetch(`${sys.hubs[0].url}/ws?access_token=${token.accessToken}`).catch(() => undefined);
      const logs = [sys.auth, sys.admin, ...sys.gateways, ...sys.hubs].map((s) => s.child.logs()).join('\n');
      expect(logs.length).toBeGreaterThan(0);
      for (const secret of secrets)
        expect(logs.includes(secret) ? secret.slice(0, 12) : 'absent').toBe('absent');
    });
  });
});
