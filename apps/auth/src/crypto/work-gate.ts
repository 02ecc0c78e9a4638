import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

export interface WorkGateLimits {
  concurrent: number;
  maxQueue: number;
  maxWaitMs: number;
}

/**
 * Caps how many expensive jobs (argon2) run at once. Up to `maxQueue` more wait in order, each at
 * most `maxWaitMs`; anything beyond is refused at once with 429: a flood of password guesses must
 * not queue up behind the RPC timeout and starve the logins that come after it.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: Array<{ start: () => void; timer: NodeJS.Timeout }> = [];

  constructor(private limits: WorkGateLimits) {}

  configure(limits: WorkGateLimits): void {
    this.limits = limits;
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Refuses at once (429) when a job asked for now would be shed anyway, so a caller can skip
   * the work it does before the job (a database write per guess) during a flood.
   */
  admit(): void {
    if (this.running >= this.limits.concurrent && this.waiting.length >= this.limits.maxQueue) throw busy();
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limits.concurrent) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueue) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(busy());
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` never dips and a newcomer cannot jump the queue.
    if (next) next.start();
    else this.running--;
  }
}

function busy(): CloudFlowError {
  return new CloudFlowError(ErrorCode.tooManyRequests, 'Too many password checks at once, please retry', {
    retryAfterSeconds: 1,
  });
}
