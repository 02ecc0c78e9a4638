import { FrameQueue } from './frame-queue';

describe('FrameQueue', () => {
  it('runs frames one at a time in order and refuses more than its limit waiting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new FrameQueue(gate, 3, () => undefined);
    const order: number[] = [];
    const accepted = [1, 2, 3, 4].map((n) => queue.push(async () => void order.push(n)));
    expect(accepted).toEqual([true, true, true, false]);
    expect(queue.size).toBe(3);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
    expect(queue.push(async () => void order.push(5))).toBe(true);
  });

  it('keeps going after a failing frame, reporting the error', async () => {
    const errors: unknown[] = [];
    const queue = new FrameQueue(Promise.resolve(), 10, (e) => errors.push(e));
    const done: number[] = [];
    queue.push(() => Promise.reject(new Error('boom')));
    queue.push(async () => void done.push(2));
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    expect(done).toEqual([2]);
  });
});
