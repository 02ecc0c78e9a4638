import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seconds a signature's timestamp may be away from now (replays older than this are refused). */
export const SIGNATURE_TOLERANCE_S = 300;

export type WebhookVerdict =
  { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifyOptions {
  /** The account's webhook secret; during a rotation both the new and the old one. */
  secrets: string | string[];
  /** The `CloudFlow-Signature` header: `t=<unix seconds>,v1=<hex>` (one or more `v1=`). */
  header: string | null | undefined;
  /** The raw request body exactly as received (not re-serialised JSON). */
  body: string | Buffer;
  toleranceS?: number;
  nowMs?: number;
}

/**
 * Checks a webhook's `CloudFlow-Signature` (CONTRACT.md §8): HMAC-SHA256 of `<t>.<raw body>`
 * under any of the secrets matches any `v1=` of the header (constant-time), and `t` is within
 * the tolerance of now.
 */
export function verifyWebhook(o: VerifyOptions): WebhookVerdict {
  if (!o.header) return { ok: false, reason: 'missing' };
  const parts = o.header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v))
    .map(([, v]) => Buffer.from(v, 'hex'));
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0)
    return { ok: false, reason: 'malformed' };
  const timestamp = Number(t);
  const now = (o.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - timestamp) > (o.toleranceS ?? SIGNATURE_TOLERANCE_S))
    return { ok: false, reason: 'stale' };
  const body = typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
  for (const secret of Array.isArray(o.secrets) ? o.secrets : [o.secrets]) {
    const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
    // Every candidate is compared, in constant time each: which one matched never shows in the timing.
    let matched = false;
    for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
    if (matched) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'mismatch' };
}
