import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { dump } from 'js-yaml';
import { buildApiDocuments, docsPath } from './api-documents';

/**
 * Serves every document without an APP key (CONTRACT.md §1): Swagger UI at
 * /docs/{group}/{version}, the yaml download at …/openapi.yaml (application/yaml) and the same
 * as JSON at …/openapi.json. These are plain HTTP routes, outside the controllers and their
 * guards, registered before Nest's own routes.
 */
export function setupApiDocs(app: INestApplication): void {
  for (const [spec, document] of buildApiDocuments(app)) {
    const path = docsPath(spec);
    const yaml = dump(document, { noRefs: true, lineWidth: 120 });
    app.getHttpAdapter().get(`${path}/openapi.yaml`, (_req: Request, res: Response) => {
      res.type('application/yaml').send(yaml);
    });
    SwaggerModule.setup(path, app, document, {
      raw: ['json'],
      jsonDocumentUrl: `${path}/openapi.json`,
      customSiteTitle: `${spec.title} ${spec.version}`,
      swaggerOptions: { persistAuthorization: false, displayOperationId: false, tryItOutEnabled: false },
    });
  }
}
