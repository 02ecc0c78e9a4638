import type { INestApplication } from '@nestjs/common';
import { registeredRoutes } from '@cloudflow/platform';
import { freePort, startNats, startPostgres, type NatsHandle, type PostgresHandle } from '@cloudflow/testing';
import { load } from 'js-yaml';
import { bootstrap } from '../bootstrap';
import { ADMIN_DOCS, ADMIN_PREFIX } from './admin-api-document';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface Operation {
  security?: unknown;
  requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
  responses: Record<
    string,
    {
      content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: unknown }> }>;
    }
  >;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  security?: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
}
const operations = (doc: OpenApiDoc) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ route: `${m.toUpperCase()} ${path}`, op })),
  );

// The admin service in this process on a real NATS and Postgres; the document needs no other service.
describe('admin API document', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let app: INestApplication;
  let base: string;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    const port = await freePort();
    app = await bootstrap({
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('admin_docs'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}${ADMIN_DOCS.path}/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    doc = load(await res.text()) as OpenApiDoc;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), pg?.stop()]);
  }, 30_000);

  it('serves the yaml and the same JSON without an APP key', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'CloudFlow Admin API', version: '1.0' });
    expect(await (await fetch(`${base}${ADMIN_DOCS.path}/openapi.json`)).json()).toEqual(doc);
  });

  it('names exactly the /admin/v1 routes Nest registered, and no portal, operator or health route', () => {
    const registered = registeredRoutes(app)
      .filter((r) => r.split(' ')[1].startsWith(ADMIN_PREFIX))
      .sort();
    expect(registered).toEqual(
      expect.arrayContaining([
        'GET /admin/v1/tenant',
        'POST /admin/v1/accounts',
        'POST /admin/v1/accounts/{accountId}/devices',
      ]),
    );
    const documented = operations(doc)
      .map((o) => o.route)
      .sort();
    expect(documented).toEqual(registered);
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith(ADMIN_PREFIX))).toEqual([]);
  });

  it('requires both auth layers on every route and documents what they answer', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminBearer', 'api-key']);
    expect(doc.components.securitySchemes['api-key']).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'api-key',
    });
    expect(doc.components.securitySchemes.adminBearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.components.schemas.ErrorBodyDto.required).toEqual(['errorCode', 'errorMessage']);
    for (const { route, op } of operations(doc)) {
      expect({ route, security: op.security }).toEqual({
        route,
        security: [{ 'api-key': [], adminBearer: [] }],
      });
      const unauthorized = op.responses['401']?.content?.['application/json'];
      expect({ route, schema: unauthorized?.schema?.$ref }).toEqual({
        route,
        schema: '#/components/schemas/ErrorBodyDto',
      });
      const examples = Object.values(unauthorized?.examples ?? {}).map((e) => e.value);
      expect(examples).toEqual(
        expect.arrayContaining([
          {
            error: 'Authorization field missing',
            errorCode: 'unauthorized',
            errorMessage: 'Authorization field missing',
          },
          { errorCode: 'unauthorized', errorMessage: 'Missing or invalid Authorization bearer token' },
        ]),
      );
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['403', '429']));
    }
  });

  it('documents request bodies, path parameters and answers from the DTOs', () => {
    const create = doc.paths['/admin/v1/accounts'].post;
    expect(create.requestBody?.content['application/json'].schema?.$ref).toBe(
      '#/components/schemas/CreateAccountDto',
    );
    expect(doc.components.schemas.CreateAccountDto.required).toEqual(['name']);
    expect(create.responses['201'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/NewAccountDto',
    );
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '401', '403', '409', '422']),
    );
    const device = doc.paths['/admin/v1/accounts/{accountId}/devices/{referenceId}'].patch as Operation & {
      parameters: { name: string; in: string }[];
    };
    expect(device.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:accountId',
      'path:referenceId',
    ]);
    expect(Object.keys(doc.components.schemas.UpdateDeviceDto.properties ?? {}).sort()).toEqual([
      'enabled',
      'location',
      'name',
      'simulation',
    ]);
    expect(doc.components.schemas.CreateDeviceDto.properties).toHaveProperty('simulated');
    expect(doc.components.schemas.SimulationSettingsDto.properties?.behaviour).toMatchObject({
      enum: ['approve', 'decline', 'silent', 'drop', 'late'],
    });
    expect(
      doc.paths['/admin/v1/tenant'].get.responses['200'].content?.['application/json'].schema?.$ref,
    ).toBe('#/components/schemas/TenantDto');
    // Users and the request log (issue 13: the SDK's documents must be complete).
    const users = doc.paths['/admin/v1/users'];
    expect(users.post.requestBody?.content['application/json'].schema?.$ref).toBe(
      '#/components/schemas/CreateUserDto',
    );
    expect(Object.keys(doc.components.schemas.CreateUserDto.properties ?? {}).sort()).toEqual([
      'email',
      'name',
      'password',
      'pin',
      'timeZone',
      'username',
    ]);
    expect(users.post.responses['201'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/UserDto',
    );
    expect(Object.keys(users.post.responses)).toEqual(expect.arrayContaining(['201', '403', '409', '422']));
    expect(users.get.responses['200'].content?.['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/UserDto' },
    });
    const log = doc.paths['/admin/v1/requests'].get as Operation & {
      parameters: { name: string; in: string }[];
    };
    expect(log.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'query:accountId',
      'query:limit',
      'query:status',
      'query:target',
    ]);
    expect(log.responses['200'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/RequestLogDto',
    );
    expect(Object.keys(doc.components.schemas.RequestLogEntryDto.properties ?? {})).toEqual(
      expect.arrayContaining(['requestId', 'status', 'messages', 'result', 'deliveries']),
    );
  });

  it('serves the Swagger UI page without an APP key', async () => {
    const page = await fetch(`${base}${ADMIN_DOCS.path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>CloudFlow Admin API 1.0</title>');
    expect((await fetch(`${base}${ADMIN_DOCS.path}/swagger-ui-init.js`)).status).toBe(200);
    expect((await fetch(`${base}${ADMIN_DOCS.path}/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
