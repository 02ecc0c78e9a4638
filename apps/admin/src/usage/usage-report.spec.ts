import { csvField, usageCsv, usageReport, type UsageLine } from './usage-report';
import { usageRange } from './usage-range';
import { dailySeries } from './usage-series';

const line = (over: Partial<UsageLine>): UsageLine => ({
  period: '2026-11-30',
  keyId: 'k1',
  developerId: 'd1',
  keyName: null,
  keyKind: 'sandbox',
  group: 'client',
  requests: 1,
  paymentsSync: 0,
  paymentsAsync: 0,
  tenantId: 't1',
  email: 'a@example.com',
  ...over,
});

describe('usage report', () => {
  it('totals per tenant and per key over every row', () => {
    const report = usageReport({ from: '2026-11-29', to: '2026-11-30', groupBy: 'day' }, [
      line({ requests: 3, paymentsSync: 1 }),
      line({ group: 'admin', requests: 2 }),
      line({ keyId: 'k2', requests: 5, paymentsAsync: 4 }),
      line({ keyId: 'k3', developerId: 'd2', tenantId: null, email: null, requests: 7 }),
    ]);
    expect(report.totals).toMatchObject({ requests: 17, paymentsSync: 1, paymentsAsync: 4 });
    expect(report.totals.byTenant.map((t) => [t.developerId, t.requests])).toEqual([
      ['d1', 10],
      ['d2', 7],
    ]);
    expect(report.totals.byKey.map((k) => [k.keyId, k.requests, k.paymentsAsync])).toEqual([
      ['k1', 5, 0],
      ['k2', 5, 4],
      ['k3', 7, 0],
    ]);
  });

  it('writes RFC 4180 CSV and defuses spreadsheet formulas in key names', () => {
    expect(csvField('Front, desk "POS"')).toBe('"Front, desk ""POS"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField(null)).toBe('');
    const csv = usageCsv(usageReport({ from: 'a', to: 'b', groupBy: 'day' }, [line({ keyName: 'Till' })]));
    expect(csv).toBe(
      'period,tenantId,developerId,email,keyId,keyName,keyKind,group,requests,paymentsSync,paymentsAsync\r\n' +
        '2026-11-30,t1,d1,a@example.com,k1,Till,sandbox,client,1,0,0\r\n',
    );
  });

  it('defaults the range to the last 30 days and refuses impossible ones', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    expect(usageRange({}, now)).toEqual({ from: '2026-01-31', to: '2026-03-01', groupBy: 'day' });
    expect(() => usageRange({ from: '2026-02-29' }, now)).toThrow(/from: 2026-02-29 is not a calendar day/);
    expect(() => usageRange({ from: '2026-03-02', to: '2026-03-01' }, now)).toThrow(/must not be after to/);
    expect(() => usageRange({ from: '2020-01-01', to: '2026-03-01' }, now)).toThrow(/at most 800 days/);
    expect(usageRange({ from: '2026-03-01', to: '2026-03-01', groupBy: 'month' }, now).groupBy).toBe('month');
  });

  it('fills every day of the chart, zeros included', () => {
    const series = dailySeries({ from: '2026-11-28', to: '2026-11-30', groupBy: 'day' }, [
      line({ period: '2026-11-30', requests: 2, paymentsAsync: 1 }),
      line({ period: '2026-11-30', group: 'device', requests: 3 }),
    ]);
    expect(series.days).toEqual([
      { day: '2026-11-28', requests: 0, paymentsSync: 0, paymentsAsync: 0 },
      { day: '2026-11-29', requests: 0, paymentsSync: 0, paymentsAsync: 0 },
      { day: '2026-11-30', requests: 5, paymentsSync: 0, paymentsAsync: 1 },
    ]);
  });
});
