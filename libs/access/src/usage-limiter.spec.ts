import type { AppKeyInfo } from '@cloudflow/contracts';
import { RecentWindow } from './recent-window';
import { secondsToUtcMidnight, UsageLimiter, utcDay } from './usage-limiter';

const KEY = '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60';
const info = (over: Partial<AppKeyInfo> = {}): AppKeyInfo => ({
  keyId: KEY,
  prefix: 'cf_sbx_abcde',
  developerId: 'd1',
  kind: 'sandbox',
  status: 'active',
  groups: ['client', 'device', 'admin'],
  usageLimitPerDay: 1000,
  ratePerSecond: 10,
  expiresAt: null,
  ...over,
});

describe('UsageLimiter', () => {
  let now: number;
  let limiter: UsageLimiter;
  const at = (iso: string) => (now = Date.parse(iso));

  beforeEach(() => {
    at('2030-05-01T12:00:00.000Z');
    limiter = new UsageLimiter(() => now);
  });

  const admitN = (n: number, key = info()) => Array.from({ length: n }, () => limiter.admit(key));

  describe('rate', () => {
    it('admits ratePerSecond requests in a second, refuses the next with Retry-After 1', () => {
      expect(admitN(10).every((v) => v.allowed)).toBe(true);
      expect(limiter.admit(info())).toEqual({ allowed: false, reason: 'rate', retryAfterSeconds: 1 });
    });

    it('slides: a second later the key may go again', () => {
      admitN(10);
      now += 500;
      expect(limiter.admit(info()).allowed).toBe(false);
      now += 500;
      expect(limiter.admit(info()).allowed).toBe(true);
    });

    it('counts what the other instances admitted in the last second, not what this one reported', () => {
      admitN(4);
      limiter.observe(
        { source: 'other', items: [{ keyId: KEY, day: '2030-05-01', usedToday: 10, added: 6 }] },
        'me',
      );
      expect(limiter.admit(info()).allowed).toBe(false);
      now += 1000;
      expect(limiter.admit(info()).allowed).toBe(true);
      // Our own batch coming back in the broadcast must not count twice.
      const fresh = new UsageLimiter(() => now);
      Array.from({ length: 5 }, () => fresh.admit(info()));
      fresh.observe(
        { source: 'me', items: [{ keyId: KEY, day: '2030-05-01', usedToday: 5, added: 5 }] },
        'me',
      );
      expect(fresh.admit(info()).allowed).toBe(true);
    });

    it('a rate of 0 admits nothing', () => {
      expect(limiter.admit(info({ ratePerSecond: 0 })).allowed).toBe(false);
    });
  });

  describe('daily limit', () => {
    const limited = info({ usageLimitPerDay: 20, ratePerSecond: 1000 });

    it('refuses once the cluster total plus local counts reach the limit, with Retry-After to UTC midnight', () => {
      limiter.observe(
        { source: 'other', items: [{ keyId: KEY, day: '2030-05-01', usedToday: 10, added: 10 }] },
        'me',
      );
      expect(admitN(10, limited).every((v) => v.allowed)).toBe(true);
      at('2030-05-01T23:59:30.200Z');
      expect(limiter.admit(limited)).toEqual({ allowed: false, reason: 'daily', retryAfterSeconds: 30 });
    });

    it('counts pending and in-flight reports until auth answers, then the total auth returns', () => {
      admitN(15, limited);
      const batch = limiter.takeBatch();
      expect(batch).toEqual([
        { keyId: KEY, day: '2030-05-01', group: 'client', count: 15, lastUsedAt: '2030-05-01T12:00:00.000Z' },
      ]);
      expect(limiter.takeBatch()).toEqual([]);
      expect(limiter.usedToday(KEY)).toBe(15);
      admitN(2, limited);
      // Auth's total includes our 15 and 3 from another instance.
      limiter.settle(batch, [{ keyId: KEY, day: '2030-05-01', usedToday: 18 }]);
      expect(limiter.usedToday(KEY)).toBe(20);
      expect(limiter.admit(limited).allowed).toBe(false);
    });

    it('keeps each API group and the payments apart for the ledger, while the limit counts every request', () => {
      admitN(2, limited);
      limiter.admit(limited, 'admin');
      limiter.countPayment(KEY, 'sync');
      limiter.countPayment(KEY, 'async');
      limiter.countPayment(KEY, 'async');
      expect(limiter.usedToday(KEY)).toBe(3);
      expect(limiter.takeBatch()).toEqual([
        expect.objectContaining({ group: 'client', count: 2, paymentsSync: 1, paymentsAsync: 2 }),
        expect.objectContaining({ group: 'admin', count: 1 }),
      ]);
    });

    it('reports the day before midnight under that day even when the batch leaves after midnight', () => {
      at('2030-05-01T23:59:59.900Z');
      admitN(3, limited);
      limiter.countPayment(KEY, 'async');
      at('2030-05-02T00:00:00.100Z');
      admitN(2, limited);
      const batch = limiter.takeBatch();
      expect(batch).toEqual([
        expect.objectContaining({ day: '2030-05-01', count: 3, paymentsAsync: 1 }),
        expect.objectContaining({ day: '2030-05-02', count: 2 }),
      ]);
      // Only the new day counts against the new day's limit.
      expect(limiter.usedToday(KEY)).toBe(2);
    });

    it("starts from verify's persisted count when it has not heard of the key yet", () => {
      expect(limiter.admit({ ...limited, usage: { day: '2030-05-01', usedToday: 20 } }).allowed).toBe(false);
      const other = new UsageLimiter(() => now);
      expect(other.admit({ ...limited, usage: { day: '2030-04-30', usedToday: 20 } }).allowed).toBe(true);
    });

    it('resets at UTC midnight and ignores totals of the previous day', () => {
      admitN(20, limited);
      expect(limiter.admit(limited).allowed).toBe(false);
      at('2030-05-02T00:00:00.000Z');
      expect(limiter.admit(limited).allowed).toBe(true);
      limiter.observe(
        { source: 'other', items: [{ keyId: KEY, day: '2030-05-01', usedToday: 20, added: 5 }] },
        'me',
      );
      expect(limiter.usedToday(KEY)).toBe(1);
      // Yesterday's unreported 20 still go to the ledger, under yesterday.
      expect(limiter.takeBatch()).toEqual([
        expect.objectContaining({ day: '2030-05-01', count: 20 }),
        expect.objectContaining({ day: '2030-05-02', count: 1 }),
      ]);
    });

    it('a limit of 0 admits nothing', () => {
      expect(limiter.admit(info({ usageLimitPerDay: 0 }))).toMatchObject({ allowed: false, reason: 'daily' });
    });
  });

  it('forgets keys idle for ten minutes', () => {
    admitN(1);
    limiter.takeBatch();
    limiter.settle(
      [{ keyId: KEY, day: '2030-05-01', count: 1, lastUsedAt: new Date(now).toISOString() }],
      [{ keyId: KEY, day: '2030-05-01', usedToday: 1 }],
    );
    now += 11 * 60_000;
    limiter.takeBatch();
    expect(limiter.usedToday(KEY)).toBe(0);
  });
});

describe('usage clock helpers', () => {
  it('names the UTC day and counts whole seconds to the next UTC midnight', () => {
    expect(utcDay(Date.parse('2030-05-01T23:59:59.999Z'))).toBe('2030-05-01');
    expect(secondsToUtcMidnight(Date.parse('2030-05-01T00:00:00.000Z'))).toBe(86_400);
    expect(secondsToUtcMidnight(Date.parse('2030-05-01T23:59:59.001Z'))).toBe(1);
    expect(secondsToUtcMidnight(Date.parse('2030-05-01T23:59:59.999Z'))).toBe(1);
    expect(secondsToUtcMidnight(Date.parse('2030-05-01T12:00:00.500Z'))).toBe(43_200);
  });

  it('RecentWindow keeps about one second of counts', () => {
    const w = new RecentWindow();
    w.add(1_000, 3);
    w.add(1_950, 2);
    expect(w.total(1_950)).toBe(5);
    expect(w.total(2_000)).toBe(2);
    expect(w.total(3_000)).toBe(0);
  });
});
