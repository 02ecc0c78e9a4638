import type { INestApplication } from '@nestjs/common';
import { serveApiDocument } from '@cloudflow/platform';
import { buildApiDocuments, docsPath } from './api-documents';
import { setupWebsocketDocs } from './websocket-docs';

/**
 * Serves every document without an APP key (CONTRACT.md §1): Swagger UI at
 * /docs/{group}/{version}, the yaml download at …/openapi.yaml and the same as JSON at
 * …/openapi.json, registered before Nest's own routes.
 */
export function setupApiDocs(app: INestApplication): void {
  for (const [spec, document] of buildApiDocuments(app))
    serveApiDocument(app, docsPath(spec), document, `${spec.title} ${spec.version}`);
  setupWebsocketDocs(app);
}
