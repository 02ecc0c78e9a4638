/**
 * Field names whose value is a secret wherever they sit in a log object (any depth, any
 * case): passwords and PINs, APP keys, API tokens, OAuth and websocket tokens, portal
 * sessions, webhook signing secrets, and the headers that carry any of them.
 */
const SECRET_KEYS = new Set(
  [
    'password',
    'pin',
    'appKey',
    'apiToken',
    'token',
    'webhookSecret',
    'secret',
    'refresh_token',
    'refreshToken',
    'access_token',
    'accessToken',
    'sessionToken',
    'authorization',
    'api-key',
    'cookie',
    'set-cookie',
  ].map((k) => k.toLowerCase()),
);

export const CENSOR = '[redacted]';
const MAX_DEPTH = 8;
/** `?access_token=…` / `&access_token=…` in a URL or a message (the websocket upgrade takes it there). */
const QUERY_TOKEN = /([?&](?:access_token|token|api-key|apiToken)=)[^&#\s"]*/gi;

/** `text` with any token in a query string replaced. */
export function redactText(text: string): string {
  return text.includes('=') ? text.replace(QUERY_TOKEN, `$1${CENSOR}`) : text;
}

/**
 * A copy of `value` with every secret field censored and query-string tokens removed from
 * strings; parts that need no change are shared, not copied. Errors are left to pino's
 * serializer (their message is not a place we put secrets).
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Error)
    return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item: unknown) => {
      const next = redactSecrets(item, depth + 1);
      changed ||= next !== item;
      return next;
    });
    return (changed ? out : value) as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const next =
      SECRET_KEYS.has(key.toLowerCase()) && item !== undefined && item !== null
        ? CENSOR
        : redactSecrets(item, depth + 1);
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return (out ?? value) as T;
}
