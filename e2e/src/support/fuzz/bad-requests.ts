import type { Prng } from '@cloudflow/testing';
import { sampleValue, type Operation } from './openapi-operations';

/** A request exactly as it goes on the wire: the path already encoded, the body as bytes. */
export interface FuzzRequest {
  /** What was done to it, for the report (`body:deep`, `auth:bearer-not-json`, …). */
  label: string;
  op: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
}

/** Valid values the fuzz may put in: the test tenant's credentials and ids. */
export interface FuzzContext {
  headers: Record<string, Record<string, string>>; // security scheme → header
  ids: Record<string, string>; // path parameter → a real id
}

const ODD_SEGMENTS = [
  '',
  '%00',
  '..',
  '%2e%2e',
  '%2F',
  '%2f..%2f',
  '%',
  '%ZZ',
  '%C0%AE',
  '%ED%A0%80',
  '%FF%FE',
  '%F0%9F%92%A9',
  ';x=1',
  'a%20b',
  '~',
  'x'.repeat(300),
  '9'.repeat(5000),
  'TILL-7',
  'till-7%0d%0aX-Injected:%201',
  '%u0000',
  '__proto__',
  'constructor',
  '-1',
  '0',
  '1e309',
  '%E2%80%AE',
  'null',
  'undefined',
  '[]',
  '%7B%7D',
  '%5B%5D',
];

const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":1,}',
  '{"a":}',
  '[1,2',
  'NaN',
  'undefined',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '{"a":1} x',
  '\uFEFF{}',
  '',
  ' ',
  'null',
  'true',
  '0',
  '"string"',
  '[]',
  '[{}]',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '1e999',
  '-',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"a":"\\udc00\\ud800"}',
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json; boundary=',
  ';;;',
  'a'.repeat(2000),
];

/** Values of every JSON type but the one a field has (and some that break naive code). */
const WRONG_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -0,
  9007199254740993,
  '',
  ' ',
  'x',
  '0',
  'true',
  [],
  [null],
  {},
  { $gt: '' },
  { __proto__: { x: 1 } },
  '\u0000',
  '\ud800',
  '\u202e',
  '<script>',
  "'; DROP TABLE x; --",
  '../../etc/passwd',
  'x'.repeat(5000),
  ['a', 1, {}],
];

/** Bearers that are not what a scheme expects (CONTRACT.md: Client/Device bearer = base64 of a JSON credential). */
function badBearers(rng: Prng): string[] {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  return [
    'Bearer',
    'Bearer ',
    'Bearer !!!',
    'Bearer ====',
    'Basic abc',
    'bearer x',
    `Bearer ${b64('not json')}`,
    `Bearer ${b64('[]')}`,
    `Bearer ${b64('null')}`,
    `Bearer ${b64('{"accountId":1,"apiToken":{}}')}`,
    `Bearer ${b64('{"accountId":"a"}')}`,
    `Bearer ${b64('{"model":"m","serialNumber":"s","apiToken":"t"}')}`,
    `Bearer ${b64(Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]))}`,
    `Bearer ${b64(`{"accountId":"${'a'.repeat(10_000)}","apiToken":"x"}`)}`,
    `Bearer ${'A'.repeat(rng.int(1, 7000))}`,
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'Bearer a.b.c',
    `Bearer ${b64('{"__proto__":{"x":1}}')}`,
  ];
}

const BAD_APP_KEYS = ['', ' ', 'x', 'a'.repeat(4000), '\t', 'null', '%00', 'Bearer x', '../../'];

/** Deterministic: the same seed and operations give the same requests, in the same order. */
export function planRequests(ops: Operation[], ctx: FuzzContext, rng: Prng, count: number): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  for (let i = 0; i < count; i++) out.push(buildRequest(ops[i % ops.length], ctx, rng));
  return out;
}

