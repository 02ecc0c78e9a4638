import type { INestApplication } from '@nestjs/common';
import { serveApiDocument } from '@cloudflow/platform';
import { ADMIN_DOCS, buildAdminApiDocument } from './admin-api-document';

/** Swagger UI at /docs/admin/1.0 and the yaml at …/openapi.yaml, no APP key (CONTRACT.md §1). */
export function setupAdminApiDocs(app: INestApplication): void {
  serveApiDocument(
    app,
    ADMIN_DOCS.path,
    buildAdminApiDocument(app),
    `${ADMIN_DOCS.title} ${ADMIN_DOCS.version}`,
  );
}
