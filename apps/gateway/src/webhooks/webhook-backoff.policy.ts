export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `failures` + 1: base × 2^(failures − 1), ±20 % jitter so receivers
 * coming back from an outage are not hit by every queued delivery in the same instant, and
 * clamped to [base, max]. `random` is injectable for tests.
 */
export function backoffDelayMs(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const nominal = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  const jittered = nominal * (0.8 + 0.4 * random());
  return Math.round(Math.min(Math.max(jittered, policy.baseMs), policy.maxMs));
}
