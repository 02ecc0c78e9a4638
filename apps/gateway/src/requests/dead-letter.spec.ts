import { isPermanentDataError, storableEvent } from './dead-letter';

describe('dead letters', () => {
  it('stores an event as text Postgres accepts: NULs shown, card numbers masked, size capped', () => {
    const raw = JSON.stringify({ payload: { note: 'a\u0000b', pan: '4111 1111 1111 1111' } }) + '\u0000';
    const stored = storableEvent(raw);
    expect(stored).not.toMatch(/\u0000|\\u0000/);
    expect(stored).toContain('a<NUL>b');
    expect(stored).toContain('************1111');
    expect(storableEvent('x'.repeat(40_000)).length).toBeLessThan(17_000);
  });

  it('treats Postgres data exceptions and a too-deep payload as permanent, outages and our own bugs as retryable', () => {
    expect(
      isPermanentDataError(
        Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }),
      ),
    ).toBe(true);
    expect(isPermanentDataError({ driverError: { code: '54001' } })).toBe(true);
    expect(isPermanentDataError(new RangeError('Maximum call stack size exceeded'))).toBe(true);
    expect(isPermanentDataError(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(
      false,
    );
    expect(isPermanentDataError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isPermanentDataError(new TypeError('x is undefined'))).toBe(false);
  });
});
