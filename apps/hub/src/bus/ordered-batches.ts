export interface OrderedBatchesOptions {
  /** Batches sent and not yet settled at once. */
  maxInFlight: number;
  /** Items in one batch at most. */
  maxItems: number;
  /** Sum of `size` of a batch's items at most (a single bigger item goes alone). */
  maxSize: number;
}

interface Entry<T> {
  item: T;
  size: number;
  resolve: (ok: boolean) => void;
}

interface Batch<K, T> {
  entries: Array<Entry<T>>;
  keys: Set<K>;
  size: number;
  state: 'open' | 'ready' | 'sent' | 'done';
}

interface KeyState<K, T> {
  /** The last batch an item of this key went into. */
  last: Batch<K, T>;
  /** Items of this key that may not join a batch yet (their predecessor's batch is on its way). */
  waiting: Array<Entry<T>>;
}

/**
 * Group commit with per-key order, for the hub's request-event publishes: items collect in one
 * open batch while earlier batches are on their way and the next free slot sends them all as one
 * message, so under load one JetStream publish (and one ack, one delivery to a gateway) carries
 * many events; when idle a batch leaves on the next turn of the event loop with what that turn
 * produced, so nothing waits for company.
 *
 * Order per key (a device connection): an item joins the open batch only if its key's previous
 * item is in that same batch (kept in order inside it) or its batch is settled; otherwise it
 * waits and joins the open batch when that one settles. So a key's items are never in two
 * unsettled batches at once and a retried batch cannot be overtaken by its key's next one.
 * `send` resolves whether the batch was taken (it does its own retries); every item's promise
 * resolves with that.
 */
export class OrderedBatches<K extends object, T> {
  private open?: Batch<K, T>;
  private readonly ready: Array<Batch<K, T>> = [];
  private inFlight = 0;
  private scheduled = false;
  /** The open batch holds an urgent item: it leaves on the next turn even with every slot taken. */
  private urgent = false;
  private readonly keys = new WeakMap<K, KeyState<K, T>>();

  constructor(
    private readonly send: (items: T[]) => Promise<boolean>,
    private readonly options: OrderedBatchesOptions,
  ) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`${name} must be a positive integer, got ${String(value)}`);
    }
  }

  /**
   * `urgent`: the item must reach the server as soon as it would unbatched (on the next turn),
   * so its batch then leaves even if `maxInFlight` batches are on their way (a waiting item
   * still waits for its key's previous one).
   */
  add(key: K, item: T, size: number, urgent = false): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const entry = { item, size, resolve };
      const state = this.keys.get(key);
      if ((state && (state.waiting.length > 0 || !this.mayJoin(state))) || !this.join(key, entry, state))
        return void state!.waiting.push(entry);
      if (urgent) this.urgent = true;
      this.schedule();
    });
  }

  private mayJoin(state: KeyState<K, T>): boolean {
    return state.last.state === 'done' || state.last === this.open;
  }

  /** Puts the item into the open batch; false (nothing done) when that is full and holds the key's previous item. */
  private join(key: K, entry: Entry<T>, state: KeyState<K, T> | undefined): boolean {
    let batch = this.open;
    if (
      batch &&
      batch.entries.length > 0 &&
      (batch.entries.length >= this.options.maxItems || batch.size + entry.size > this.options.maxSize)
    ) {
      // Full: it leaves as it is and the item starts the next one, unless the item must follow its key's previous one.
      if (state && state.last === batch) return false;
      this.close();
      batch = undefined;
    }
    if (!batch) batch = this.open = { entries: [], keys: new Set(), size: 0, state: 'open' };
    batch.entries.push(entry);
    batch.keys.add(key);
    batch.size += entry.size;
    if (state) state.last = batch;
    else this.keys.set(key, { last: batch, waiting: [] });
    return true;
  }

  private close(): void {
    if (!this.open || this.open.entries.length === 0) return;
    this.open.state = 'ready';
    this.ready.push(this.open);
    this.open = undefined;
  }

  /** The open batch leaves on the next turn (what this turn adds goes with it), if a slot is free then. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const force = this.urgent;
    this.urgent = false;
    if (force || this.inFlight < this.options.maxInFlight) this.close();
    while ((force || this.inFlight < this.options.maxInFlight) && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      batch.state = 'sent';
      this.inFlight++;
      void this.send(batch.entries.map((e) => e.item))
        .catch(() => false)
        .then((ok) => this.settle(batch, ok));
    }
  }

  private settle(batch: Batch<K, T>, ok: boolean): void {
    batch.state = 'done';
    this.inFlight--;
    for (const entry of batch.entries) entry.resolve(ok);
    for (const key of batch.keys) {
      const state = this.keys.get(key);
      if (!state || state.last !== batch) continue;
      if (state.waiting.length === 0) {
        this.keys.delete(key);
        continue;
      }
      // In order, as many as may go together; the rest wait for the batch they are in now.
      while (state.waiting.length > 0 && this.mayJoin(state) && this.join(key, state.waiting[0], state))
        state.waiting.shift();
    }
    this.schedule();
  }
}
