/**
 * How the simulated terminal decides, by the base amount in minor units (documented in the
 * README, so a POS developer can script every outcome):
 *   - ends in 51 → FAILED, "INSUFFICIENT_FUNDS"
 *   - ends in 05 → FAILED, "DO_NOT_HONOUR"
 *   - ends in 99 → PARTIALLY_FULFILLED: half the amount approved
 *   - anything else → FULFILLED
 */
export interface SimulatedOutcome {
  outcome: 'FULFILLED' | 'PARTIALLY_FULFILLED' | 'FAILED';
  failureReason?: string;
  approvedAmount: number;
}

export function decide(baseAmount: number): SimulatedOutcome {
  const lastTwo = Math.abs(Math.trunc(baseAmount)) % 100;
  if (lastTwo === 51) return { outcome: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS', approvedAmount: 0 };
  if (lastTwo === 5) return { outcome: 'FAILED', failureReason: 'DO_NOT_HONOUR', approvedAmount: 0 };
  if (lastTwo === 99) return { outcome: 'PARTIALLY_FULFILLED', approvedAmount: Math.floor(baseAmount / 2) };
  return { outcome: 'FULFILLED', approvedAmount: baseAmount };
}
