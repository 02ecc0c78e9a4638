import { load } from 'js-yaml';

/** One documented operation, with what the fuzz needs to build requests for it. */
export interface Operation {
  method: string;
  /** The templated path, e.g. `/admin/v1/accounts/{accountId}`. */
  path: string;
  /** Which document it came from (`client/1.1`), for the report. */
  doc: string;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema }>;
  /** Content type → schema of the request body; empty when it takes none. */
  bodies: Array<{ contentType: string; schema: Schema; example?: unknown }>;
  /** Security scheme names of its first requirement (`api-key`, `adminBearer`, `clientBearer`, …). */
  security: string[];
}

export interface Schema {
  type?: string;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  nullable?: boolean;
  example?: unknown;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

interface Document {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
  security?: Array<Record<string, string[]>>;
}
interface RawOperation {
  parameters?: Array<{ in: string; name: string; schema?: Schema }>;
  requestBody?: {
    content: Record<
      string,
      { schema?: Schema; examples?: Record<string, { value: unknown }>; example?: unknown }
    >;
  };
  security?: Array<Record<string, string[]>>;
  responses?: unknown;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Fetches each OpenAPI yaml the services serve and lists every operation once (a route in two documents counts once). */
export async function loadOperations(sources: Array<{ base: string; doc: string }>): Promise<Operation[]> {
  const seen = new Map<string, Operation>();
  for (const { base, doc } of sources) {
    const res = await fetch(`${base}/docs/${doc}/openapi.yaml`);
    if (!res.ok) throw new Error(`${base}/docs/${doc}/openapi.yaml: HTTP ${res.status}`);
    const document = load(await res.text()) as Document;
    const resolve = (schema: Schema | undefined, depth = 0): Schema =>
      resolveRefs(schema ?? {}, document, depth);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const raw = item[method];
        if (!raw?.responses) continue;
        const key = `${method.toUpperCase()} ${path}`;
        if (seen.has(key)) continue;
        const params = raw.parameters ?? [];
        seen.set(key, {
          method: method.toUpperCase(),
          path,
          doc,
          pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
          query: params
            .filter((p) => p.in === 'query')
            .map((p) => ({ name: p.name, schema: resolve(p.schema) })),
          bodies: Object.entries(raw.requestBody?.content ?? {}).map(([contentType, c]) => ({
            contentType,
            schema: resolve(c.schema),
            example: c.example ?? Object.values(c.examples ?? {})[0]?.value,
          })),
          security: Object.keys((raw.security ?? document.security ?? [{}])[0] ?? {}),
        });
      }
    }
  }
  return [...seen.values()];
}

function resolveRefs(schema: Schema, document: Document, depth: number): Schema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    return resolveRefs(document.components?.schemas?.[name] ?? {}, document, depth + 1);
  }
  const out: Schema = { ...schema };
  if (schema.allOf?.length)
    Object.assign(out, ...schema.allOf.map((s) => resolveRefs(s, document, depth + 1)));
  if (schema.properties)
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, resolveRefs(v, document, depth + 1)]),
    );
  if (schema.items) out.items = resolveRefs(schema.items, document, depth + 1);
  return out;
}

/** A value that satisfies the schema as far as the fuzz cares (the baseline each mutation starts from). */
export function sampleValue(schema: Schema, depth = 0): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (depth > 5) return null;
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sampleValue(v, depth + 1)]),
      );
    case 'array':
      return [sampleValue(schema.items ?? {}, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return schema.format === 'uuid'
        ? '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90'
        : schema.format === 'email'
          ? 'fuzz@example.com'
          : 'fuzz';
    default:
      return schema.properties ? sampleValue({ ...schema, type: 'object' }, depth) : 'fuzz';
  }
}
