import type { ErrorBody } from '@cloudflow/contracts';
import { basicBearer, http, startSystem, type System } from '@cloudflow/testing';
import {
  ADMIN_RULES,
  CALLERS,
  concretePath,
  GATEWAY_RULES,
  type Caller,
  type MatrixIds,
  type Rule,
} from './authorization-matrix.rules';
import type { PortalLogin } from './support/bodies';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  deviceHeaders,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import { createUserRole } from './support/users';

/**
 * Issue 12's authorization matrix: every route the running gateway and admin hold (read from
 * their router, as each logs it at start) × every kind of caller, against the rules table
 * beside this spec. A route without a rule fails, and so does a rule without a route.
 */
jest.setTimeout(120_000);

type Family = 'client' | 'device' | 'admin' | 'portal' | 'other';

function familyOf(pattern: string): Family {
  if (pattern.startsWith('/client/')) return 'client';
  if (pattern.startsWith('/device/')) return 'device';
  if (pattern.startsWith('/portal/v1/')) return 'portal';
  if (pattern.startsWith('/admin/')) return 'admin';
  return 'other';
}

/** The route table a service logged at start (`{"msg":"routes","routes":[…]}`). */
function loggedRoutes(logs: string): string[] {
  for (const line of logs.split('\n')) {
    if (!line.includes('"msg":"routes"')) continue;
    return (JSON.parse(line) as { routes: string[] }).routes;
  }
  throw new Error('the service logged no route table');
}

