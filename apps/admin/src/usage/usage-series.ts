import type { UsageRange } from './usage-range';
import type { UsageCounts, UsageLine } from './usage-report';

export interface UsageDay extends UsageCounts {
  day: string;
}

/** Every day of the range (zeros where nothing was used), all keys and groups summed. */
export function dailySeries(
  range: UsageRange,
  rows: UsageLine[],
): { from: string; to: string; days: UsageDay[] } {
  const days = new Map<string, UsageDay>();
  for (let t = Date.parse(range.from); t <= Date.parse(range.to); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.set(day, { day, requests: 0, paymentsSync: 0, paymentsAsync: 0 });
  }
  for (const row of rows) {
    const day = days.get(row.period);
    if (!day) continue;
    day.requests += row.requests;
    day.paymentsSync += row.paymentsSync;
    day.paymentsAsync += row.paymentsAsync;
  }
  return { from: range.from, to: range.to, days: [...days.values()] };
}
