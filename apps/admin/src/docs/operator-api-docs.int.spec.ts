import type { INestApplication } from '@nestjs/common';
import { registeredRoutes } from '@cloudflow/platform';
import { freePort, startNats, startPostgres, type NatsHandle, type PostgresHandle } from '@cloudflow/testing';
import { load } from 'js-yaml';
import { bootstrap } from '../bootstrap';
import { ADMIN_DOCS } from './admin-api-document';
import { OPERATOR_DOCS, OPERATOR_PREFIX } from './operator-api-document';
import { PORTAL_DOCS, PORTAL_PREFIX } from './portal-api-document';

interface Content {
  schema?: { $ref?: string; type?: string };
  example?: unknown;
}
interface Operation {
  summary?: string;
  security?: unknown;
  requestBody?: { content: Record<string, Content> };
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, Content> }>;
}
interface Doc {
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
}
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ route: `${m.toUpperCase()} ${path}`, op })),
  );

// The operator and portal documents and the usage endpoints (issue 16), from the admin service in this process.
describe('operator and portal API documents and the usage endpoints', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let app: INestApplication;
  let base: string;
  const yaml = async (path: string) => {
    const res = await fetch(`${base}${path}/openapi.yaml`);
    expect(res.status).toBe(200);
    return load(await res.text()) as Doc;
  };

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    const port = await freePort();
    app = await bootstrap({
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('operator_docs'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    base = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), pg?.stop()]);
  }, 30_000);

  it('names exactly the /operator/v1 routes, each with a summary, behind the operator token only', async () => {
    const doc = await yaml(OPERATOR_DOCS.path);
    expect(doc.info.title).toBe('CloudFlow Operator API');
    const registered = registeredRoutes(app)
      .filter((r) => r.split(' ')[1].startsWith(OPERATOR_PREFIX))
      .sort();
    expect(registered).toContain('GET /operator/v1/usage');
    expect(
      operations(doc)
        .map((o) => o.route)
        .sort(),
    ).toEqual(registered);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['operatorToken']);
    for (const { route, op } of operations(doc)) {
      expect({ route, security: op.security, summary: typeof op.summary }).toEqual({
        route,
        security: [{ operatorToken: [] }],
        summary: 'string',
      });
      expect({ route, has401: '401' in op.responses }).toEqual({ route, has401: true });
    }
  });

  it('documents the usage endpoints with JSON and CSV examples, query parameters and 422', async () => {
    const [operator, admin] = await Promise.all([yaml(OPERATOR_DOCS.path), yaml(ADMIN_DOCS.path)]);
    for (const [doc, path, params] of [
      [operator, '/operator/v1/usage', ['from', 'to', 'groupBy', 'developerId', 'keyId']],
      [admin, '/admin/v1/usage', ['from', 'to', 'groupBy']],
    ] as const) {
      const op = doc.paths[path].get;
      expect((op.parameters ?? []).map((p) => p.name).sort()).toEqual([...params].sort());
      const ok = op.responses['200'].content!;
      expect(ok['application/json'].schema?.$ref).toBe('#/components/schemas/UsageReportDto');
      expect(ok['application/json'].example).toMatchObject({
        rows: [expect.objectContaining({ paymentsSync: 300 })],
      });
      expect(String(ok['text/csv'].example)).toMatch(
        /^period,tenantId,developerId,email,keyId,keyName,keyKind,group,requests,paymentsSync,paymentsAsync\r\n/,
      );
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '422']));
      expect(Object.keys(doc.components.schemas.UsageReportDto.properties ?? {})).toEqual([
        'from',
        'to',
        'groupBy',
        'rows',
        'totals',
      ]);
    }
  });

  /** Every 2xx answer with a body names its schema: a generated client gets types, not `unknown`. */
  const bodiesDocumented = (doc: Doc) =>
    operations(doc).flatMap(({ route, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => status.startsWith('2') && status !== '204')
        .filter(([, res]) => !res.content?.['application/json']?.schema)
        .map(([status]) => `${route} ${status}`),
    );

  it('gives every operator answer a body schema and its 404s and 422s', async () => {
    const doc = await yaml(OPERATOR_DOCS.path);
    expect(bodiesDocumented(doc)).toEqual([]);
    const revoke = doc.paths['/operator/v1/keys/{keyId}/revoke'].post;
    expect(Object.keys(revoke.responses)).toEqual(expect.arrayContaining(['200', '401', '404', '422']));
    expect(revoke.responses['200'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/OperatorKeyDto',
    );
    expect(Object.keys(doc.components.schemas.OperatorKeyDto.properties ?? {})).toEqual(
      expect.arrayContaining(['keyId', 'status', 'groups', 'usedToday', 'email']),
    );
    expect((doc.paths['/operator/v1/keys'].get.parameters ?? []).map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:email',
    ]);
  });

  it('documents the portal: exactly the /portal/v1 routes, the session on all but sign-up and log-in, every body', async () => {
    const doc = await yaml(PORTAL_DOCS.path);
    expect(doc.info.title).toBe('CloudFlow Developer Portal API');
    const registered = registeredRoutes(app)
      .filter((r) => r.split(' ')[1].startsWith(PORTAL_PREFIX))
      .sort();
    expect(registered).toContain('POST /portal/v1/app-key/reveal');
    expect(
      operations(doc)
        .map((o) => o.route)
        .sort(),
    ).toEqual(registered);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['portalSession']);
    for (const { route, op } of operations(doc)) {
      const open = route === 'POST /portal/v1/signup' || route === 'POST /portal/v1/login';
      expect({ route, security: op.security }).toEqual({
        route,
        security: open ? [] : [{ portalSession: [] }],
      });
      if (!open) expect({ route, has401: '401' in op.responses }).toEqual({ route, has401: true });
      if (route.startsWith('POST') && route !== 'POST /portal/v1/logout')
        expect({ route, body: op.requestBody?.content['application/json'].schema?.$ref }).toEqual({
          route,
          body: expect.stringMatching(/^#\/components\/schemas\/\w+Dto$/) as unknown,
        });
    }
    expect(bodiesDocumented(doc)).toEqual([]);
    expect(Object.keys(doc.components.schemas.SignupDto.properties ?? {}).sort()).toEqual([
      'email',
      'name',
      'password',
    ]);
    expect(Object.keys(doc.components.schemas.SettingsDto.properties ?? {}).sort()).toEqual([
      'adminUser',
      'appKeys',
      'company',
      'developer',
    ]);
    expect(Object.keys(doc.paths['/portal/v1/login'].post.responses)).toEqual(
      expect.arrayContaining(['200', '401', '422', '429']),
    );
  });
});