function buildRequest(op: Operation, ctx: FuzzContext, rng: Prng): FuzzRequest {
  const labels: string[] = [];
  const headers: Record<string, string | string[]> = {};
  for (const scheme of op.security) Object.assign(headers, ctx.headers[scheme] ?? {});
  if (rng.chance(0.25)) labels.push(mutateAuth(op, headers, rng));

  // Real ids only on reads: a fuzzed POST/PATCH/DELETE on the test's own account could rotate or delete its credentials.
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (op.method === 'GET' && ctx.ids[name] && rng.chance(0.5)) return encodeURIComponent(ctx.ids[name]);
    labels.push(`path:${name}`);
    return rng.pick(ODD_SEGMENTS);
  });
  const query = buildQuery(op, rng, labels);

  let body: Buffer | undefined;
  const spec = op.bodies.length ? rng.pick(op.bodies) : undefined;
  if (spec || rng.chance(0.1)) {
    const built = buildBody(spec, rng);
    labels.push(built.label);
    body = built.body;
    if (built.contentType !== undefined) headers['content-type'] = built.contentType;
  }
  if (!labels.length) labels.push('query');
  return {
    label: labels.join(' '),
    op: `${op.method} ${op.path}`,
    method: op.method,
    path: `${path}${query}`,
    headers,
    body,
  };
}

function mutateAuth(op: Operation, headers: Record<string, string | string[]>, rng: Prng): string {
  switch (rng.int(0, 4)) {
    case 0:
      delete headers['api-key'];
      return 'auth:no-key';
    case 1:
      headers['api-key'] = rng.pick(BAD_APP_KEYS);
      return 'auth:bad-key';
    case 2:
      delete headers.authorization;
      return 'auth:no-bearer';
    case 3:
      headers.authorization = [String(headers.authorization ?? 'Bearer x'), 'Bearer y'];
      return 'auth:two-bearers';
    default:
      headers.authorization = rng.pick(badBearers(rng));
      return 'auth:bad-bearer';
  }
}

