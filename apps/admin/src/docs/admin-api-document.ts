import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ResponsesObject,
} from '@nestjs/swagger';
import {
  appKeyError,
  ERROR_HTTP_STATUS,
  ErrorCode,
  type ErrorBody,
  type UserRole,
} from '@cloudflow/contracts';
import { subDocument } from '@cloudflow/platform';
import { ADMIN_AUTH_ERRORS, ADMIN_SECURITY } from '../admin-api/admin-api.docs';
import { requiredRole, ROLE_EXTENSION, ROLE_FORBIDDEN } from '../admin-api/admin-role';
import { ADMIN_SERVICE_SERVERS } from './admin-servers';

export const ADMIN_DOCS = {
  group: 'admin',
  version: '1.0',
  title: 'CloudFlow Admin API',
  path: '/docs/admin/1.0',
} as const;

/** Routes under this prefix are the admin API; portal, operator and health routes are not. */
export const ADMIN_PREFIX = '/admin/v1/';

const DESCRIPTION = `The API of a business's administrators (CONTRACT.md §9): accounts (POS integrations), their
devices, users and the request log, always inside the caller's own tenant (ids of other tenants are 404).

Every request carries two headers: \`api-key\` (your APP key, from the developer portal › Settings) and
\`Authorization: Bearer <access_token>\`, the token \`POST /auth/oauth/token\` on the gateway issues to your
admin user (password grant). All fields and ids are **case sensitive**; JSON everywhere, UTF-8.

**Roles.** The access token carries the user's \`role\`. The business's admin user (made in the portal)
has \`admin\` and may do everything; users made with \`POST /admin/v1/users\` have \`user\` and may only read:
the tenant profile, accounts (never their API token or webhook secret, which only their create and rotate
answers show), devices and the request log. Anything else answers a \`user\` 403 \`forbidden\`
"${ROLE_FORBIDDEN}". Each operation names its role (also as \`${ROLE_EXTENSION}\`).

Every error has the body \`{"errorCode": "…", "errorMessage": "…"}\`; APP-key errors also carry the
seed's \`error\` field.

Download this document: [openapi.yaml](${ADMIN_DOCS.path}/openapi.yaml).`;

const BOTH_LAYERS = [{ [ADMIN_SECURITY.appKey]: [], [ADMIN_SECURITY.bearer]: [] }];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Scans the admin controllers and keeps the /admin/v1 routes. */
export function buildAdminApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(ADMIN_DOCS.title)
    .setVersion(ADMIN_DOCS.version)
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'api-key',
        description: 'Your APP key (developer portal › Settings).',
      },
      ADMIN_SECURITY.appKey,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          "The access_token of your business's admin user, from `POST /auth/oauth/token` on the gateway.",
      },
      ADMIN_SECURITY.bearer,
    );
  const base = SwaggerModule.createDocument(app, builder.build());
  for (const [path, item] of Object.entries(base.paths)) {
    if (!path.startsWith(ADMIN_PREFIX)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      withAuthLayers(operation);
      withRole(method, operation);
    }
  }
  return subDocument(base, {
    servers: ADMIN_SERVICE_SERVERS,
    tagDescriptions: {
      'Business profile': "The caller's business (tenant).",
      'APP keys': 'More named APP keys for a production tenant.',
      Users: "The business's users: admins and read-only users.",
      Accounts: 'CloudFlow accounts: one per POS integration, with its API token and webhook.',
      Devices: "An account's payment terminals and their API tokens.",
      Requests: 'The request log: every payment and its timeline.',
      Webhooks:
        "An account's webhook deliveries: secret rotation with an overlap, redelivery, the receiver's health (disabled after failing for days).",
      Usage: "The business's APP-key usage per day or month.",
    },
    title: ADMIN_DOCS.title,
    version: ADMIN_DOCS.version,
    description: DESCRIPTION,
    includes: (path) => path.startsWith(ADMIN_PREFIX),
  });
}

/**
 * A route whose controller documents nothing of its own still shows both auth layers and what
 * they answer: the guards apply to every admin route, documented or not.
 */
function withAuthLayers(operation: OperationObject): void {
  operation.security ??= BOTH_LAYERS;
  for (const [status, response] of Object.entries(authResponses())) {
    operation.responses[status] ??= response;
  }
}

/** The role the guard asks for (declared with @RequiresRole, else by method), written into the operation. */
function withRole(method: string, operation: OperationObject): void {
  const op = operation as OperationObject & Record<string, unknown>;
  const role = requiredRole(method, op[ROLE_EXTENSION] as UserRole | undefined);
  op[ROLE_EXTENSION] = role;
  const line = role === 'admin' ? 'Role: `admin` only.' : 'Role: `user` or `admin`.';
  operation.description = operation.description ? `${operation.description}\n\n${line}` : line;
  if (role !== 'admin') return;
  const value = { errorCode: ErrorCode.forbidden, errorMessage: ROLE_FORBIDDEN };
  const forbidden = (operation.responses['403'] ??= { description: '`forbidden`' }) as {
    description: string;
    content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }>;
  };
  forbidden.content ??= { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' } } };
  const json = (forbidden.content['application/json'] ??= {
    schema: { $ref: '#/components/schemas/ErrorBodyDto' },
  });
  json.examples = { ...json.examples, role: { summary: ROLE_FORBIDDEN, value } };
}

function authResponses(): ResponsesObject {
  const cases: [string, ErrorBody][] = [
    ...(
      ['missing', 'invalid', 'expired', 'groupDisallowed', 'endpointBlocked', 'usageExceeded'] as const
    ).map((problem): [string, ErrorBody] => [`appKey.${problem}`, appKeyError(problem).toBody()]),
    ...ADMIN_AUTH_ERRORS,
  ];
  const responses: ResponsesObject = {};
  for (const status of new Set(cases.map(([, body]) => ERROR_HTTP_STATUS[body.errorCode]))) {
    const mine = cases.filter(([, body]) => ERROR_HTTP_STATUS[body.errorCode] === status);
    responses[String(status)] = {
      description:
        [...new Set(mine.map(([, body]) => `\`${body.errorCode}\``))].join(', ') +
        ': APP key or access token refused',
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorBodyDto' },
          examples: Object.fromEntries(
            mine.map(([name, value]) => [name, { summary: value.errorMessage, value }]),
          ),
        },
      },
    };
  }
  return responses;
}
