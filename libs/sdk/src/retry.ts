/** How the SDK retries an answer that says "not now": 429 (rate or usage limit) and 503 (overloaded, draining). */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  maxAttempts: number;
  /** Never wait longer than this between attempts, whatever Retry-After says (default 10 s). */
  maxDelayMs: number;
  /** Without a Retry-After: base × 2^(attempt − 1), with full jitter (default 250 ms). */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, maxDelayMs: 10_000, baseDelayMs: 250 };

const RETRIED = new Set([429, 503]);

/**
 * Milliseconds a `Retry-After` header asks for (RFC 9110 §10.2.3: delta-seconds or an HTTP date),
 * or undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Whether and how long to wait before attempt `attempt + 1` after `status`. A daily usage limit
 * (Retry-After beyond maxDelayMs) is not waited out: the caller gets the 429.
 */
export function retryDelay(
  status: number,
  retryAfter: string | null,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (!RETRIED.has(status) || attempt >= policy.maxAttempts) return undefined;
  const asked = retryAfterMs(retryAfter);
  if (asked !== undefined) return asked <= policy.maxDelayMs ? asked : undefined;
  return Math.min(policy.maxDelayMs, Math.round(random() * policy.baseDelayMs * 2 ** (attempt - 1)));
}

/**
 * A fetch that resends the same request (same method, headers and body, so the same requestId)
 * while the answer is 429/503 and the policy allows. Safe for `POST /requests` because the
 * gateway refuses those answers before dispatching anything, and a repeated requestId is
 * idempotent anyway.
 */
export function retryingFetch(policy: RetryPolicy, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    // A Request's body can be read once: keep a copy for every attempt.
    const template = input instanceof Request ? input : new Request(input, init);
    const body = template.body ? await template.arrayBuffer() : undefined;
    for (let attempt = 1; ; attempt++) {
      const res = await base(new Request(template, body !== undefined ? { body } : {}));
      const wait = retryDelay(res.status, res.headers.get('retry-after'), attempt, policy);
      if (wait === undefined) return res;
      await res.arrayBuffer().catch(() => undefined);
      await new Promise((r) => setTimeout(r, wait));
    }
  };
}