describe('Authorization matrix: every route × every caller (issue 12)', () => {
  let sys: System;
  let a: Tenant;
  let b: Tenant;
  let a1: Account;
  let a2: Account;
  let b1: Account;
  let tillA1: Device;
  let tillB1: Device;
  let ids: MatrixIds;
  let userHeaders: Record<string, string>;
  const unknownKey = `cf_sbx_${'Q'.repeat(43)}`;

  beforeAll(async () => {
    sys = await startSystem({ env: { SANDBOX_USAGE_LIMIT_PER_DAY: '100000' } });
    [a, b] = await Promise.all([createTenant(sys, 'Matrix A'), createTenant(sys, 'Matrix B')]);
    // Webhook URLs, so an async request gets past "no webhook URL" to the target's ownership.
    const webhookUrl = 'http://127.0.0.1:9/matrix-hook';
    [a1, a2, b1] = await Promise.all([
      createAccount(sys, a, { accountId: 'pos-a1', name: 'Account A1', webhookUrl }),
      createAccount(sys, a, { accountId: 'pos-a2', name: 'Account A2', webhookUrl }),
      createAccount(sys, b, { accountId: 'pos-b1', name: 'Account B1', webhookUrl }),
    ]);
    await createAccount(sys, a, { accountId: 'pos-spare', name: 'Spare' });
    [tillA1, tillB1] = await Promise.all([
      createDevice(sys, a, a1.accountId, {
        referenceId: 'till-a1',
        serialNumber: 'SN-MATRIX-A1',
        model: 'M1',
      }),
      createDevice(sys, b, b1.accountId, {
        referenceId: 'till-b1',
        serialNumber: 'SN-MATRIX-B1',
        model: 'M1',
      }),
    ]);
    userHeaders = (await createUserRole(sys, a)).headers;
    ids = {
      accountId: a1.accountId,
      spareAccountId: 'pos-spare',
      developerEmail: a.developer.email,
      developerPassword: a.developer.password,
      adminUsername: a.admin.username,
      adminPassword: a.admin.password,
    };
  }, 180_000);

  afterAll(async () => sys?.stop());

  /** The headers of one caller, for a route of one family. */
  function headersOf(caller: Caller, family: Family): Record<string, string> {
    const key = { 'api-key': a.appKey };
    switch (caller) {
      case 'noKey':
        return {};
      case 'invalidKey':
        return { ...clientHeaders(a, a1), 'api-key': unknownKey };
      case 'otherTenant':
        if (family === 'client') return clientHeaders(a, b1);
        if (family === 'device') return deviceHeaders(a, tillB1);
        if (family === 'portal') return { authorization: `Bearer ${b.session}` };
        return { ...key, authorization: `Bearer ${b.accessToken}` };
      case 'otherAccount':
        return clientHeaders(a, a2);
      case 'user':
        return userHeaders;
      case 'admin':
        return a.adminHeaders;
      case 'operator':
        return { authorization: `Bearer ${sys.operatorToken}` };
      case 'account':
        return clientHeaders(a, a1);
      case 'device':
        return deviceHeaders(a, tillA1);
      case 'portal':
        return { authorization: `Bearer ${a.session}` };
    }
  }

  async function portalSession(t: Tenant): Promise<string> {
    const res = await http<PortalLogin>('POST', `${sys.adminUrl}/portal/v1/login`, {
      body: t.developer,
    });
    expect(res.status).toBe(200);
    return res.body.sessionToken;
  }

  async function run(
    service: 'gateway' | 'admin',
    baseUrl: string,
    logs: string,
    rules: Record<string, Rule>,
  ): Promise<void> {
    const routes = loggedRoutes(logs);
    expect(routes.length).toBeGreaterThan(10);
    // The table and the router agree: nothing unruled, nothing stale.
    expect({ service, withoutRule: routes.filter((r) => !(r in rules)) }).toEqual({
      service,
      withoutRule: [],
    });
    expect({ service, withoutRoute: Object.keys(rules).filter((r) => !routes.includes(r)) }).toEqual({
      service,
      withoutRoute: [],
    });
    const wrong: string[] = [];
    for (const route of routes) {
      const rule = rules[route];
      const [method, pattern] = route.split(' ');
      const path = rule.path ? rule.path(ids) : concretePath(pattern, ids);
      // Log-out revokes the session it is given: spend fresh ones, not the ones later routes use.
      const sessions = rule.endsPortalSession
        ? { a: await portalSession(a), b: await portalSession(b) }
        : undefined;
      for (const caller of CALLERS) {
        let headers = headersOf(caller, familyOf(pattern));
        if (sessions && caller === 'portal') headers = { authorization: `Bearer ${sessions.a}` };
        if (sessions && caller === 'otherTenant') headers = { authorization: `Bearer ${sessions.b}` };
        const body = rule.body?.(caller, ids);
        const form = rule.form?.(ids);
        // Whatever the route answers; a refusal carries the contract's error body.
        const res =
          form !== undefined
            ? await http<Partial<ErrorBody> | undefined>(method, `${baseUrl}${path}`, {
                headers,
                raw: form,
                contentType: 'application/x-www-form-urlencoded',
              })
            : await http<Partial<ErrorBody> | undefined>(method, `${baseUrl}${path}`, { headers, body });
        if (res.status !== rule.expect[caller])
          wrong.push(
            `${route} as ${caller}: expected ${rule.expect[caller]}, got ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
          );
        // Every refusal has the contract's body.
        if (res.status >= 400) expect(typeof res.body?.errorCode).toBe('string');
      }
    }
    expect(wrong).toEqual([]);
  }

  it('gateway: every route answers every caller as its rule says', async () => {
    await run('gateway', sys.gatewayUrl, sys.gateways[0].child.logs(), GATEWAY_RULES);
  });

  it('admin: every route answers every caller as its rule says', async () => {
    await run('admin', sys.adminUrl, sys.admin.child.logs(), ADMIN_RULES);
  });

  it('the credentials the matrix uses are the real thing (a sanity check of the set-up)', async () => {
    expect(
      (await http('GET', `${sys.gatewayUrl}/client/v1.0/devices/till-a1`, { headers: clientHeaders(a, a1) }))
        .status,
    ).toBe(200);
    expect(
      (
        await http('GET', `${sys.gatewayUrl}/client/v1.0/devices/till-b1`, {
          headers: {
            'api-key': b.appKey,
            authorization: basicBearer({ accountId: b1.accountId, apiToken: b1.apiToken }),
          },
        })
      ).status,
    ).toBe(200);
  });
});
