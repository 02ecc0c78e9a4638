import type { INestApplication } from '@nestjs/common';
import { registeredRoutes } from '@cloudflow/platform';
import { freePort, startNats, startPostgres, type NatsHandle, type PostgresHandle } from '@cloudflow/testing';
import { load } from 'js-yaml';
import { bootstrap } from '../bootstrap';
import { ADMIN_DOCS } from './admin-api-document';
import { OPERATOR_DOCS, OPERATOR_PREFIX } from './operator-api-document';

interface Content {
  schema?: { $ref?: string; type?: string };
  example?: unknown;
}
interface Operation {
  summary?: string;
  security?: unknown;
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

// The operator document and the usage endpoints of both documents (issue 16), from the admin service in this process.
describe('operator API document and the usage endpoints', () => {
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
});
