import 'reflect-metadata';
import { EVENTS, SUBJECTS, type UsageReportedEvent, type UsageReportItem } from '@cloudflow/contracts';
import { DatabaseService, RpcClient } from '@cloudflow/platform';
import { waitFor } from '@cloudflow/testing';
import { JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { startAuthHarness, type AuthHarness } from '../testing/auth-int-harness';

jest.setTimeout(30_000);

/** Auth's side of usage metering on a real NATS and Postgres: batches in, totals out and broadcast. */
describe('usage reports', () => {
  let harness: AuthHarness;
  let db: DatabaseService;
  let rpc: RpcClient;
  let nc: NatsConnection;
  const broadcasts: UsageReportedEvent[] = [];
  let keyId: string;
  let appKey: string;
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const item = (over: Partial<UsageReportItem> = {}): UsageReportItem => ({
    keyId,
    day: today,
    count: 1,
    lastUsedAt: new Date().toISOString(),
    ...over,
  });
  const report = (source: string, items: UsageReportItem[]) =>
    rpc.send(SUBJECTS.auth.usageReport, { source, items });
  const stored = async () =>
    (
      await db.dataSource.query<Array<{ used_today: number; day: string; last_used_at: Date }>>(
        `SELECT used_today, to_char(usage_day, 'YYYY-MM-DD') AS day, last_used_at FROM auth.app_keys WHERE id = $1`,
        [keyId],
      )
    )[0];

  beforeAll(async () => {
    harness = await startAuthHarness('auth_usage_int');
    ({ db, rpc, nc } = harness);
    const codec = JSONCodec<UsageReportedEvent>();
    nc.subscribe(EVENTS.usageReported, { callback: (_e, m) => broadcasts.push(codec.decode(m.data)) });
    ({ keyId, appKey } = await rpc.send(SUBJECTS.auth.developerRegister, {
      developerId: randomUUID(),
      password: 'portal-password-1',
    }));
  }, 90_000);

  afterAll(() => harness?.stop());

  it('adds a batch to the key, answers the total and broadcasts it with the batch size and source', async () => {
    const lastUsedAt = new Date(Date.now() - 1000).toISOString();
    expect(await report('gw-a', [item({ count: 3, lastUsedAt })])).toEqual({
      totals: [{ keyId, day: today, usedToday: 3 }],
    });
    // Two items for one key in one batch are merged, not lost to UPDATE … FROM picking one.
    expect(await report('gw-b', [item({ count: 2 }), item({ count: 1 })])).toEqual({
      totals: [{ keyId, day: today, usedToday: 6 }],
    });
    await waitFor('broadcasts', async () => (broadcasts.length >= 2 ? true : undefined), 5000, 20);
    expect(broadcasts.slice(0, 2)).toEqual([
      { source: 'gw-a', items: [{ keyId, day: today, usedToday: 3, added: 3 }] },
      { source: 'gw-b', items: [{ keyId, day: today, usedToday: 6, added: 3 }] },
    ]);
    const row = await stored();
    expect(row).toMatchObject({ used_today: 6, day: today });
    expect(row.last_used_at.getTime()).toBeGreaterThanOrEqual(Date.parse(lastUsedAt));
    const [summary] = (
      await rpc.send(SUBJECTS.auth.developerKeys, {
        developerId: (await rpc.send(SUBJECTS.auth.appKeyVerify, { appKey })).developerId,
      })
    ).keys;
    expect(summary).toMatchObject({ usedToday: 6, lastUsedAt: row.last_used_at.toISOString() });
  });

  it("verify carries today's persisted count, so a fresh instance starts from the cluster total", async () => {
    expect(await rpc.send(SUBJECTS.auth.appKeyVerify, { appKey })).toMatchObject({
      keyId,
      usage: { day: today, usedToday: 6 },
    });
  });

  it('a newer day restarts the count; a late batch of an older day does not add to it', async () => {
    expect(await report('gw-a', [item({ day: tomorrow, count: 4 })])).toEqual({
      totals: [{ keyId, day: tomorrow, usedToday: 4 }],
    });
    expect(await report('gw-b', [item({ day: today, count: 5 })])).toEqual({
      totals: [{ keyId, day: tomorrow, usedToday: 4 }],
    });
    expect(await stored()).toMatchObject({ used_today: 4, day: tomorrow });
  });

  it('ignores unknown keys and refuses malformed batches with invalidData', async () => {
    expect(await report('gw-a', [item({ keyId: randomUUID() })])).toEqual({ totals: [] });
    for (const bad of [
      item({ count: 0 }),
      item({ day: '29-11-2030' }),
      { ...item(), extra: 1 },
      item({ keyId: 'nope' }),
    ]) {
      await expect(report('gw-a', [bad])).rejects.toMatchObject({ code: 'invalidData' });
    }
  });
});