/** encodeURIComponent, except that a lone surrogate goes out as its WTF-8 bytes (which are not UTF-8). */
function encodeQuery(value: string): string {
  return value
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

function buildQuery(op: Operation, rng: Prng, labels: string[]): string {
  const parts: string[] = [];
  for (const q of op.query)
    if (rng.chance(0.5)) parts.push(`${q.name}=${encodeQuery(String(rng.pick(WRONG_VALUES)))}`);
  if (rng.chance(0.3)) {
    const name = op.query.length ? rng.pick(op.query).name : 'x';
    parts.push(`${name}=a`, `${name}=b`, `${name}[]=c`, `${name}[k]=d`);
    labels.push('query:repeated');
  }
  if (rng.chance(0.15)) {
    parts.push(
      rng.pick([
        '%',
        '%ZZ',
        '%00=%00',
        '__proto__[x]=1',
        'constructor[prototype][x]=1',
        `${'q'.repeat(3000)}=1`,
        '=',
        '&&&',
        'a=%ED%A0%80',
        'a=%FF',
      ]),
    );
    labels.push('query:odd');
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function buildBody(
  spec: Operation['bodies'][number] | undefined,
  rng: Prng,
): { label: string; body: Buffer; contentType?: string } {
  const baseline = spec?.example ?? (spec ? sampleValue(spec.schema) : {});
  const json = spec?.contentType ?? 'application/json';
  const asJson = (value: unknown) => Buffer.from(JSON.stringify(value));
  switch (rng.int(0, 11)) {
    case 0:
      return {
        label: 'body:wrong-type',
        body: asJson(replaceSomewhere(baseline, rng.pick(WRONG_VALUES), rng)),
        contentType: 'application/json',
      };
    case 1:
      return {
        label: 'body:missing-field',
        body: asJson(deleteSomewhere(baseline, rng)),
        contentType: 'application/json',
      };
    case 2:
      return {
        label: 'body:extra-field',
        body: asJson(addSomewhere(baseline, rng)),
        contentType: 'application/json',
      };
    case 3: {
      const size = rng.pick([60_000, 65_600, 70_000, 300_000, 2_000_000]);
      return {
        label: `body:huge-${size}`,
        body: asJson(replaceSomewhere(baseline, 'x'.repeat(size), rng)),
        contentType: 'application/json',
      };
    }
    case 4: {
      const depth = rng.pick([64, 1_000, 10_000, 30_000]);
      const [open, close] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      return {
        label: `body:deep-${depth}`,
        body: Buffer.from(`${open.repeat(depth)}1${close.repeat(depth)}`),
        contentType: 'application/json',
      };
    }
    case 5:
      return {
        label: 'body:nul',
        body: asJson(replaceSomewhere(baseline, rng.pick(['\u0000', 'a\u0000b', '\u0000'.repeat(100)]), rng)),
        contentType: 'application/json',
      };
    case 6: {
      // A lone surrogate as a JSON escape, and as raw bytes that are not UTF-8 at all.
      const text = JSON.stringify(replaceSomewhere(baseline, 'SURROGATE', rng));
      const bytes = rng.chance(0.5)
        ? Buffer.from(text.replace('"SURROGATE"', rng.pick(['"\\ud800"', '"\\udfff x"', '"a\\ud83d"'])))
        : Buffer.concat(
            text
              .split('SURROGATE')
              .flatMap((part, k) =>
                k ? [Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from(part)] : [Buffer.from(part)],
              ),
          );
      return { label: 'body:lone-surrogate', body: bytes, contentType: 'application/json' };
    }
    case 7:
      return { label: 'body:content-type', body: asJson(baseline), contentType: rng.pick(CONTENT_TYPES) };
    case 8:
      return { label: 'body:no-content-type', body: asJson(baseline), contentType: undefined };
    case 9:
      return {
        label: 'body:malformed',
        body: Buffer.from(rng.pick(MALFORMED_JSON)),
        contentType: 'application/json',
      };
    case 10:
      if (json === 'application/x-www-form-urlencoded') {
        const form = rng.pick([
          'grant_type=password&grant_type=refresh_token',
          'username=a&username=b&password=x&grant_type=password',
          'grant_type=%ED%A0%80',
          `password=${'x'.repeat(100_000)}`,
          '%%%',
          '&&=',
          'grant_type[]=password',
        ]);
        return { label: 'body:form', body: Buffer.from(form), contentType: json };
      }
      return {
        label: 'body:numbers',
        body: Buffer.from(
          JSON.stringify(replaceSomewhere(baseline, 'NUM', rng)).replace(
            '"NUM"',
            rng.pick(['1e309', '-0', '18446744073709551616', '0.1e-400', '1.0000000000000000000001']),
          ),
        ),
        contentType: 'application/json',
      };
    default:
      return {
        label: 'body:array-or-scalar',
        body: asJson(rng.pick([[baseline], 'x', 1, null, [] as unknown[]])),
        contentType: 'application/json',
      };
  }
}

/** Paths (key lists) to every value inside a JSON value. */
function pathsOf(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      if (out.length < 200) pathsOf(v, [...prefix, k], out);
    }
  }
  return out;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function at(root: unknown, path: string[]): Record<string, unknown> | undefined {
  let node = root as Record<string, unknown> | undefined;
  for (const k of path) node = node?.[k] as Record<string, unknown> | undefined;
  return node && typeof node === 'object' ? node : undefined;
}

function replaceSomewhere(value: unknown, replacement: unknown, rng: Prng): unknown {
  const copy = clone(value);
  const paths = pathsOf(copy);
  if (!paths.length) return replacement;
  const path = rng.pick(paths);
  const parent = at(copy, path.slice(0, -1));
  if (parent) parent[path[path.length - 1]] = replacement;
  return copy;
}

function deleteSomewhere(value: unknown, rng: Prng): unknown {
  const copy = clone(value);
  const paths = pathsOf(copy);
  if (!paths.length) return {};
  const path = rng.pick(paths);
  const parent = at(copy, path.slice(0, -1));
  if (parent) delete parent[path[path.length - 1]];
  return copy;
}

function addSomewhere(value: unknown, rng: Prng): unknown {
  const copy = clone(value) ?? {};
  const objects = [[], ...pathsOf(copy)]
    .map((p) => (p.length ? at(copy, p) : (copy as Record<string, unknown>)))
    .filter((o): o is Record<string, unknown> => !!o && !Array.isArray(o));
  const target = objects.length ? rng.pick(objects) : undefined;
  if (target)
    Object.defineProperty(
      target,
      rng.pick(['extra', '__proto__', 'constructor', 'tenantId', 'isAdmin', 'role', '', '\u0000']),
      { value: rng.pick(WRONG_VALUES), enumerable: true, configurable: true, writable: true },
    );
  return copy;
}
