import { isForgotten, secondsToWait, type GuessPolicy } from './guess.policy';

describe('guess policy', () => {
  const policy: GuessPolicy = { free: 5, lockAt: 10, maxDelaySeconds: 60, lockSeconds: 900 };

  it('lets the free failures through at once', () => {
    for (let failures = 0; failures < 5; failures++)
      expect(secondsToWait(policy, { failures, secondsSinceLast: 0 })).toBe(0);
  });

  it('then asks for a pause that doubles with each failure, capped', () => {
    expect(secondsToWait(policy, { failures: 5, secondsSinceLast: 0 })).toBe(1);
    expect(secondsToWait(policy, { failures: 6, secondsSinceLast: 0 })).toBe(2);
    expect(secondsToWait(policy, { failures: 9, secondsSinceLast: 0 })).toBe(16);
    expect(secondsToWait(policy, { failures: 9, secondsSinceLast: 10 })).toBe(6);
    expect(secondsToWait(policy, { failures: 9, secondsSinceLast: 16 })).toBe(0);
    expect(secondsToWait({ ...policy, lockAt: 100 }, { failures: 50, secondsSinceLast: 0 })).toBe(60);
  });

  it('locks at lockAt for lockSeconds after the last failure, then forgets', () => {
    expect(secondsToWait(policy, { failures: 10, secondsSinceLast: 0 })).toBe(900);
    expect(secondsToWait(policy, { failures: 10, secondsSinceLast: 899 })).toBe(1);
    expect(isForgotten(policy, { failures: 10, secondsSinceLast: 900 })).toBe(true);
    expect(secondsToWait(policy, { failures: 10, secondsSinceLast: 900 })).toBe(0);
  });
});
