import { backoffDelayMs } from './webhook-backoff.policy';

describe('webhook backoff', () => {
  const policy = { baseMs: 1000, maxMs: 3_600_000 };
  const middle = () => 0.5; // no jitter

  it('doubles from the base and stops at the cap', () => {
    const schedule = [1, 2, 3, 4, 5, 10, 12, 13, 30, 1000].map((n) => backoffDelayMs(n, policy, middle));
    expect(schedule).toEqual([
      1000, 2000, 4000, 8000, 16000, 512_000, 2_048_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it('jitters by ±20 % but never below the base or above the cap', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(3200);
    expect(backoffDelayMs(3, policy, () => 0.999999)).toBe(4800);
    expect(backoffDelayMs(1, policy, () => 0)).toBe(1000);
    expect(backoffDelayMs(20, policy, () => 0.999999)).toBe(3_600_000);
    expect(backoffDelayMs(20, policy, () => 0)).toBe(2_880_000);
  });

  it('keeps retrying for 72 h in roughly 80 attempts at the default policy', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 72 * 3_600_000) elapsed += backoffDelayMs(++attempts, policy, middle);
    expect(attempts).toBeGreaterThan(70);
    expect(attempts).toBeLessThan(90);
  });
});
