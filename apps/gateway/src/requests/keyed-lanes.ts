/**
 * Runs jobs concurrently across keys but one at a time per key, in submission order, with at
 * most `limit` jobs admitted (running or waiting behind their key) at once. The request-event
 * consumer keys by request: events of different requests are recorded in parallel, those of one
 * request strictly in stream order, and a full house stops it from pulling more from NATS.
 */
export class KeyedLanes {
  /** The last job queued per key; a key is dropped once its lane is empty. */
  private readonly tails = new Map<string, Promise<void>>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`lane limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.inFlight;
  }

  /** Resolves once another job may be admitted (immediately while below the limit). */
  async admit(): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /**
   * Queues `job` behind earlier jobs of `key`. The job must handle its own errors: a rejection
   * is swallowed here so one bad event cannot stall its lane. Call `admit()` first to respect
   * the limit; `run` itself never blocks.
   */
  run(key: string, job: () => Promise<void>): void {
    this.inFlight++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail = previous.then(job).catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.inFlight--;
      this.waiting.shift()?.();
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when every admitted job has finished (shutdown: ack what was taken before closing). */
  async idle(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
