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
 * Sensitive authentication data (PCI DSS 3.3: never stored after authorisation, not even
 * masked), by field name, compared without case and separators (`cvv2`, `CVV_2`, `pinBlock`):
 * card verification codes, full track data (also EMV tag 57, the track-2 equivalent) and PINs
 * or PIN blocks. Such a field is dropped whole, whatever its value.
 */
const SENSITIVE_AUTH_FIELDS = new Set([
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'cav2',
  'cid2',
  'csc',
  'securitycode',
  'cardsecuritycode',
  'cardverificationvalue',
  'cardverificationcode',
  'track',
  'track1',
  'track2',
  'track3',
  'trackdata',
  'track1data',
  'track2data',
  'track3data',
  'magstripe',
  'magstripedata',
  'magneticstripe',
  'track2equivalent',
  'track2equivalentdata',
  'tag57',
  'emvtag57',
  'pin',
  'pinblock',
  'encryptedpin',
  'encryptedpinblock',
  'pindata',
  'epb',
  'onlinepin',
  'offlinepin',
]);

/** True for a field name that carries sensitive authentication data (dropped, never stored). */
export function isSensitiveAuthField(name: string): boolean {
  return SENSITIVE_AUTH_FIELDS.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

// The same names as JSON members inside a string (a dead letter's raw text, a log line): the
// value (string, number, or a flat object/array) is replaced by a marker.
const SENSITIVE_MEMBER =
  /"([A-Za-z][A-Za-z0-9_-]{1,30})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|\{[^{}]*\}|\[[^[\]]*\])/g;
const MAYBE_SENSITIVE = /cv[vc]|cav|cid|csc|secur|verif|track|mag|tag57|pin|epb/i;

/**
 * A copy with card data made safe to keep: anything that looks like a card number masked to
 * its last four digits, in strings and in integer numbers alike (every token-bounded run of 13
 * or more digits, and every Luhn-valid 13–19 digit run whatever surrounds it: track 2, TLV hex,
 * a glued label), and every sensitive-authentication field (CVV/CVC, track data, PIN blocks:
 * `isSensitiveAuthField`) dropped. Uuids are never touched. Applied to everything stored
 * (Postgres, the NATS request stream) and to log lines; never to what is relayed.
 */
export function maskPans<T>(value: T): T {
  return mask(value) as T;
}

function maskString(value: string): string {
  let out = value;
  if (out.includes('"') && MAYBE_SENSITIVE.test(out)) {
    out = out.replace(SENSITIVE_MEMBER, (member, name: string, colon: string) =>
      isSensitiveAuthField(name) ? `"${name}"${colon}"[removed]"` : member,
    );
  }
  if (!MAYBE.test(out) || UUID.test(out)) return out;
  return out.replace(PAN_LIKE, maskDigits).replace(DIGIT_RUN, maskLuhnWindows);
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return maskString(value);
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value).toString().length >= 13) {
    const masked = maskDigits(Math.abs(value).toString());
    return masked.includes('*') ? masked : value;
  }
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    // fromEntries, not assignment: a `__proto__` member stays a member.
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !isSensitiveAuthField(k))
        .map(([k, v]) => [k, mask(v)]),
    );
  }
  return value;
}
