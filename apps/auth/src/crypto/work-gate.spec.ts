import { ErrorCode } from '@cloudflow/contracts';
import { WorkGate } from './work-gate';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkGate', () => {
  it('runs at most `concurrent` jobs at once and the queued ones in order', async () => {
    const gate = new WorkGate({ concurrent: 2, maxQueue: 10, maxWaitMs: 5000 });
    const jobs = Array.from({ length: 4 }, () => deferred());
    const order: number[] = [];
    const runs = jobs.map((j, i) =>
      gate.run(async () => {
        order.push(i);
        await j.promise;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1]);
    expect(gate.stats).toEqual({ running: 2, waiting: 2 });
    jobs[1].resolve();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    jobs.forEach((j) => j.resolve());
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('sheds work beyond the queue at once with 429 and Retry-After', async () => {
    const gate = new WorkGate({ concurrent: 1, maxQueue: 1, maxWaitMs: 5000 });
    const hold = deferred();
    const first = gate.run(() => hold.promise);
    const second = gate.run(async () => 'ran');
    await expect(gate.run(async () => 'never')).rejects.toMatchObject({
      code: ErrorCode.tooManyRequests,
      retryAfterSeconds: 1,
    });
    hold.resolve();
    await first;
    await expect(second).resolves.toBe('ran');
    expect(() => gate.admit()).not.toThrow();
  });

  it('gives up on a job that waited longer than maxWaitMs, and frees its queue place', async () => {
    const gate = new WorkGate({ concurrent: 1, maxQueue: 1, maxWaitMs: 20 });
    const hold = deferred();
    const first = gate.run(() => hold.promise);
    await expect(gate.run(async () => 'late')).rejects.toMatchObject({ code: ErrorCode.tooManyRequests });
    expect(gate.stats.waiting).toBe(0);
    hold.resolve();
    await first;
    await expect(gate.run(async () => 'fine')).resolves.toBe('fine');
  });
});
