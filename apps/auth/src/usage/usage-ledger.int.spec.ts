import 'reflect-metadata';
import { SUBJECTS, type AppKeyInfo, type UsageRow } from '@cloudflow/contracts';
import { UsageLimiter, UsageReporter } from '@cloudflow/access';
import { DatabaseService, RpcClient, type Broadcasts } from '@cloudflow/platform';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { startAuthHarness, type AuthHarness } from '../testing/auth-int-harness';

jest.setTimeout(30_000);

/**
 * The usage ledger on real NATS and Postgres: two instances' real reporters (injected clocks)
 * reporting for one key across a UTC midnight, duplicated batches, and the limits read from it.
 */
describe('usage ledger', () => {
  let harness: AuthHarness;
  let db: DatabaseService;
  let rpc: RpcClient;
  let info: AppKeyInfo;
  const DAY = '2031-03-14';
  const NEXT = '2031-03-15';

  // One gateway or admin instance as the services run it: its own limiter and reporter.
  const instance = (clock: () => number) => {
    const limiter = new UsageLimiter(clock);
    const broadcasts = { on: () => undefined } as unknown as Broadcasts;
    const reporter = new UsageReporter(limiter, rpc, broadcasts, pino({ level: 'silent' }));
    return { limiter, reporter };
  };
  const ledger = async () =>
    db.dataSource.query<
      Array<{
        day: string;
        api_group: string;
        requests: string;
        payments_sync: string;
        payments_async: string;
      }>
    >(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, api_group, requests, payments_sync, payments_async
         FROM auth.usage_ledger WHERE key_id = $1 ORDER BY day, api_group`,
      [info.keyId],
    );

  beforeAll(async () => {
    harness = await startAuthHarness('auth_usage_ledger_int');
    ({ db, rpc } = harness);
    const { appKey } = await rpc.send(SUBJECTS.auth.developerRegister, {
      developerId: randomUUID(),
      password: 'portal-password-1',
    });
    info = await rpc.send(SUBJECTS.auth.appKeyVerify, { appKey });
  }, 90_000);

  afterAll(() => harness?.stop());

  it('two instances reporting across a UTC midnight give exact per-day totals per group, payments included', async () => {
    let now = Date.parse(`${DAY}T23:59:59.400Z`);
    const a = instance(() => now);
    const b = instance(() => now);
    const admitN = (limiter: UsageLimiter, n: number, group: 'client' | 'device' | 'admin') => {
      for (let i = 0; i < n; i++)
        expect(limiter.admit({ ...info, ratePerSecond: 1000 }, group).allowed).toBe(true);
    };
    admitN(a.limiter, 3, 'client');
    a.limiter.countPayment(info.keyId, 'async');
    admitN(b.limiter, 2, 'client');
    admitN(b.limiter, 4, 'device');
    b.limiter.countPayment(info.keyId, 'sync');
    // a reports before midnight; b's batch leaves after it, carrying both days.
    await a.reporter.flush();
    now = Date.parse(`${NEXT}T00:00:00.300Z`);
    admitN(a.limiter, 1, 'admin');
    admitN(b.limiter, 5, 'client');
    await b.reporter.flush();
    await a.reporter.flush();
    expect(await ledger()).toEqual([
      { day: DAY, api_group: 'client', requests: '5', payments_sync: '1', payments_async: '1' },
      { day: DAY, api_group: 'device', requests: '4', payments_sync: '0', payments_async: '0' },
      { day: NEXT, api_group: 'admin', requests: '1', payments_sync: '0', payments_async: '0' },
      { day: NEXT, api_group: 'client', requests: '5', payments_sync: '0', payments_async: '0' },
    ]);
    // The daily counter the limits read is the ledger's latest day.
    const [{ used_today, day }] = await db.dataSource.query<Array<{ used_today: number; day: string }>>(
      `SELECT used_today, to_char(usage_day, 'YYYY-MM-DD') AS day FROM auth.app_keys WHERE id = $1`,
      [info.keyId],
    );
    expect({ used_today, day }).toEqual({ used_today: 6, day: NEXT });
  });

  it('a batch resent after a lost answer (same report id) is counted once; a new id counts again', async () => {
    const items = [
      {
        keyId: info.keyId,
        day: DAY,
        group: 'admin' as const,
        count: 7,
        lastUsedAt: new Date().toISOString(),
      },
    ];
    const reportId = randomUUID();
    for (let i = 0; i < 3; i++)
      await rpc.send(SUBJECTS.auth.usageReport, { source: 'gw-x', reportId, items });
    const admin = async () =>
      (await ledger()).find((r) => r.day === DAY && r.api_group === 'admin')?.requests;
    expect(await admin()).toBe('7');
    await rpc.send(SUBJECTS.auth.usageReport, { source: 'gw-x', reportId: randomUUID(), items });
    expect(await admin()).toBe('14');
  });

  it('queries by day and by month, filtered by key, with every group apart', async () => {
    const byDay = await rpc.send(SUBJECTS.auth.usageQuery, {
      from: DAY,
      to: NEXT,
      groupBy: 'day',
      keyIds: [info.keyId],
    });
    const pick = (rows: UsageRow[]) =>
      rows.map((r) => [r.period, r.group, r.requests, r.paymentsSync, r.paymentsAsync]);
    expect(pick(byDay.rows)).toEqual([
      [DAY, 'admin', 14, 0, 0],
      [DAY, 'client', 5, 1, 1],
      [DAY, 'device', 4, 0, 0],
      [NEXT, 'admin', 1, 0, 0],
      [NEXT, 'client', 5, 0, 0],
    ]);
    expect(byDay.rows[0]).toMatchObject({
      keyId: info.keyId,
      developerId: info.developerId,
      keyKind: 'sandbox',
    });
    const byMonth = await rpc.send(SUBJECTS.auth.usageQuery, {
      from: '2031-03-01',
      to: '2031-03-31',
      groupBy: 'month',
      keyIds: [info.keyId],
    });
    expect(pick(byMonth.rows)).toEqual([
      ['2031-03', 'admin', 15, 0, 0],
      ['2031-03', 'client', 10, 1, 1],
      ['2031-03', 'device', 4, 0, 0],
    ]);
    // Another developer's filter sees none of it.
    expect(
      (
        await rpc.send(SUBJECTS.auth.usageQuery, {
          from: DAY,
          to: NEXT,
          groupBy: 'day',
          developerIds: [randomUUID()],
        })
      ).rows,
    ).toEqual([]);
    await expect(
      rpc.send(SUBJECTS.auth.usageQuery, { from: 'yesterday', to: NEXT, groupBy: 'day' } as never),
    ).rejects.toMatchObject({ code: 'invalidData' });
  });

  it("the daily limit still bites, from the ledger's count of today", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { appKey } = await rpc.send(SUBJECTS.auth.developerRegister, {
      developerId: randomUUID(),
      password: 'portal-password-2',
    });
    const fresh = await rpc.send(SUBJECTS.auth.appKeyVerify, { appKey });
    await rpc.send(SUBJECTS.auth.appKeyUpdate, { keyId: fresh.keyId, usageLimitPerDay: 5 });
    await rpc.send(SUBJECTS.auth.usageReport, {
      source: 'gw-y',
      reportId: randomUUID(),
      items: [
        { keyId: fresh.keyId, day: today, group: 'client', count: 3, lastUsedAt: new Date().toISOString() },
        { keyId: fresh.keyId, day: today, group: 'device', count: 2, lastUsedAt: new Date().toISOString() },
      ],
    });
    const verified = await rpc.send(SUBJECTS.auth.appKeyVerify, { appKey });
    expect(verified.usage).toEqual({ day: today, usedToday: 5 });
    // A fresh instance starts from that count and refuses the sixth request of the day.
    expect(new UsageLimiter().admit(verified, 'client')).toMatchObject({ allowed: false, reason: 'daily' });
  });
});
