/**
 * The authorization rules of every HTTP route of the gateway and the admin service (issue 12):
 * for each route the router holds, the status each kind of caller gets. The matrix spec reads
 * the route table from the running processes and fails on a route missing here (or a rule for
 * a route that no longer exists), so a new route cannot ship without deciding who may call it.
 */

/** Who calls. Every column is sent with the route's body; only its headers differ. */
export const CALLERS = [
  'noKey', // nothing at all
  'invalidKey', // a well-formed APP key nobody issued, plus a valid account bearer
  'otherTenant', // tenant A's APP key with tenant B's credential of the route's kind (B's admin token, account or device bearer, portal session)
  'otherAccount', // A's APP key with the bearer of A's second account
  'user', // A's APP key with the access token of a `user` of A
  'admin', // A's APP key with the access token of A's admin
  'operator', // the operator token, no APP key
  'account', // A's APP key with the bearer of A's first account (the owner of the devices used below)
  'device', // A's APP key with the bearer of A's device till-a1
  'portal', // A's developer portal session, no APP key
] as const;
export type Caller = (typeof CALLERS)[number];
export type Expected = Record<Caller, number>;

/** What a rule may use to build its request: ids made by the spec's set-up. */
export interface MatrixIds {
  accountId: string;
  spareAccountId: string;
  developerEmail: string;
  developerPassword: string;
  adminUsername: string;
  adminPassword: string;
}

export interface Rule {
  /** The concrete path; by default the pattern with `:referenceId` → till-a1 and so on. */
  path?: (ids: MatrixIds) => string;
  /** JSON body (per caller, for routes whose success creates something unique). */
  body?: (caller: Caller, ids: MatrixIds) => unknown;
  /** A form body (OAuth). */
  form?: (ids: MatrixIds) => string;
  /** The route ends the portal session it is called with: the portal callers get new sessions first. */
  endsPortalSession?: boolean;
  expect: Expected;
}

const all = (status: number): Expected => Object.fromEntries(CALLERS.map((c) => [c, status])) as Expected;

/** No credential needed: health, metrics, API documents, portal sign-up and log-in. */
const open = (status = 200): Expected => all(status);

/** Needs only an APP key (status check, OAuth): everyone with A's key gets `ok`. */
const keyOnly = (ok: number, over: Partial<Expected> = {}): Expected => ({
  ...all(ok),
  noKey: 401,
  invalidKey: 401,
  operator: 401,
  portal: 401,
  ...over,
});

/**
 * Client API: APP key + account bearer. The bearer alone picks the account: A's APP key with
 * B's account bearer reads B's data (the APP key is the developer's app, for usage and limits),
 * never A's (404, existence not revealed).
 */
const client = (own: number, otherTenant: number, otherAccount: number): Expected => ({
  ...all(401),
  account: own,
  otherTenant,
  otherAccount,
});

/** Device API: APP key + device bearer. */
const device = (own: number, otherTenant: number): Expected => ({ ...all(401), device: own, otherTenant });

/**
 * Admin API: APP key + admin access token of the key owner's business. B's token with A's key
 * is 403; a `user` gets `user` (reads) or 403 (changes, issue 12 item 4).
 */
const admin = (ok: number, user: number): Expected => ({ ...all(401), otherTenant: 403, admin: ok, user });

/** Portal JSON API behind a session: B's session reaches B's own things. */
const portal = (own: number, otherTenant: number): Expected => ({ ...all(401), portal: own, otherTenant });

/** Operator API: the operator token only. */
const operator = (ok: number): Expected => ({ ...all(401), operator: ok });

/**
 * The routes Swagger registers for one API document (UI, its files, the OpenAPI document): no
 * credential, for anyone. Swagger's own file list, spelled out so a new one still needs a rule.
 */
function docs(base: string, version: string): Record<string, Rule> {
  const files = [
    '',
    '/',
    `/${version}/swagger-ui-init.js`,
    '/index.html',
    '/openapi.json',
    '/openapi.yaml',
    '/swagger-ui-init.js',
  ];
  return {
    ...Object.fromEntries(files.map((f) => [`GET ${base}${f}`, { expect: open() }])),
    // Swagger registers it, but the installed swagger-ui-dist has no LICENSE file: 404 for everyone.
    [`GET ${base}/LICENSE`]: { expect: open(404) },
  };
}

const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';
const unique = (caller: string) => `${caller}-${Math.random().toString(36).slice(2, 8)}`;

