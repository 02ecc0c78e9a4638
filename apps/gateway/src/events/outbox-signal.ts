import { Injectable } from '@nestjs/common';

/**
 * "The outbox has new rows" in this process: rung when Postgres notifies the webhook channel
 * (any replica's enqueue committed, WebhookWakeupListener). Feed calls waiting with
 * `Prefer: wait` read again then, instead of polling the table.
 */
@Injectable()
export class OutboxSignal {
  private readonly waiters = new Set<() => void>();

  ring(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves at the next ring or after `ms`, whichever comes first. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }
}
