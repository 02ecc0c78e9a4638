import { Inject, Injectable } from '@nestjs/common';
import {
  EVENTS,
  type UsageReportItem,
  type UsageReportRequest,
  type UsageTotals,
} from '@cloudflow/contracts';
import { Broadcasts, LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { UsageRepository } from './usage.repository';

/** Merges items naming the same key and day (a well-behaved reporter never sends them). */
export function mergeItems(items: UsageReportItem[]): UsageReportItem[] {
  const byKey = new Map<string, UsageReportItem>();
  for (const item of items) {
    const seen = byKey.get(item.keyId);
    if (!seen || item.day > seen.day) byKey.set(item.keyId, { ...item });
    else if (item.day === seen.day) {
      seen.count += item.count;
      if (item.lastUsedAt > seen.lastUsedAt) seen.lastUsedAt = item.lastUsedAt;
    }
  }
  return [...byKey.values()];
}

/**
 * Persists the usage batches gateways and admin instances report, and tells every instance
 * the new cluster-wide totals, so each one enforces the daily limit against the whole
 * cluster's count and the rate against everyone's recent admissions.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async report(request: UsageReportRequest): Promise<UsageTotals> {
    const items = mergeItems(request.items);
    const totals = await this.usage.add(items);
    const added = new Map(items.map((i) => [i.keyId, i.count]));
    if (totals.length > 0) {
      const event = {
        source: request.source,
        items: totals.map((t) => ({ ...t, added: added.get(t.keyId) ?? 0 })),
      };
      await this.broadcasts.publish(EVENTS.usageReported, event).catch((err: unknown) => {
        // The totals stand; instances also learn them from verify and their own replies.
        this.logger.warn({ err }, 'could not broadcast usage totals');
      });
    }
    return { totals };
  }
}
