import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { EVENTS, SUBJECTS, type UsageReportItem } from '@cloudflow/contracts';
import { Broadcasts, LOGGER, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { UsageLimiter } from './usage-limiter';

/** How often admitted requests are reported: the bound on how stale other instances' view is. */
export const USAGE_FLUSH_MS = 250;
const REPORT_TIMEOUT_MS = 2_000;

/**
 * Sends this instance's usage counts to auth as one NATS request per flush interval (all keys
 * in one message, only when there was traffic), and feeds auth's broadcasts of every
 * instance's batches back into the limiter. A batch whose answer is lost is resent unchanged,
 * with the same report id, until auth answers: the ledger adds it exactly once.
 */
@Injectable()
export class UsageReporter implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  /** Identifies this process's batches in auth's broadcast. */
  readonly source = randomUUID();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** The batch auth has not confirmed yet; resent as it is before anything new is taken. */
  private unsent?: { reportId: string; items: UsageReportItem[] };
  private lastWarning = 0;

  constructor(
    private readonly limiter: UsageLimiter,
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    broadcasts.on(EVENTS.usageReported, (event) => this.limiter.observe(event, this.source));
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), USAGE_FLUSH_MS);
    this.timer.unref();
  }

  /** One batch at a time: a slow auth delays the next report instead of stacking them. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.unsent) {
      const items = this.limiter.takeBatch();
      if (items.length === 0) return Promise.resolve();
      this.unsent = { reportId: randomUUID(), items };
    }
    const { reportId, items } = this.unsent;
    this.flushing = this.rpc
      .send(SUBJECTS.auth.usageReport, { source: this.source, reportId, items }, REPORT_TIMEOUT_MS)
      .then(
        ({ totals }) => {
          this.unsent = undefined;
          this.limiter.settle(items, totals);
        },
        (err: unknown) => {
          if (Date.now() - this.lastWarning > 10_000) {
            this.lastWarning = Date.now();
            this.logger.warn({ err, keys: items.length }, 'could not report APP key usage; will retry');
          }
        },
      )
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Report what is left while NATS is still open (RpcClient closes on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // An unconfirmed batch first, then what was admitted since.
    for (let i = 0; i < 3; i++) await this.flush();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
