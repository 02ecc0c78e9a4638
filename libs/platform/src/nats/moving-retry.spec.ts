import { MovingRetry } from './moving-retry';

describe('MovingRetry', () => {
  it('waits longer each time and gives up once its window is spent', async () => {
    const retry = new MovingRetry(300);
    const started = Date.now();
    const pauses: number[] = [];
    for (let at = Date.now(); await retry.again(); at = Date.now()) pauses.push(Date.now() - at);
    const spent = Date.now() - started;
    // 25, 50, 100, then what is left of the 300 ms (timers run late on a loaded machine: bounds are loose).
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    expect(spent).toBeGreaterThanOrEqual(300);
    expect(spent).toBeLessThan(2000);
    // Spent: answers at once from now on.
    const at = Date.now();
    expect(await retry.again()).toBe(false);
    expect(Date.now() - at).toBeLessThan(200);
  });
});
