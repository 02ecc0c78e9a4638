/** The longest `Prefer: wait` honoured (issue 13); a longer one waits this long. */
export const MAX_PREFER_WAIT_S = 60;

/**
 * The `wait` preference of RFC 7240 §4.3 (`Prefer: respond-async, wait=10`): seconds to hold the
 * call, at most MAX_PREFER_WAIT_S. Preferences are comma-separated, possibly over several
 * headers, names case-insensitive, a value optionally quoted, parameters after `;` ignored. No
 * usable wait (absent, 0, not a number) is undefined: the call answers as without it.
 */
export function preferredWait(header: string | string[] | undefined): number | undefined {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const preference of values.join(',').split(',')) {
    const [token] = preference.split(';');
    const eq = token.indexOf('=');
    if (eq < 0 || token.slice(0, eq).trim().toLowerCase() !== 'wait') continue;
    const value = token
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (!/^\d{1,9}$/.test(value)) return undefined;
    const seconds = Number(value);
    return seconds === 0 ? undefined : Math.min(seconds, MAX_PREFER_WAIT_S);
  }
  return undefined;
}
