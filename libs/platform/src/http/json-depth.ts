/**
 * Deeper JSON than this is refused with 422 before it is parsed (the hub refuses frames the same
 * way, apps/hub poison-check.ts): nothing a POS, terminal or administrator sends nests that deep,
 * and a 64 KiB body of `[[[[…` overflowed the stack of class-validator's walk (found by the
 * bad-input fuzz: "Maximum call stack size exceeded", answered as an unexpected failure).
 */
export const MAX_BODY_DEPTH = 32;

/** body-parser `verify` hook: throws (type `entity.too.deep`, mapped to 422) on a body nesting deeper than MAX_BODY_DEPTH. */
export function rejectDeepJson(_req: unknown, _res: unknown, raw: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_BODY_DEPTH)
        throw Object.assign(new Error(`Request body nests deeper than ${MAX_BODY_DEPTH} levels`), {
          type: 'entity.too.deep',
        });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
