import {
  CloudFlowError,
  ErrorCode,
  EVENTS,
  SUBJECTS,
  type AppKeyInfo,
  type UsageReportedEvent,
  type UsageReportRequest,
} from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import pino from 'pino';
import { UsageLimiter } from './usage-limiter';
import { UsageReporter } from './usage.reporter';

const KEY = '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60';
const info: AppKeyInfo = {
  keyId: KEY,
  prefix: 'cf_sbx_abcde',
  developerId: 'd1',
  kind: 'sandbox',
  status: 'active',
  groups: ['client'],
  usageLimitPerDay: 5,
  ratePerSecond: 1000,
  expiresAt: null,
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
    reporter = new UsageReporter(
      limiter,
      { send } as unknown as RpcClient,
      broadcasts as unknown as Broadcasts,
      pino({ level: 'silent' }),
    );
  });

  it('sends nothing without traffic, and one message for all admitted requests otherwise', async () => {
    await reporter.flush();
    expect(send).not.toHaveBeenCalled();
    limiter.admit(info);
    limiter.admit(info);
    send.mockResolvedValueOnce({ totals: [{ keyId: KEY, day: DAY, usedToday: 4 }] });
    await reporter.flush();
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(
      SUBJECTS.auth.usageReport,
      {
        source: reporter.source,
        reportId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        items: [expect.objectContaining({ keyId: KEY, day: DAY, group: 'client', count: 2 })],
      },
      expect.any(Number),
    );
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

  it('resends a failed report unchanged, with the same report id, before anything admitted since', async () => {
    limiter.admit(info);
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.failed, 'timeout'));
    await reporter.flush();
    limiter.admit(info, 'admin');
    send.mockResolvedValue({ totals: [{ keyId: KEY, day: DAY, usedToday: 2 }] });
    await reporter.flush();
    const reports = () =>
      (send.mock.calls as Array<[string, UsageReportRequest]>).map(([, report]) => report);
    const [first, second] = reports();
    // Auth may have added the first attempt already: only the same id lets it count once.
    expect(second).toEqual(first);
    expect(second.items).toEqual([expect.objectContaining({ count: 1, group: 'client' })]);
    await reporter.flush();
    const third = reports()[2];
    expect(third.reportId).not.toBe(first.reportId);
    expect(third.items).toEqual([expect.objectContaining({ count: 1, group: 'admin' })]);
  });

  it("applies other instances' totals from the broadcast: the limit is the cluster's", () => {
    onUsage({ source: 'other-gateway', items: [{ keyId: KEY, day: DAY, usedToday: 5, added: 5 }] });
    expect(limiter.admit(info)).toMatchObject({ allowed: false, reason: 'daily' });
  });
});
