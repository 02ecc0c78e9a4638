// Every OpenAPI document the services serve, built from the compiled code (dist/) in Nest's
// preview mode: the module graph without NATS, Postgres or a port, so the build and the lint
// step can have the documents without starting anything. Each is exactly what the service
// serves at /docs/<group>/<version>/openapi.yaml (same builder, same serialisation).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function previewApp(service, build) {
  const require = createRequire(join(root, `dist/apps/${service}/src/main.js`));
  require('reflect-metadata');
  const { NestFactory } = require('@nestjs/core');
  const { loadConfig } = require('@cloudflow/platform');
  const { AppModule } = require('./app.module');
  return build(require, async (Config, env) => {
    const config = loadConfig(Config, { LOG_LEVEL: 'silent', ...env });
    return NestFactory.create(AppModule.forRoot(config), {
      preview: true,
      logger: false,
      abortOnError: false,
    });
  });
}

/** `[{ name: 'client-1.1', path: '/docs/client/1.1', document }, …]` for the gateway and admin. */
export async function openApiDocuments() {
  const out = [];
  await previewApp('gateway', async (require, create) => {
    const { GatewayConfig } = require('./gateway.config');
    const { buildApiDocuments, docsPath } = require('./docs/api-documents');
    const app = await create(GatewayConfig);
    for (const [spec, document] of buildApiDocuments(app))
      out.push({ name: `${spec.group}-${spec.version}`, path: docsPath(spec), document });
    await app.close().catch(() => undefined);
  });
  await previewApp('admin', async (require, create) => {
    const { AdminConfig } = require('./admin.config');
    const { ADMIN_DOCS, buildAdminApiDocument } = require('./docs/admin-api-document');
    const { OPERATOR_DOCS, buildOperatorApiDocument } = require('./docs/operator-api-document');
    const { PORTAL_DOCS, buildPortalApiDocument } = require('./docs/portal-api-document');
    const app = await create(AdminConfig);
    out.push({ name: 'admin-1.0', path: ADMIN_DOCS.path, document: buildAdminApiDocument(app) });
    out.push({ name: 'operator-1.0', path: OPERATOR_DOCS.path, document: buildOperatorApiDocument(app) });
    out.push({ name: 'portal-1.0', path: PORTAL_DOCS.path, document: buildPortalApiDocument(app) });
    await app.close().catch(() => undefined);
  });
  return out;
}

/** The serialisation the services use for …/openapi.yaml. */
export function toYaml(document) {
  const require = createRequire(join(root, 'dist/apps/gateway/src/main.js'));
  return require('js-yaml').dump(document, { noRefs: true, lineWidth: 120 });
}
