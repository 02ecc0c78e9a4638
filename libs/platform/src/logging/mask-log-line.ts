import { maskPans } from '@cloudflow/contracts';

// Cheap pre-checks: a line without 13 digits in a row (ignoring single separators) and without a
// member name that could be sensitive authentication data is written as it is (nearly every line).
const MAYBE_PAN = /\d(?:[ -]?\d){12}/;
const MAYBE_SENSITIVE_MEMBER =
  /"[A-Za-z0-9_-]*(?:cv[vc]|cav2|csc|secur|verif|track|mag|tag57|pin|epb)[A-Za-z0-9_-]*"\s*:/i;

/**
 * pino's `streamWrite` hook: the finished JSON line with card data made safe, by the same rule
 * as everything stored (`maskPans`: PANs masked to their last four, CVV/track/PIN fields dropped),
 * whatever field, message or error text it came in. A line that is not JSON is masked as text.
 */
export function maskLogLine(line: string): string {
  if (!MAYBE_PAN.test(line) && !MAYBE_SENSITIVE_MEMBER.test(line)) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return maskPans(line);
  }
  return `${JSON.stringify(maskPans(parsed))}\n`;
}
