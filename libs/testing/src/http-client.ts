/**
 * A small fetch wrapper for tests: JSON in, status + JSON (or text) out. A caller that reads the
 * body names what it expects (`http<RequestView>(…)`, `http<ErrorBody>(…)`): the body is parsed
 * JSON, not checked against that type, so the test's assertions are still what check the shape.
 */
export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = unknown>(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string; contentType?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** The Client/Device API bearer: base64 of a JSON credential object. */
export function basicBearer(credential: Record<string, string>): string {
  return `Bearer ${Buffer.from(JSON.stringify(credential)).toString('base64')}`;
}
