import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { subDocument } from '@cloudflow/platform';
import { addSecuritySchemes } from './security-schemes';
import { SHARED_OPERATIONS } from './shared-operations';

export interface ApiDocumentSpec {
  group: 'client' | 'device';
  version: '1.0' | '1.1';
  title: string;
  /** Routes under this prefix belong to the document. */
  prefix: string;
  /** Routes outside the prefix the document also names. */
  shared: string[];
}

const SHARED_CLIENT_PATHS = ['/dummyapi/status', '/auth/oauth/token'];

/** The documents of CONTRACT.md §1 (seed 001's table), one per API group and version. */
export const API_DOCUMENTS: readonly ApiDocumentSpec[] = [
  {
    group: 'client',
    version: '1.0',
    title: 'CloudFlow Client API',
    prefix: '/client/v1.0/',
    shared: SHARED_CLIENT_PATHS,
  },
  {
    group: 'client',
    version: '1.1',
    title: 'CloudFlow Client API',
    prefix: '/client/v1.1/',
    shared: SHARED_CLIENT_PATHS,
  },
  { group: 'device', version: '1.0', title: 'CloudFlow Device API', prefix: '/device/v1.0/', shared: [] },
  { group: 'device', version: '1.1', title: 'CloudFlow Device API', prefix: '/device/v1.1/', shared: [] },
];

export const docsPath = (spec: Pick<ApiDocumentSpec, 'group' | 'version'>) =>
  `/docs/${spec.group}/${spec.version}`;

/** Whether an OpenAPI path (`/client/v1.1/devices/{referenceId}`) belongs to a document. */
export function belongsTo(spec: ApiDocumentSpec, path: string): boolean {
  return path.startsWith(spec.prefix) || spec.shared.includes(path);
}

const INTRO = `All fields, ids, tokens and query values are **case sensitive**. JSON everywhere, UTF-8; times are
ISO-8601 UTC strings. Every request carries the \`api-key\` header (your APP key) and, for the Client
and Device APIs, an \`Authorization: Bearer\` header with the base64 of your JSON credentials.

Every error has the body \`{"errorCode": "…", "errorMessage": "…"}\`; APP-key errors also carry the
seed's \`error\` field.`;

const RELEASE_NOTES: Record<ApiDocumentSpec['version'], string> = {
  '1.0':
    '**1.0**: Client and Device REST API endpoints; bidirectional communication between clients and devices over websockets.',
  '1.1':
    '**1.1**: adds the device connection status endpoint to the Client API (and asynchronous requests over REST).',
};

/**
 * Scans the app's controllers once and cuts the result into one document per group and
 * version: each names exactly its own routes, the components they reference, and the
 * security schemes they use.
 */
export function buildApiDocuments(app: INestApplication): Map<ApiDocumentSpec, OpenAPIObject> {
  const base = SwaggerModule.createDocument(
    app,
    addSecuritySchemes(new DocumentBuilder().setTitle('CloudFlow').setVersion('1')).build(),
  );
  for (const [path, operations] of Object.entries(SHARED_OPERATIONS)) {
    const scanned = base.paths[path];
    if (!scanned) continue;
    for (const [method, operation] of Object.entries(operations)) {
      if (method in scanned) Object.assign(scanned, { [method]: operation });
    }
  }
  const documents = new Map<ApiDocumentSpec, OpenAPIObject>();
  for (const spec of API_DOCUMENTS) documents.set(spec, cut(base, spec));
  return documents;
}

const TAGS: Record<string, string> = {
  'APP key and OAuth': 'Check an APP key; OAuth 2.0 tokens for the admin API.',
  'Client API 1.0': "For POS software: websocket credentials and the account's devices.",
  'Client API 1.1':
    'For POS software: 1.0, plus device connection state and asynchronous payments with webhooks.',
  'Device API 1.0': 'For payment terminals: enrolment (the websocket credentials).',
  'Device API 1.1': 'For payment terminals: enrolment (the websocket credentials).',
};

function cut(base: OpenAPIObject, spec: ApiDocumentSpec): OpenAPIObject {
  return subDocument(base, {
    servers: [
      {
        url: '/',
        description:
          'The host that serves this document (the gateway; http://localhost:8080 under npm start)',
      },
    ],
    tagDescriptions: TAGS,
    title: spec.title,
    version: spec.version,
    description: `${INTRO}\n\n${RELEASE_NOTES[spec.version]}\n\nDownload this document: [openapi.yaml](${docsPath(spec)}/openapi.yaml).`,
    includes: (path) => belongsTo(spec, path),
  });
}
