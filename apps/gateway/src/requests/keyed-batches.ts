export interface KeyedBatchesOptions {
  /** Items handed to one `work` call at most. */
  maxBatch: number;
  /** `work` calls running at once. */
  concurrency: number;
  /** Items held (queued or in a running batch) before `admit()` makes the producer wait. */
  maxHeld: number;
}

/**
 * Group commit for keyed items: items queue up while earlier batches run and the next free
 * worker takes everything it may at once. An item whose key is in a running batch waits (and
 * so does every later item of that key), so one key's items are handled strictly in order, by
 * one batch at a time, while different keys share batches. The request-event consumer keys by
 * request, so a batch of events becomes one Postgres transaction.
 */
export class KeyedBatches<T> {
  private queue: Array<{ key: string; item: T }> = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private held = 0;
  private scheduled = false;
  private readonly waiting: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly work: (items: T[]) => Promise<void>,
    private readonly options: KeyedBatchesOptions,
  ) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be a positive integer, got ${String(value)}`);
    }
  }

  get size(): number {
    return this.held;
  }

  /**
   * Queues `item`. Batches start on the next turn of the event loop, so a burst of items
   * delivered together lands in one batch. `work` must handle its own errors (a rejection is
   * swallowed here so a failed batch cannot stall its keys).
   */
  push(key: string, item: T): void {
    this.held++;
    this.queue.push({ key, item });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Resolves once another item may be pushed (immediately while below `maxHeld`). */
  async admit(): Promise<void> {
    while (this.held >= this.options.maxHeld)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Resolves when every pushed item has been handled (shutdown: ack what was taken before closing). */
  async idle(): Promise<void> {
    if (this.held === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      const batch = this.take();
      if (!batch.length) return;
      this.running++;
      const keys = new Set(batch.map((b) => b.key));
      for (const key of keys) this.busy.add(key);
      void this.work(batch.map((b) => b.item))
        .catch(() => undefined)
        .then(() => {
          for (const key of keys) this.busy.delete(key);
          this.running--;
          this.held -= batch.length;
          for (const resolve of this.waiting.splice(0)) resolve();
          if (this.held === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          this.pump();
        });
    }
  }

  /** The oldest items whose keys are free, in queue order; a held-back item blocks its key's later items. */
  private take(): Array<{ key: string; item: T }> {
    const batch: Array<{ key: string; item: T }> = [];
    const rest: Array<{ key: string; item: T }> = [];
    const blocked = new Set(this.busy);
    for (const entry of this.queue) {
      if (batch.length < this.options.maxBatch && !blocked.has(entry.key)) {
        batch.push(entry);
      } else {
        rest.push(entry);
        blocked.add(entry.key);
      }
    }
    this.queue = rest;
    return batch;
  }
}

/**
 * Calls whose caller awaits its own answer, but which reach Postgres as one statement per batch:
 * the first call goes out on the next turn of the event loop, calls made while a batch runs wait
 * and go out together (group commit: no added latency when idle, fewer round trips under load).
 * `work` answers per item, in item order (an `ItemFailure` rejects that call alone); its failure
 * fails every call of the batch.
 */
export class BatchedCalls<T, R> {
  private next = 0;
  private readonly batches: KeyedBatches<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }>;

  constructor(
    work: (items: T[]) => Promise<Array<R | ItemFailure>>,
    options: { maxBatch: number; concurrency: number },
  ) {
    this.batches = new KeyedBatches(
      async (calls) => {
        try {
          const answers = await work(calls.map((c) => c.item));
          calls.forEach((c, i) => {
            const answer = answers[i];
            if (answer instanceof ItemFailure) c.reject(answer.error);
            else c.resolve(answer);
          });
        } catch (error) {
          for (const c of calls) c.reject(error);
        }
      },
      { ...options, maxHeld: Number.MAX_SAFE_INTEGER },
    );
  }

  call(item: T): Promise<R> {
    // Every call its own key: calls never wait for each other's batch, only for a free worker.
    return new Promise<R>((resolve, reject) =>
      this.batches.push(String(this.next++), { item, resolve, reject }),
    );
  }
}

/** One call's own failure inside a batch that otherwise succeeded. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}
