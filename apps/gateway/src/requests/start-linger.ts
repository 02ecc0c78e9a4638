/**
 * Holds a sync request's `start` event back for a few milliseconds, until the next event of the
 * same request comes (then both go on together) or the time is up. A device that answers at
 * once has its final in the stream right behind the start, and the recorder writes a request
 * whose start and final are in one batch as one row (no insert-then-update); a start recorded
 * alone would be updated by the final's batch a moment later. The event is durable in the
 * stream meanwhile (it is acked only once recorded): only its row appears that much later.
 */
export class StartLinger<T> {
  private readonly held = new Map<string, { item: T; until: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly lingerMs: number,
    private readonly release: (key: string, item: T) => void,
  ) {}

  get size(): number {
    return this.held.size;
  }

  hold(key: string, item: T): void {
    // A second start of one request (a redelivery) lets the first go: never two held for one key.
    this.let(key);
    this.held.set(key, { item, until: Date.now() + this.lingerMs });
    this.timer ??= setTimeout(() => this.sweep(), this.lingerMs).unref();
  }

  /** The start held for `key`, if any, goes on now (before the event that follows it). */
  let(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    this.release(key, entry.item);
  }

  /** Everything held goes on now (shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const key of [...this.held.keys()]) this.let(key);
  }

  private sweep(): void {
    this.timer = undefined;
    const now = Date.now();
    // Held in arrival order: the first not yet due ends the sweep.
    for (const [key, entry] of this.held) {
      if (entry.until > now) {
        this.timer = setTimeout(() => this.sweep(), entry.until - now).unref();
        return;
      }
      this.let(key);
    }
  }
}
