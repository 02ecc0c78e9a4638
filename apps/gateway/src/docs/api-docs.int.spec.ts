import type { INestApplication } from '@nestjs/common';
import { documentedRoutes, registeredRoutes } from '@cloudflow/platform';
import { freePort, startNats, startPostgres, type NatsHandle, type PostgresHandle } from '@cloudflow/testing';
import { Parser } from '@asyncapi/parser';
import { ACK_TYPE, EVENT_FRAME_TYPE, MESSAGE_TYPES } from '@cloudflow/contracts';
import { load } from 'js-yaml';
import { bootstrap } from '../bootstrap';
import { API_DOCUMENTS, belongsTo, docsPath } from './api-documents';
import { WEBSOCKET_DOCS_PATH } from './websocket-docs';

// Routes every process serves for operators, deliberately in no API document.
const OPERATIONAL = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics']);

interface Media {
  schema?: { $ref?: string };
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  security?: unknown;
  responses: Record<string, { content: Record<string, Media> }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { required?: string[] }>; securitySchemes: Record<string, unknown> };
}

// The gateway in this process on a real NATS and Postgres; the documents need no other service.
describe('gateway API documents', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    const port = await freePort();
    app = await bootstrap({
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('gateway_docs'),
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

  const fetchDoc = async (spec: (typeof API_DOCUMENTS)[number]) => {
    const res = await fetch(`${base}${docsPath(spec)}/openapi.yaml`);
    return { res, doc: load(await res.text()) as OpenApiDoc };
  };

  it.each(API_DOCUMENTS.map((spec) => [`${spec.group} ${spec.version}`, spec] as const))(
    'serves the %s yaml without an APP key',
    async (_name, spec) => {
      const { res, doc } = await fetchDoc(spec);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info).toMatchObject({ title: spec.title, version: spec.version });
      const json = await (await fetch(`${base}${docsPath(spec)}/openapi.json`)).json();
      expect(json).toEqual(doc);
    },
  );

  it('names exactly the routes Nest registered, each in the documents its prefix says', async () => {
    const registered = registeredRoutes(app).filter((r) => !r.split(' ')[1].startsWith('/docs/'));
    const api = registered.filter((r) => !OPERATIONAL.has(r));
    expect(api.length).toBeGreaterThanOrEqual(11);
    // A route no document claims would be invisible to integrators.
    const unclaimed = api.filter((r) => !API_DOCUMENTS.some((spec) => belongsTo(spec, r.split(' ')[1])));
    expect(unclaimed).toEqual([]);
    for (const spec of API_DOCUMENTS) {
      const { doc } = await fetchDoc(spec);
      const expected = api.filter((r) => belongsTo(spec, r.split(' ')[1])).sort();
      expect({ doc: `${spec.group} ${spec.version}`, routes: documentedRoutes(doc).sort() }).toEqual({
        doc: `${spec.group} ${spec.version}`,
        routes: expected,
      });
    }
  });

  it('keeps 1.1-only routes out of 1.0, and the shared APP-key routes in both client documents only', async () => {
    const routes = new Map<string, string[]>();
    for (const spec of API_DOCUMENTS)
      routes.set(`${spec.group} ${spec.version}`, documentedRoutes((await fetchDoc(spec)).doc));
    expect(routes.get('client 1.1')).toContain('GET /client/v1.1/devices/{referenceId}/connected');
    expect(routes.get('client 1.0')!.some((r) => r.endsWith('/connected'))).toBe(false);
    for (const doc of ['client 1.0', 'client 1.1'])
      expect(routes.get(doc)).toEqual(
        expect.arrayContaining(['GET /dummyapi/status', 'POST /auth/oauth/token']),
      );
    expect(routes.get('device 1.0')).toEqual(['GET /device/v1.0/devices/enrol']);
    expect(routes.get('device 1.1')).toEqual(['GET /device/v1.1/devices/enrol']);
  });

  it('documents both auth layers, the error schema and examples on every Client/Device route', async () => {
    for (const spec of API_DOCUMENTS) {
      const { doc } = await fetchDoc(spec);
      const bearer = spec.group === 'client' ? 'clientBearer' : 'deviceBearer';
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api-key', bearer].sort());
      expect(doc.components.securitySchemes['api-key']).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'api-key',
      });
      expect(doc.components.schemas.ErrorBodyDto.required).toEqual(['errorCode', 'errorMessage']);
      for (const [path, item] of Object.entries(doc.paths)) {
        if (!path.startsWith(spec.prefix)) continue;
        for (const op of Object.values(item)) {
          expect(op.security).toEqual([{ 'api-key': [], [bearer]: [] }]);
          expect(op.responses['200'].content['application/json'].schema).toBeDefined();
          expect(op.responses['401'].content['application/json'].schema?.$ref).toBe(
            '#/components/schemas/ErrorBodyDto',
          );
          expect(op.responses['401'].content['application/json'].examples?.bearer.value).toEqual({
            errorCode: 'unauthorized',
            errorMessage: 'Missing or invalid Authorization bearer token',
          });
        }
      }
    }
  });

  it('serves the Swagger UI pages without an APP key', async () => {
    for (const spec of API_DOCUMENTS) {
      const page = await fetch(`${base}${docsPath(spec)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain(`<title>${spec.title} ${spec.version}</title>`);
      const init = await fetch(`${base}${docsPath(spec)}/swagger-ui-init.js`);
      expect(init.status).toBe(200);
      expect(await init.text()).toContain(`${spec.prefix}`);
      expect((await fetch(`${base}${docsPath(spec)}/swagger-ui-bundle.js`)).status).toBe(200);
    }
  });

  describe('websocket protocol (AsyncAPI)', () => {
    it('serves a document the official AsyncAPI parser accepts without an error or a warning', async () => {
      const res = await fetch(`${base}${WEBSOCKET_DOCS_PATH}/asyncapi.yaml`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
      const text = await res.text();
      const { document, diagnostics } = await new Parser().parse(text);
      // Severity 0 is an error, 1 a warning; 2 and 3 are hints the parser gives even for its own examples.
      expect(
        diagnostics
          .filter((d) => Number(d.severity) <= 1)
          .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`),
      ).toEqual([]);
      expect(document).toBeDefined();
      const json = await (await fetch(`${base}${WEBSOCKET_DOCS_PATH}/asyncapi.json`)).json();
      expect(json).toEqual(load(text));
      const messages = document!
        .allMessages()
        .all()
        .map((m) => m.name());
      expect(messages.sort()).toEqual([...MESSAGE_TYPES, ACK_TYPE, EVENT_FRAME_TYPE].sort());
    });

    it('renders a view naming every frame type, with no script and a strict policy', async () => {
      const res = await fetch(`${base}${WEBSOCKET_DOCS_PATH}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      for (const type of MESSAGE_TYPES) expect(html).toContain(`<code>${type}</code>`);
      expect(html).not.toContain('<script');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    });
  });
});
