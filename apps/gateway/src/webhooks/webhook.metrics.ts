import { Injectable } from '@nestjs/common';
import { MetricsService } from '@cloudflow/platform';
import { Counter, Histogram } from 'prom-client';
import type { ClaimedDelivery } from './webhook-queue.repository';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

/**
 * Outcomes of delivery attempts (`failed` counts every retried attempt, `dead` every give-up)
 * and the webhook lag: from the message enqueued in the outbox to its 2xx, retries included.
 */
@Injectable()
export class WebhookMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly lag: Histogram;

  constructor(metrics: MetricsService) {
    const registry = metrics.registry;
    this.attempts = new Counter({
      name: 'cloudflow_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'cloudflow_webhook_lag_seconds',
      help: 'From a webhook message enqueued in the outbox to its delivery (2xx), retries included',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400],
      registers: [registry],
    });
  }

  count(outcome: DeliveryOutcome): void {
    this.attempts.inc({ outcome });
  }

  /** A 2xx settled: counted, and its lag observed (the database's age of it at the claim plus our time since). */
  delivered(row: Pick<ClaimedDelivery, 'ageAtClaimMs' | 'claimedAt'>): void {
    this.count('delivered');
    this.lag.observe(Math.max(0, row.ageAtClaimMs + Date.now() - row.claimedAt) / 1000);
  }
}
