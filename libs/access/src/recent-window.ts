const BUCKET_MS = 100;
const BUCKETS = 10;

/**
 * How many events happened in roughly the last second, in ten 100 ms buckets: fixed memory
 * whatever the rate (a production key may allow thousands a second), precise to one bucket.
 */
export class RecentWindow {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  /** The absolute bucket number each slot currently holds. */
  private readonly slots = new Array<number>(BUCKETS).fill(-Infinity);

  add(now: number, n = 1): void {
    const bucket = Math.floor(now / BUCKET_MS);
    const i = bucket % BUCKETS;
    if (this.slots[i] !== bucket) {
      this.slots[i] = bucket;
      this.counts[i] = 0;
    }
    this.counts[i] += n;
  }

  /** Events in the current bucket and the nine before it (900–1000 ms). */
  total(now: number): number {
    const bucket = Math.floor(now / BUCKET_MS);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++)
      if (this.slots[i] > bucket - BUCKETS && this.slots[i] <= bucket) sum += this.counts[i];
    return sum;
  }
}
