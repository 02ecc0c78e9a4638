import { CloudFlowError, ErrorCode, EVENTS, SUBJECTS, type AppKeyInfo, type UsageReportedEvent } from '@cloudflow/contracts';
import pino from 'pino';
import type { Broadcasts } from '../nats/broadcasts';
import type { RpcClient } from '../nats/rpc-client';
import { UsageLimiter } from './usage-limiter';
import { UsageReporter } from './usage.reporter';

const KEY = '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60';
const info: AppKeyInfo = {
  keyId: KEY, prefix: 'cf_sbx_abcde', developerId: 'd1', kind: 'sandbox', status: 'active',
  groups: ['client'], usageLimitPerDay: 5, ratePerSecond: 1000, expiresAt: null,
};
const DAY = '2030-05-01';

describe('UsageReporter', () => {
  let send: jest.Mock;
  let onUsage: (event: UsageReportedEvent) => void;
  let limiter: UsageLimiter;
  let reporter: UsageReporter;

  beforeEach(() => {
    send = jest.fn(() => Promise.reject(new Error('unexpected report')));
    limiter = new UsageLimiter(() => Date.parse(`${DAY}T12:00:00Z`));
    const broadcasts = {
      on: jest.fn((subject: string, handler: typeof onUsage) => {
        expect(subject).toBe(EVENTS.usageReported);
        onUsage = handler;
      }),
    };
    reporter = new UsageReporter(limiter, { send } as unknown as RpcClient, broadcasts as unknown as Broadcasts, pino({ level: 'silent' }));
  });

  it('sends nothing without traffic, and one message for all admitted requests otherwise', async () => {
    await reporter.flush();
    expect(send).not.toHaveBeenCalled();
    limiter.admit(info);
    limiter.admit(info);
    send.mockResolvedValueOnce({ totals: [{ keyId: KEY, day: DAY, usedToday: 4 }] });
    await reporter.flush();
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.usageReport, { source: reporter.source, items: [expect.objectContaining({ keyId: KEY, day: DAY, count: 2 })] }, expect.any(Number));
    // Auth's total (2 of ours + 2 from elsewhere) replaces the local guess.
    expect(limiter.usedToday(KEY)).toBe(4);
  });

  it('keeps one report in flight at a time', async () => {
    limiter.admit(info);
    let answer: (v: unknown) => void = () => undefined;
    send.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const first = reporter.flush();
    limiter.admit(info);
    const second = reporter.flush();
    expect(send).toHaveBeenCalledTimes(1);
    answer({ totals: [{ keyId: KEY, day: DAY, usedToday: 1 }] });
    await Promise.all([first, second]);
    expect(limiter.usedToday(KEY)).toBe(2);
  });

  it('counts a failed report again in the next one', async () => {
    limiter.admit(info);
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.failed, 'timeout'));
    await reporter.flush();
    send.mockResolvedValueOnce({ totals: [{ keyId: KEY, day: DAY, usedToday: 1 }] });
    await reporter.flush();
    expect(send).toHaveBeenLastCalledWith(SUBJECTS.auth.usageReport, { source: reporter.source, items: [expect.objectContaining({ count: 1 })] }, expect.any(Number));
  });

  it("applies other instances' totals from the broadcast: the limit is the cluster's", () => {
    onUsage({ source: 'other-gateway', items: [{ keyId: KEY, day: DAY, usedToday: 5, added: 5 }] });
    expect(limiter.admit(info)).toMatchObject({ allowed: false, reason: 'daily' });
  });
});
