import { createHash } from 'node:crypto';

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
  return createHash('sha256').update(canonicalJson(maskPans(body))).digest('hex');
}

// Digit runs of 13 or more, optionally grouped by single spaces or dashes (how PANs are written). Longer runs
// are masked too: a PAN written next to other digits must not slip through. A run must start and end at a
// token boundary, so the all-digit groups of an id such as `8a4c1234-5678-9012-3456-…` are not a "PAN".
const PAN_LIKE = /(?<![A-Za-z0-9-])\d(?:[ -]?\d){12,}(?![A-Za-z0-9]|-[A-Za-z0-9])/g;
// Ids are uuids (CONTRACT.md §5); one whose hex digits happen to be all decimal must stay intact.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function maskDigits(run: string): string {
  const digits = run.replace(/\D/g, '');
  if (digits.length < 13) return run;
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}

/**
 * A copy with anything that looks like a card number masked to its last four digits, in
 * strings and in integer numbers alike. Applied to everything stored; never to what is relayed.
 */
export function maskPans<T>(value: T): T {
  return mask(value) as T;
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return UUID.test(value) ? value : value.replace(PAN_LIKE, maskDigits);
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value).toString().length >= 13) {
    const masked = maskDigits(Math.abs(value).toString());
    return masked.includes('*') ? masked : value;
  }
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mask(v)]));
  return value;
}
