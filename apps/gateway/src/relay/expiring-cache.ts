/**
 * The gateway's one mechanism for "remember an answer from another service briefly": entries
 * expire after `ttlMs` (the backstop for a missed broadcast), the map never holds more than
 * `maxEntries` (the oldest go first), concurrent misses of one key share one load, failures are
 * not remembered, and a load that was running when its key was dropped is not stored (its
 * answer may predate the change that dropped it).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; at: number; used: boolean }>();
  private readonly loading = new Map<string, { promise: Promise<V>; generation: number }>();
  /** Bumped by every drop: a load started under an older generation is answered but not kept. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) {
      hit.used = true;
      return Promise.resolve(hit.value);
    }
    const running = this.loading.get(key);
    if (running) return running.promise;
    const generation = this.generation;
    const promise = load().then(
      (value) => {
        if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
        if (generation === this.generation) this.store(key, value, this.now());
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, { promise, generation });
    return promise;
  }

  /** Drops every entry (and running load) whose key matches. */
  dropWhere(matches: (key: string) => boolean): void {
    this.generation++;
    for (const key of this.entries.keys()) if (matches(key)) this.entries.delete(key);
    // Later callers must not join a load that may have read the old state.
    for (const key of this.loading.keys()) if (matches(key)) this.loading.delete(key);
  }

  /**
   * Keys read since they were stored and at least `ageMs` old: what a refresh ahead of expiry
   * should reload (an entry nobody reads is left to expire).
   */
  due(ageMs: number): string[] {
    const now = this.now();
    const keys: string[] = [];
    for (const [key, e] of this.entries)
      if (e.used && now - e.at >= ageMs && now - e.at < this.ttlMs) keys.push(key);
    return keys;
  }

  /** The generation a refresh must quote (see `refresh`). */
  get currentGeneration(): number {
    return this.generation;
  }

  /**
   * Stores a reloaded value as of `askedAt` (when the owner was asked, so its age is never
   * understated), unless anything was dropped since `generation`: the answer may predate that change.
   */
  refresh(key: string, value: V, generation: number, askedAt: number): void {
    if (generation !== this.generation) return;
    this.store(key, value, askedAt);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: V, at: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, at, used: false });
  }
}
