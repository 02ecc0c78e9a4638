import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { serveApiDocument, subDocument } from '@cloudflow/platform';
import { PORTAL_SECURITY } from '../portal/portal.docs';
import { ADMIN_SERVICE_SERVERS } from './admin-servers';

export const PORTAL_DOCS = {
  version: '1.0',
  title: 'CloudFlow Developer Portal API',
  path: '/docs/portal/1.0',
} as const;

export const PORTAL_PREFIX = '/portal/v1/';

const DESCRIPTION = `The JSON API behind the developer portal (CONTRACT.md §10, the page at \`/portal/\`): sign up,
log in, reveal your APP key, create your business profile (company) and its admin user. It takes no APP key
(this is how you get one). Sign-up and log-in need nothing; every other route needs the session from log-in:
\`Authorization: Bearer <sessionToken>\`.

Download this document: [openapi.yaml](${PORTAL_DOCS.path}/openapi.yaml).`;

/** Scans the admin controllers and keeps the /portal/v1 routes. */
export function buildPortalApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(PORTAL_DOCS.title)
    .setVersion(PORTAL_DOCS.version)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'The `sessionToken` from `POST /portal/v1/login`.' },
      PORTAL_SECURITY,
    );
  const base = SwaggerModule.createDocument(app, builder.build());
  // Sign-up and log-in need nothing: said explicitly (`security: []`), not left out.
  for (const [path, item] of Object.entries(base.paths))
    if (path.startsWith(PORTAL_PREFIX))
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const)
        if (item[method]) item[method].security ??= [];
  return subDocument(base, {
    servers: ADMIN_SERVICE_SERVERS,
    tagDescriptions: {
      Account: 'Sign up and log in.',
      Settings: 'Your APP key, company and admin user, behind the portal session.',
    },
    title: PORTAL_DOCS.title,
    version: PORTAL_DOCS.version,
    description: DESCRIPTION,
    includes: (path) => path.startsWith(PORTAL_PREFIX),
  });
}

/** Swagger UI at /docs/portal/1.0 and the yaml at …/openapi.yaml. */
export function setupPortalApiDocs(app: INestApplication): void {
  serveApiDocument(
    app,
    PORTAL_DOCS.path,
    buildPortalApiDocument(app),
    `${PORTAL_DOCS.title} ${PORTAL_DOCS.version}`,
  );
}
