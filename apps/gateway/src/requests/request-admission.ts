import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { currentRequestAgeMs, DatabaseService } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { EventLoopLag } from './event-loop-lag';

/**
 * Admission control for POST /client/v1.1/requests (issue 9, hole 9). Under overload the
 * gateway used to take every POST, starve its 10 pooled Postgres connections and answer pool
 * time-outs as 417 storageFailed, or not at all. Now a POST is refused at the door, before
 * anything is stored or dispatched, with 429 tooManyRequests and Retry-After, when this gateway
 * already works on its cap of POSTs or Postgres checkouts are queueing up. Per replica: each
 * gateway protects its own event loop and pool.
 *
 * And by latency (issue 11): a count cap alone let a starved gateway admit POSTs that then took
 * seconds (or timed out at the client). While it already works on a few POSTs, one is refused
 * too when it waited in this process longer than REQUEST_ADMISSION_MAX_QUEUE_MS before reaching
 * here, or timers run later than REQUEST_ADMISSION_MAX_LAG_MS (everything queued waits as long).
 * Below REQUEST_ADMISSION_LATENCY_MIN_IN_FLIGHT POSTs a slow moment is not overload: a lone POST
 * on a loaded machine is still served.
 */
@Injectable()
export class RequestAdmission implements OnModuleDestroy {
  private inFlight = 0;
  private readonly lag = new EventLoopLag();

  constructor(
    private readonly config: GatewayConfig,
    private readonly db: DatabaseService,
  ) {
    this.lag.start();
  }

  onModuleDestroy(): void {
    this.lag.stop();
  }

  /** Runs `work` if admitted; throws 429 otherwise. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.overloaded()) {
      throw new CloudFlowError(
        ErrorCode.tooManyRequests,
        'The gateway is busy; nothing was dispatched, please retry after the Retry-After delay',
        {
          retryAfterSeconds: this.config.REQUEST_ADMISSION_RETRY_AFTER_S,
        },
      );
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  private overloaded(): boolean {
    const c = this.config;
    if (
      this.inFlight >= c.REQUEST_ADMISSION_MAX_IN_FLIGHT ||
      this.dbWaiting() > c.REQUEST_ADMISSION_MAX_DB_WAITING
    )
      return true;
    if (this.inFlight < c.REQUEST_ADMISSION_LATENCY_MIN_IN_FLIGHT) return false;
    return (
      (currentRequestAgeMs() ?? 0) > c.REQUEST_ADMISSION_MAX_QUEUE_MS ||
      this.lag.lagMs > c.REQUEST_ADMISSION_MAX_LAG_MS
    );
  }

  /** Checkouts waiting for a pooled connection (pg-pool's queue), 0 when not knowable. */
  private dbWaiting(): number {
    const driver = this.db.dataSource.driver as { master?: { waitingCount?: number } };
    return driver.master?.waitingCount ?? 0;
  }
}
