/** Deeper JSON than this is refused: nothing a terminal or POS sends needs it, and deep nesting costs every reader. */
export const MAX_JSON_DEPTH = 32;

// The JSON escapes of U+0000 and of any surrogate half (a valid pair is checked in the slow path).
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a parsed frame cannot be stored, or null. Postgres jsonb refuses U+0000 and lone
 * surrogates, so one such frame would be redelivered forever by the shared request-stream
 * consumer; very deep nesting is refused for the same reason. The fast path looks only at
 * the raw text: no suspect escape and fewer opening brackets than the depth limit (an upper
 * bound of the depth) means clean, without walking the value. Raw U+0000 never gets here
 * (JSON.parse refuses control characters in strings), and a lone surrogate cannot come raw
 * out of UTF-8 decoding, so escapes are the only way in.
 */
export function poisonReason(text: string, parsed: unknown): string | null {
  const suspect = SUSPECT_ESCAPE.test(text);
  if (!suspect && !manyBrackets(text)) return null;
  return walk(parsed, 0);
}

function manyBrackets(text: string): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++n > MAX_JSON_DEPTH) return true;
  }
  return false;
}

function walk(value: unknown, depth: number): string | null {
  if (typeof value === 'string')
    return NUL_OR_LONE_SURROGATE.test(value)
      ? 'Frame contains U+0000 or an unpaired surrogate, which cannot be stored'
      : null;
  if (!value || typeof value !== 'object') return null;
  if (depth >= MAX_JSON_DEPTH) return `Frame nests deeper than ${MAX_JSON_DEPTH} levels`;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    if (!Array.isArray(value) && NUL_OR_LONE_SURROGATE.test(key))
      return 'Frame contains U+0000 or an unpaired surrogate, which cannot be stored';
    const found = walk(v, depth + 1);
    if (found) return found;
  }
  return null;
}
