import { CloudFlowError, ErrorCode, type UsageGroupBy } from '@cloudflow/contracts';
import type { UsageRangeDto } from './usage.dto';

/** The longest range one query may span: the ledger keeps about this much (README, Usage). */
export const MAX_RANGE_DAYS = 800;
const DAY_MS = 86_400_000;

export interface UsageRange {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
}

const isRealDay = (day: string) => {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day;
};

/** Defaults and checks the range: real calendar days, from ≤ to, at most MAX_RANGE_DAYS. */
export function usageRange(dto: UsageRangeDto, now = Date.now()): UsageRange {
  const to = dto.to ?? new Date(now).toISOString().slice(0, 10);
  const from = dto.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  for (const [field, day] of [
    ['to', to],
    ['from', from],
  ] as const) {
    if (!isRealDay(day))
      throw new CloudFlowError(ErrorCode.invalidData, `Invalid data: ${field}: ${day} is not a calendar day`);
  }
  const span = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (span < 1) throw new CloudFlowError(ErrorCode.invalidData, 'Invalid data: from: must not be after to');
  if (span > MAX_RANGE_DAYS) {
    throw new CloudFlowError(
      ErrorCode.invalidData,
      `Invalid data: from: the range may span at most ${MAX_RANGE_DAYS} days`,
    );
  }
  return { from, to, groupBy: dto.groupBy ?? 'day' };
}
