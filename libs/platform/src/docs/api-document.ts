import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { dump } from 'js-yaml';

export interface SubDocumentSpec {
  title: string;
  version: string;
  description: string;
  /** Whether an OpenAPI path (`/admin/v1/accounts/{accountId}`) belongs to the document. */
  includes(path: string): boolean;
  /** Where the API is served (the local `npm start` address; a deployment's is its own host). */
  servers: Array<{ url: string; description: string }>;
  /** A sentence for every tag the document's operations use (a tag without one is a lint error). */
  tagDescriptions: Record<string, string>;
}

/** The license every CloudFlow document states. */
export const API_LICENSE = {
  name: 'Proprietary: CloudFlow terms of service',
  url: 'https://cloudflow.example/terms',
};

/**
 * One published document cut from a scan of every controller: exactly its own paths, the
 * schemas they reference (directly or through other schemas), the security schemes and tags
 * they use. Routes of other audiences (portal, operator, health) never leak into it.
 */
export function subDocument(base: OpenAPIObject, spec: SubDocumentSpec): OpenAPIObject {
  const paths = Object.fromEntries(Object.entries(base.paths).filter(([path]) => spec.includes(path)));
  const used = JSON.stringify(paths) + JSON.stringify(base.security ?? []);
  const schemas = reachableSchemas(base.components?.schemas ?? {}, used);
  const securitySchemes = Object.fromEntries(
    Object.entries(base.components?.securitySchemes ?? {}).filter(([name]) => used.includes(`"${name}":[]`)),
  );
  const tags = [
    ...new Set(
      Object.values(paths).flatMap((item) =>
        Object.values(item).flatMap((op: { tags?: string[] }) => op?.tags ?? []),
      ),
    ),
  ];
  return {
    openapi: base.openapi,
    info: { title: spec.title, version: spec.version, description: spec.description, license: API_LICENSE },
    servers: spec.servers,
    ...(base.security ? { security: base.security } : {}),
    tags: tags.map((name) => ({ name, description: spec.tagDescriptions[name] ?? missingTag(name) })),
    paths,
    components: { schemas, securitySchemes },
  };
}

function missingTag(name: string): never {
  throw new Error(`OpenAPI tag '${name}' has no description: add it to the document's tagDescriptions`);
}

function reachableSchemas<S>(all: Record<string, S>, from: string): Record<string, S> {
  const keep = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    for (const [, name] of queue.pop()!.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (keep.has(name) || !(name in all)) continue;
      keep.add(name);
      queue.push(JSON.stringify(all[name]));
    }
  }
  return Object.fromEntries([...keep].sort().map((name) => [name, all[name]]));
}

/**
 * Serves a document without an APP key (CONTRACT.md §1): Swagger UI at `path`, the yaml at
 * `path/openapi.yaml` (application/yaml) and the same as JSON at `path/openapi.json`. Plain
 * HTTP routes outside the controllers and their guards.
 */
export function serveApiDocument(
  app: INestApplication,
  path: string,
  document: OpenAPIObject,
  siteTitle: string,
): void {
  const yaml = dump(document, { noRefs: true, lineWidth: 120 });
  app.getHttpAdapter().get(`${path}/openapi.yaml`, (_req: Request, res: Response) => {
    res.type('application/yaml').send(yaml);
  });
  SwaggerModule.setup(path, app, document, {
    raw: ['json'],
    jsonDocumentUrl: `${path}/openapi.json`,
    customSiteTitle: siteTitle,
    swaggerOptions: { persistAuthorization: false, displayOperationId: false, tryItOutEnabled: false },
  });
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * `GET /client/v1.1/devices/{referenceId}` for every route the app registered on express, in
 * OpenAPI path syntax: what a document's route list is checked against.
 */
export function registeredRoutes(app: INestApplication): string[] {
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } }).router.stack;
  return stack.flatMap((layer) => {
    if (!layer.route) return [];
    const { path, methods } = layer.route;
    const verbs = Object.keys(methods).filter((m) => methods[m] && m !== '_all');
    return (Array.isArray(path) ? path : [path]).flatMap((p) =>
      verbs.map((m) => `${m.toUpperCase()} ${p.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
  });
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `GET /path` for every operation a document names. */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}
