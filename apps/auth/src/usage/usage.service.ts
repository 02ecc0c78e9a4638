import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  EVENTS,
  type UsageQueryRequest,
  type UsageQueryResult,
  type UsageReportItem,
  type UsageReportRequest,
  type UsageTotal,
  type UsageTotals,
} from '@cloudflow/contracts';
import { Broadcasts, LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { UsageRepository } from './usage.repository';

const PRUNE_EVERY_MS = 60 * 60_000;

/** Requests of each key's reported day in a batch: what the other instances' rate windows add. */
export function addedOnTotalDay(items: UsageReportItem[], totals: UsageTotal[]): Map<string, number> {
  const day = new Map(totals.map((t) => [t.keyId, t.day]));
  const added = new Map<string, number>();
  for (const item of items) {
    if (day.get(item.keyId) === item.day) added.set(item.keyId, (added.get(item.keyId) ?? 0) + item.count);
  }
  return added;
}

/**
 * Persists the usage batches gateways, admins and hubs report into the ledger (idempotent by
 * report id), and tells every instance the new cluster-wide totals, so each one enforces the
 * daily limit against the whole cluster's count and the rate against everyone's recent admissions.
 */
@Injectable()
export class UsageService implements OnModuleInit, OnApplicationShutdown {
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly usage: UsageRepository,
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // Every replica prunes; the DELETEs are idempotent and cheap on the day index.
    this.pruneTimer = setInterval(() => {
      this.usage
        .prune()
        .catch((err: unknown) => this.logger.warn({ err }, 'could not prune the usage ledger'));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
  }

  async report(request: UsageReportRequest): Promise<UsageTotals> {
    const totals = await this.usage.add(request.items, request.reportId, request.source);
    if (totals.length > 0) {
      const added = addedOnTotalDay(request.items, totals);
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

  async query(request: UsageQueryRequest): Promise<UsageQueryResult> {
    return { rows: await this.usage.query(request) };
  }
}
