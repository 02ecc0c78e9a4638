import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { serveApiDocument, subDocument } from '@cloudflow/platform';
import { ADMIN_SERVICE_SERVERS } from './admin-servers';

export const OPERATOR_DOCS = {
  version: '1.0',
  title: 'CloudFlow Operator API',
  path: '/docs/operator/1.0',
} as const;

export const OPERATOR_PREFIX = '/operator/v1/';
export const OPERATOR_SECURITY = 'operatorToken';

const DESCRIPTION = `The platform operator's API (CONTRACT.md §11): developers and their APP keys, blocked
endpoints, and usage for invoicing. It takes no APP key: \`Authorization: Bearer <CLOUDFLOW_OPERATOR_TOKEN>\`
(\`npm start\` prints the one it uses) is its only credential; without it every route answers 401.

Download this document: [openapi.yaml](${OPERATOR_DOCS.path}/openapi.yaml).`;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const UNAUTHORIZED = {
  description: '`unauthorized`: no or a wrong operator token',
  content: {
    'application/json': {
      schema: { $ref: '#/components/schemas/ErrorBodyDto' },
      example: { errorCode: ErrorCode.unauthorized, errorMessage: 'Missing or invalid operator token' },
    },
  },
};

/** Scans the admin controllers and keeps the /operator/v1 routes, each behind the operator token. */
export function buildOperatorApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(OPERATOR_DOCS.title)
    .setVersion(OPERATOR_DOCS.version)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "The deployment's CLOUDFLOW_OPERATOR_TOKEN." },
      OPERATOR_SECURITY,
    );
  const base = SwaggerModule.createDocument(app, builder.build());
  for (const [path, item] of Object.entries(base.paths)) {
    if (!path.startsWith(OPERATOR_PREFIX)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.security = [{ [OPERATOR_SECURITY]: [] }];
      operation.responses['401'] ??= UNAUTHORIZED;
    }
  }
  return subDocument(base, {
    servers: ADMIN_SERVICE_SERVERS,
    tagDescriptions: {
      Developers: 'Developers who signed up on the portal, their tenant and kind.',
      'APP keys': 'Every APP key: revoke, expire, renew, limits and groups.',
      Tenants: "Per-tenant limits the operator sets: the ceiling on any one account's connection limit.",
      'Blocked endpoints': 'Method and path prefixes refused for every key.',
      Usage: 'Usage of every key for invoicing.',
    },
    title: OPERATOR_DOCS.title,
    version: OPERATOR_DOCS.version,
    description: DESCRIPTION,
    includes: (path) => path.startsWith(OPERATOR_PREFIX),
  });
}

/** Swagger UI at /docs/operator/1.0 and the yaml at …/openapi.yaml. */
export function setupOperatorApiDocs(app: INestApplication): void {
  serveApiDocument(
    app,
    OPERATOR_DOCS.path,
    buildOperatorApiDocument(app),
    `${OPERATOR_DOCS.title} ${OPERATOR_DOCS.version}`,
  );
}
