import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';

/**
 * Admission control for POST /client/v1.1/requests (issue 9, hole 9). Under overload the
 * gateway used to take every POST, starve its 10 pooled Postgres connections and answer pool
 * time-outs as 417 storageFailed, or not at all. Now a POST is refused at the door, before
 * anything is stored or dispatched, with 429 tooManyRequests and Retry-After, when this gateway
 * already works on its cap of POSTs or Postgres checkouts are queueing up. Per replica: each
 * gateway protects its own event loop and pool.
 */
@Injectable()
export class RequestAdmission {
  private inFlight = 0;

  constructor(
    private readonly config: GatewayConfig,
    private readonly db: DatabaseService,
  ) {}

  /** Runs `work` if admitted; throws 429 otherwise. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.config.REQUEST_ADMISSION_MAX_IN_FLIGHT || this.dbWaiting() > this.config.REQUEST_ADMISSION_MAX_DB_WAITING) {
      throw new CloudFlowError(ErrorCode.tooManyRequests, 'The gateway is busy; nothing was dispatched, please retry after the Retry-After delay', {
        retryAfterSeconds: this.config.REQUEST_ADMISSION_RETRY_AFTER_S,
      });
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  /** Checkouts waiting for a pooled connection (pg-pool's queue), 0 when not knowable. */
  private dbWaiting(): number {
    const driver = this.db.dataSource.driver as { master?: { waitingCount?: number } };
    return driver.master?.waitingCount ?? 0;
  }
}
