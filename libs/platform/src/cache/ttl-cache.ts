/** How a TtlCache is bounded. */
export interface TtlCacheOptions {
  /** An entry older than this is gone (0: nothing is kept). */
  ttlMs: number;
  /** Entries at most; past it the least recently used goes. Every cache has one: keys come from outside. */
  maxEntries: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * The one in-memory cache of the services (issue 15: it replaced nine hand-rolled maps with
 * three eviction policies): entries expire `ttlMs` after they were set, the least recently used
 * goes first past `maxEntries`, and `load` asks once for a key however many callers want it at
 * the same time. A Map keeps insertion order, so "least recently used" is its first key once a
 * hit re-inserts its entry.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; at: number; used: boolean }>();
  private readonly loading = new Map<K, Promise<V>>();
  private readonly now: () => number;
  /** Bumped by every drop: a load (or refresh) begun under an older generation is answered but not kept. */
  private generation = 0;

  constructor(private readonly options: TtlCacheOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value and its age, while fresh. */
  peek(key: K): { value: V; ageMs: number } | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    const ageMs = this.now() - hit.at;
    if (ageMs >= this.options.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used last: eviction takes the front.
    hit.used = true;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return { value: hit.value, ageMs };
  }

  get(key: K): V | undefined {
    return this.peek(key)?.value;
  }

  /** `at`: when the value was read from its owner (a refresh: its age is never understated). */
  set(key: K, value: V, at = this.now()): void {
    if (this.options.ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, at, used: false });
  }

  /** The keys held (fresh or not yet found stale), oldest use first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  /** The keys and values held (fresh or not yet found stale), oldest use first. */
  *values(): IterableIterator<[K, V]> {
    for (const [key, { value }] of this.entries) yield [key, value];
  }

  delete(key: K): void {
    this.dropWhere((k) => k === key);
  }

  /** Drops every entry (and load under way: later callers do not join it) whose key matches. */
  dropWhere(matches: (key: K) => boolean): void {
    this.generation++;
    for (const key of [...this.entries.keys()]) if (matches(key)) this.entries.delete(key);
    for (const key of [...this.loading.keys()]) if (matches(key)) this.loading.delete(key);
  }

  /** Drops every entry, and forgets loads under way (their answers are not kept). */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  /**
   * Keys read since they were set and at least `ageMs` old, still fresh: what a refresh ahead of
   * expiry should reload (an entry nobody reads is left to expire).
   */
  due(ageMs: number): K[] {
    const now = this.now();
    const keys: K[] = [];
    for (const [key, e] of this.entries)
      if (e.used && now - e.at >= ageMs && now - e.at < this.options.ttlMs) keys.push(key);
    return keys;
  }

  /** The generation a refresh must quote (see `refresh`). */
  get currentGeneration(): number {
    return this.generation;
  }

  /** Sets a reloaded value as of `askedAt`, unless anything was dropped since `generation`. */
  refresh(key: K, value: V, generation: number, askedAt: number): void {
    if (generation === this.generation) this.set(key, value, askedAt);
  }

  /**
   * The fresh value, or `load()`'s answer, kept when it resolves (a rejection is not kept). Callers
   * asking while a load is under way share it. Any drop meanwhile (`delete`, `dropWhere`, `clear`)
   * wins: the answer, which may predate the change that dropped it, is returned but not kept.
   */
  async load(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    if (hit) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const promise = load().then(
      (value) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        if (generation === this.generation) this.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }
}
