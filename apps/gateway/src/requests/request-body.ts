import { maskPans } from '@cloudflow/contracts';
import { createHash } from 'node:crypto';

// The masking rule lives in contracts (the hubs mask before publishing too); re-exported for this app's callers.
export { maskPans };

/** JSON with object keys sorted at every level: equal bodies serialize equally, whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What decides "same body" for an idempotent replay. It hashes the PAN-masked body: a plain hash
 * of the clear body would let anyone holding the stored (masked) record brute-force the card
 * number's hidden digits against it. The cost: two bodies that differ only inside a masked card
 * number count as the same body.
 */
export function bodyHash(body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(maskPans(body)))
    .digest('hex');
}
