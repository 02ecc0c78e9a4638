import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseService, LOGGER, MetricsService } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { GatewayConfig } from '../gateway.config';

/** One count at a time over the whole cluster (the other replicas skip that turn and keep their last value). */
const COUNT_LOCK = 'gateway.webhook_deliveries.dead_count';
/** The count is a scan of the outbox (no index covers dead rows): it may never hold a pooled connection for long. */
const COUNT_TIMEOUT_MS = 5_000;

/**
 * `cloudflow_webhook_dead_deliveries`: outbox rows that are dead now (gave up after the maximum
 * age, not redelivered, not purged yet). A gauge of the shared table, so every gateway reports
 * the same number: read it with `max()`, never `sum()`. Counted on a timer
 * (METRICS_DEAD_DELIVERIES_MS, 60 s, with jitter), never per delivery or per scrape, under a
 * transaction-scoped advisory try-lock so two replicas never scan at once, with a statement
 * timeout. How many went dead, per replica and summable, is the counter
 * `cloudflow_webhook_attempts_total{outcome="dead"}`.
 */
@Injectable()
export class WebhookDeadMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly gauge: Gauge;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly config: GatewayConfig,
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.gauge = new Gauge({
      name: 'cloudflow_webhook_dead_deliveries',
      help: 'Webhook deliveries dead now in the outbox (the shared table: the same on every gateway, use max)',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.sample(), ms);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    try {
      const dead = await this.db.transaction(async (tx) => {
        const [lock] = await tx.query<Array<{ locked: boolean }>>(
          `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS "locked"`,
          [COUNT_LOCK],
        );
        if (!lock?.locked) return undefined;
        await tx.query(`SET LOCAL statement_timeout = ${COUNT_TIMEOUT_MS}`);
        const [row] = await tx.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS "n" FROM "gateway"."webhook_deliveries" WHERE "status" = 'dead'`,
        );
        return row.n;
      });
      if (dead !== undefined) this.gauge.set(dead);
      this.failures = 0;
    } catch (err) {
      // Postgres down or slow: the gauge keeps its last value; said once per outage.
      if (this.failures++ === 0) this.logger.warn({ err }, 'could not count dead webhook deliveries');
    }
    const every = this.config.METRICS_DEAD_DELIVERIES_MS;
    this.schedule(every * (0.9 + Math.random() * 0.2));
  }
}
