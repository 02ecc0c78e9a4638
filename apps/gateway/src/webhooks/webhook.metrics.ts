import { Counter, type Registry } from 'prom-client';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

/** Outcomes of delivery attempts: `failed` counts every retried attempt, `dead` every give-up. */
export class WebhookMetrics {
  private readonly attempts: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'cloudflow_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  count(outcome: DeliveryOutcome): void {
    this.attempts.inc({ outcome });
  }
}
