// Digit runs of 13 or more, optionally grouped by single spaces or dashes (how PANs are written). Longer runs
// are masked too: a PAN written next to other digits must not slip through. A run must start and end at a
// token boundary, so the all-digit groups of an id such as `8a4c1234-5678-9012-3456-…` are not a "PAN".
const PAN_LIKE = /(?<![A-Za-z0-9-])\d(?:[ -]?\d){12,}(?![A-Za-z0-9]|-[A-Za-z0-9])/g;
// Any contiguous digit run long enough to hold a PAN, whatever surrounds it (track-2 `4111…D2512`, TLV hex
// `5A084111…`, `pan4111…`): inside such runs only Luhn-valid 13–19 digit windows are masked, because a
// token-bounded rule would miss them and masking every digit run there would eat hex ids and data.
const DIGIT_RUN = /\d{13,}/g;
// Ids are uuids (CONTRACT.md §5); one whose hex digits happen to be all decimal must stay intact.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cheap pre-check: a string without 13 digits in a row (ignoring single separators) has nothing to mask. */
const MAYBE = /\d(?:[ -]?\d){12}/;

function maskDigits(run: string): string {
  const digits = run.replace(/\D/g, '');
  if (digits.length < 13) return run;
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Masks every Luhn-valid 13–19 digit window of a digit run (longest first), keeping each window's last four. */
function maskLuhnWindows(run: string): string {
  const hidden = new Uint8Array(run.length);
  const found: Array<[number, number]> = [];
  for (let len = Math.min(19, run.length); len >= 13; len--) {
    for (let start = 0; start + len <= run.length; start++) {
      const end = start + len;
      if (found.some(([s, e]) => start >= s && end <= e)) continue;
      if (!luhnValid(run.slice(start, end))) continue;
      found.push([start, end]);
      hidden.fill(1, start, end - 4);
    }
  }
  if (!found.length) return run;
  let out = '';
  for (let i = 0; i < run.length; i++) out += hidden[i] ? '*' : run[i];
  return out;
}

/**
 * A copy with anything that looks like a card number masked to its last four digits, in
 * strings and in integer numbers alike: every token-bounded run of 13 or more digits, and every
 * Luhn-valid 13–19 digit run whatever surrounds it. Uuids are never touched. Applied to
 * everything stored (Postgres, the NATS request stream); never to what is relayed.
 */
export function maskPans<T>(value: T): T {
  return mask(value) as T;
}

function maskString(value: string): string {
  if (!MAYBE.test(value) || UUID.test(value)) return value;
  return value.replace(PAN_LIKE, maskDigits).replace(DIGIT_RUN, maskLuhnWindows);
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return maskString(value);
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value).toString().length >= 13) {
    const masked = maskDigits(Math.abs(value).toString());
    return masked.includes('*') ? masked : value;
  }
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mask(v)]));
  return value;
}