export const GATEWAY_RULES: Record<string, Rule> = {
  'GET /healthz': { expect: open() },
  'GET /readyz': { expect: open() },
  'GET /metrics': { expect: open() },
  'GET /dummyapi/status': { expect: keyOnly(200) },
  'POST /auth/oauth/token': {
    form: (ids) =>
      new URLSearchParams({
        grant_type: 'password',
        username: ids.adminUsername,
        password: ids.adminPassword,
      }).toString(),
    expect: keyOnly(200),
  },
  'GET /client/v1.0/token': { expect: client(200, 200, 200) },
  'GET /client/v1.0/devices': { expect: client(200, 200, 200) },
  'GET /client/v1.0/devices/:referenceId': { expect: client(200, 404, 404) },
  'GET /client/v1.1/token': { expect: client(200, 200, 200) },
  'GET /client/v1.1/devices': { expect: client(200, 200, 200) },
  'GET /client/v1.1/devices/:referenceId': { expect: client(200, 404, 404) },
  'GET /client/v1.1/devices/:referenceId/connected': { expect: client(200, 404, 404) },
  // The device is not connected: 410 for its owner, 404 (not yours) for every other account.
  'POST /client/v1.1/requests': {
    body: () => ({
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId: crypto.randomUUID(),
      target: 'till-a1',
      payload: { id: 'p1', flowType: 'sale', amounts: { baseAmount: 100, currency: 'EUR' } },
    }),
    expect: client(410, 404, 404),
  },
  'GET /client/v1.1/requests/:requestId': {
    path: () => `/client/v1.1/requests/${NO_SUCH_UUID}`,
    expect: client(404, 404, 404),
  },
  'POST /client/v1.1/requests/:requestId/cancel': {
    path: () => `/client/v1.1/requests/${NO_SUCH_UUID}/cancel`,
    expect: client(404, 404, 404),
  },
  // Each account reads its own events: nobody else's can be named.
  'GET /client/v1.1/events': { expect: client(200, 200, 200) },
  'GET /device/v1.0/devices/enrol': { expect: device(200, 200) },
  'GET /device/v1.1/devices/enrol': { expect: device(200, 200) },
  ...docs('/docs/client/1.0', '1.0'),
  ...docs('/docs/client/1.1', '1.1'),
  ...docs('/docs/device/1.0', '1.0'),
  ...docs('/docs/device/1.1', '1.1'),
  // The websocket protocol's AsyncAPI document and its view.
  'GET /docs/websocket/1.1': { expect: open() },
  'GET /docs/websocket/1.1/asyncapi.yaml': { expect: open() },
  'GET /docs/websocket/1.1/asyncapi.json': { expect: open() },
};

