import { BatchedCalls, KeyedBatches } from './keyed-batches';

const tick = () => new Promise((r) => setImmediate(r));

/** Records each batch and lets the test finish them by hand. */
function harness(options = { maxBatch: 4, concurrency: 2, maxHeld: 100 }) {
  const batches: string[][] = [];
  const finish: Array<() => void> = [];
  const queue = new KeyedBatches<string>((items) => {
    batches.push(items);
    return new Promise<void>((resolve) => finish.push(resolve));
  }, options);
  return { queue, batches, finish };
}

describe('KeyedBatches', () => {
  it('puts a burst of items of several keys into one batch, in order', async () => {
    const { queue, batches } = harness();
    for (const item of ['a1', 'b1', 'a2', 'c1']) queue.push(item[0], item);
    await tick();
    expect(batches).toEqual([['a1', 'b1', 'a2', 'c1']]);
  });

  it('keeps a key out of a second batch while its first batch runs, and everything after it in that key', async () => {
    const { queue, batches, finish } = harness();
    queue.push('a', 'a1');
    await tick();
    for (const item of ['a2', 'b1', 'a3', 'b2']) queue.push(item[0], item);
    await tick();
    // The second worker takes only b; a2 and a3 wait for a1's batch.
    expect(batches).toEqual([['a1'], ['b1', 'b2']]);
    finish[0]();
    await tick();
    expect(batches[2]).toEqual(['a2', 'a3']);
  });

  it('caps batch size and concurrency, then drains and reports idle', async () => {
    const { queue, batches, finish } = harness({ maxBatch: 2, concurrency: 1, maxHeld: 100 });
    for (const item of ['a1', 'b1', 'c1', 'd1', 'e1']) queue.push(item[0], item);
    await tick();
    expect(batches).toEqual([['a1', 'b1']]);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    for (let i = 0; i < 3; i++) {
      finish[i]();
      await tick();
    }
    expect(batches).toEqual([['a1', 'b1'], ['c1', 'd1'], ['e1']]);
    expect(idle).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('makes the producer wait at maxHeld until a batch finishes', async () => {
    const { queue, finish } = harness({ maxBatch: 2, concurrency: 1, maxHeld: 2 });
    queue.push('a', 'a1');
    queue.push('b', 'b1');
    let admitted = false;
    void queue.admit().then(() => (admitted = true));
    await tick();
    expect(admitted).toBe(false);
    finish[0]();
    await tick();
    expect(admitted).toBe(true);
  });

  it('keeps going after a batch fails', async () => {
    const seen: string[][] = [];
    const queue = new KeyedBatches<string>((items) => (seen.push(items), Promise.reject(new Error('boom'))), {
      maxBatch: 4,
      concurrency: 1,
      maxHeld: 10,
    });
    queue.push('a', 'a1');
    await tick();
    queue.push('a', 'a2');
    await queue.idle();
    expect(seen).toEqual([['a1'], ['a2']]);
  });

  it('refuses nonsense options', () => {
    expect(
      () => new KeyedBatches<string>(() => Promise.resolve(), { maxBatch: 0, concurrency: 1, maxHeld: 1 }),
    ).toThrow(/maxBatch/);
  });
});

describe('BatchedCalls', () => {
  it('answers each caller from its own item, batching the calls made while a batch runs', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls = new BatchedCalls<number, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((n) => `#${n}`);
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const first = calls.call(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4].map((n) => calls.call(n));
    release();
    await expect(Promise.all([first, ...rest])).resolves.toEqual(['#1', '#2', '#3', '#4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("fails every call of a failed batch, and only that batch's", async () => {
    let fail = true;
    const calls = new BatchedCalls<number, number>(
      async (items) => {
        if (fail) throw new Error('storage down');
        return items;
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const failed = [calls.call(1), calls.call(2)];
    await expect(Promise.allSettled(failed)).resolves.toEqual([
      { status: 'rejected', reason: new Error('storage down') },
      { status: 'rejected', reason: new Error('storage down') },
    ]);
    fail = false;
    await expect(calls.call(3)).resolves.toBe(3);
  });
});