export const ADMIN_RULES: Record<string, Rule> = {
  'GET /healthz': { expect: open() },
  'GET /readyz': { expect: open() },
  'GET /metrics': { expect: open() },
  'GET /portal': { expect: open() },
  'GET /portal/assets/:file': { path: () => '/portal/assets/portal.js', expect: open() },
  'POST /portal/v1/signup': {
    body: (c) => ({ name: 'Matrix dev', email: `${unique(c)}@example.com`, password: 'matrix-pass-1' }),
    expect: open(201),
  },
  // A's e-mail and password: whoever sends them gets a session, whatever else the request carries.
  'POST /portal/v1/login': {
    body: (_c, ids) => ({ email: ids.developerEmail, password: ids.developerPassword }),
    expect: open(200),
  },
  'GET /portal/v1/settings': { expect: portal(200, 200) },
  // Any valid session may end itself (B's too); the others never reach it.
  'POST /portal/v1/logout': { endsPortalSession: true, expect: portal(204, 204) },
  // A's password: right for A's session, wrong for B's.
  'POST /portal/v1/app-key/reveal': {
    body: (_c, ids) => ({ password: ids.developerPassword }),
    expect: portal(200, 401),
  },
  // Both developers already have their company and admin user.
  'POST /portal/v1/company': { body: () => ({ name: 'Second company' }), expect: portal(409, 409) },
  'POST /portal/v1/admin-user': {
    body: () => ({ username: 'second-admin', password: 'second-admin-pass', timeZone: 'UTC' }),
    expect: portal(409, 409),
  },
  'GET /admin/v1/tenant': { expect: admin(200, 200) },
  // Sandbox developers cannot create named keys: the admin passes every auth layer and gets the business rule's 403.
  'POST /admin/v1/app-keys': { body: () => ({ name: 'Matrix key' }), expect: admin(403, 403) },
  'GET /admin/v1/users': { expect: admin(200, 403) },
  'POST /admin/v1/users': {
    body: (c) => ({ username: unique(c), password: 'matrix-user-pass', timeZone: 'UTC' }),
    expect: admin(201, 403),
  },
  'GET /admin/v1/accounts': { expect: admin(200, 200) },
  'POST /admin/v1/accounts': { body: (c) => ({ name: `Matrix ${c}` }), expect: admin(201, 403) },
  'GET /admin/v1/accounts/:accountId': { expect: admin(200, 200) },
  'PATCH /admin/v1/accounts/:accountId': { body: () => ({ name: 'Account A1' }), expect: admin(200, 403) },
  // Destructive routes work on the spare account (deleted last) or on ids that do not exist.
  'DELETE /admin/v1/accounts/:accountId': {
    path: () => '/admin/v1/accounts/no-such-account',
    expect: admin(404, 403),
  },
  'POST /admin/v1/accounts/:accountId/api-token': {
    path: (ids) => `/admin/v1/accounts/${ids.spareAccountId}/api-token`,
    expect: admin(200, 403),
  },
  'GET /admin/v1/accounts/:accountId/devices': { expect: admin(200, 200) },
  'POST /admin/v1/accounts/:accountId/devices': {
    body: (c) => ({ referenceId: unique(c), serialNumber: unique('sn'), model: 'M1' }),
    expect: admin(201, 403),
  },
  'GET /admin/v1/accounts/:accountId/devices/:referenceId': { expect: admin(200, 200) },
  'PATCH /admin/v1/accounts/:accountId/devices/:referenceId': {
    body: () => ({ name: 'Till A1' }),
    expect: admin(200, 403),
  },
  'DELETE /admin/v1/accounts/:accountId/devices/:referenceId': {
    path: (ids) => `/admin/v1/accounts/${ids.accountId}/devices/no-such-device`,
    expect: admin(404, 403),
  },
  'POST /admin/v1/accounts/:accountId/devices/:referenceId/api-token': {
    path: (ids) => `/admin/v1/accounts/${ids.accountId}/devices/no-such-device/api-token`,
    expect: admin(404, 403),
  },
  // Webhook operations (issue 14): reads for every user, changes for admins.
  'POST /admin/v1/accounts/:accountId/webhook-secret': {
    path: (ids) => `/admin/v1/accounts/${ids.spareAccountId}/webhook-secret`,
    expect: admin(200, 403),
  },
  'GET /admin/v1/accounts/:accountId/webhook': { expect: admin(200, 200) },
  'POST /admin/v1/accounts/:accountId/webhook/enable': { expect: admin(200, 403) },
  'GET /admin/v1/accounts/:accountId/webhook-deliveries': { expect: admin(200, 200) },
  'POST /admin/v1/accounts/:accountId/webhook-deliveries/redeliver': { expect: admin(200, 403) },
  'POST /admin/v1/accounts/:accountId/webhook-deliveries/:deliveryId/redeliver': {
    path: (ids) => `/admin/v1/accounts/${ids.accountId}/webhook-deliveries/${NO_SUCH_UUID}/redeliver`,
    expect: admin(404, 403),
  },
  'GET /admin/v1/requests': { expect: admin(200, 200) },
  // Usage is billing data: the admin's, not every user's.
  'GET /admin/v1/usage': { expect: admin(200, 403) },
  'GET /portal/v1/usage': { expect: portal(200, 200) },
  'GET /operator/v1/usage': { expect: operator(200) },
  'GET /operator/v1/developers': { expect: operator(200) },
  'POST /operator/v1/developers/:developerId/production': {
    path: () => `/operator/v1/developers/${NO_SUCH_UUID}/production`,
    expect: operator(404),
  },
  'GET /operator/v1/keys': {
    path: (ids) => `/operator/v1/keys?email=${encodeURIComponent(ids.developerEmail)}`,
    expect: operator(200),
  },
  'POST /operator/v1/keys/:keyId/revoke': {
    path: () => `/operator/v1/keys/${NO_SUCH_UUID}/revoke`,
    expect: operator(404),
  },
  'POST /operator/v1/keys/:keyId/expire': {
    path: () => `/operator/v1/keys/${NO_SUCH_UUID}/expire`,
    expect: operator(404),
  },
  'POST /operator/v1/keys/:keyId/renew': {
    path: () => `/operator/v1/keys/${NO_SUCH_UUID}/renew`,
    expect: operator(404),
  },
  'PATCH /operator/v1/keys/:keyId': {
    path: () => `/operator/v1/keys/${NO_SUCH_UUID}`,
    body: () => ({ ratePerSecond: 5 }),
    expect: operator(404),
  },
  'GET /operator/v1/tenants/:tenantId/connection-ceiling': {
    path: () => `/operator/v1/tenants/${NO_SUCH_UUID}/connection-ceiling`,
    expect: operator(404),
  },
  'PUT /operator/v1/tenants/:tenantId/connection-ceiling': {
    path: () => `/operator/v1/tenants/${NO_SUCH_UUID}/connection-ceiling`,
    body: () => ({ connectionCeiling: 5 }),
    expect: operator(404),
  },
  'GET /operator/v1/blocked-endpoints': { expect: operator(200) },
  'POST /operator/v1/blocked-endpoints': {
    body: () => ({ method: 'GET', pathPrefix: '/matrix-nothing-lives-here' }),
    expect: operator(201),
  },
  'DELETE /operator/v1/blocked-endpoints/:id': {
    path: () => `/operator/v1/blocked-endpoints/${NO_SUCH_UUID}`,
    expect: operator(404),
  },
  ...docs('/docs/admin/1.0', '1.0'),
  ...docs('/docs/operator/1.0', '1.0'),
  ...docs('/docs/portal/1.0', '1.0'),
};

/** `/a/:accountId/b/:referenceId` with the spec's ids. */
export function concretePath(pattern: string, ids: MatrixIds): string {
  return pattern
    .replace(/:accountId/g, encodeURIComponent(ids.accountId))
    .replace(/:referenceId/g, 'till-a1');
}
