import 'reflect-metadata';
import { DatabaseService } from '@cloudflow/platform';
import { startPostgres, type PostgresHandle } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../database';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WebhookOperationsRepository } from './webhook-operations.repository';
import { WebhookQueueRepository, type ClaimedDelivery, type FailurePolicy } from './webhook-queue.repository';

jest.setTimeout(30_000);

const logger = pino({ level: 'silent' });
const LEASE_MS = 10_000;
const HOUR = 3_600_000;

/**
 * The outbox's issue-14 rules on a real Postgres: the per-account cap over concurrent claims (two
 * replicas), a redelivery's fresh budget, a receiver failing into disabled and enabled again, and
 * what the purge keeps.
 */
describe('webhook operations on real Postgres', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;
  let outbox: WebhookOutboxRepository;
  let queue: WebhookQueueRepository;
  let ops: WebhookOperationsRepository;
  const tenantId = randomUUID();

  const failure: FailurePolicy = {
    retryInMs: 60_000,
    maxAgeMs: HOUR,
    receiverFault: true,
    disableAfterMs: HOUR,
  };

  async function enqueue(accountId: string, requests = 1, seqs = [1]): Promise<string[]> {
    const ids = Array.from({ length: requests }, () => randomUUID());
    await db.transaction((manager) =>
      outbox.enqueueMany(
        manager,
        ids.flatMap((requestId) =>
          seqs.map((seq) => ({
            tenantId,
            accountId,
            requestId,
            seq,
            message: {
              type: 'flowEvent' as const,
              format: 'appflow',
              version: '2.1.2',
              requestId: `${requestId}-${seq}`,
              originatingRequestId: requestId,
              payload: { seq },
            },
          })),
        ),
      ),
    );
    return ids;
  }

  const claim = (cap = 8) => queue.claim(100, LEASE_MS, cap);
  const of = (rows: ClaimedDelivery[], accountId: string) => rows.filter((r) => r.accountId === accountId);
  const sql = <T = unknown>(text: string, params: unknown[] = []) => db.manager.query<T[]>(text, params);

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase('gateway_webhook_ops_int');
    db = new DatabaseService(
      url,
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      logger,
    );
    db.onModuleInit();
    await db.whenReady();
    outbox = new WebhookOutboxRepository(db);
    queue = new WebhookQueueRepository(db);
    ops = new WebhookOperationsRepository(db);
  });

  // Each test sees only its own due rows.
  afterEach(() =>
    sql(
      `UPDATE gateway.webhook_deliveries SET status = 'delivered', lease_until = NULL WHERE status = 'pending'`,
    ),
  );

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  it('gives an account at most its cap of live leases, over claims running at once, while another account gets its own', async () => {
    const [slow, other] = [`slow-${randomUUID().slice(0, 8)}`, `other-${randomUUID().slice(0, 8)}`];
    await enqueue(slow, 10);
    await enqueue(other, 3);
    // Two replicas claiming at the same moment.
    const [a, b] = await Promise.all([claim(2), claim(2)]);
    expect(of([...a, ...b], slow)).toHaveLength(2);
    expect(of([...a, ...b], other)).toHaveLength(2);
    expect(of(await claim(2), slow)).toEqual([]);
    // A settled row frees its slot, for that account only.
    const held = of([...a, ...b], slow);
    await expect(queue.markDelivered(held[0], 200)).resolves.toBe(true);
    const next = await claim(2);
    expect(of(next, slow)).toHaveLength(1);
    expect(of(next, other)).toHaveLength(0);
    // An expired lease (a crashed worker's) no longer counts.
    await sql(
      `UPDATE gateway.webhook_deliveries SET lease_until = now() - interval '1 second' WHERE account_id = $1 AND lease_until IS NOT NULL`,
      [slow],
    );
    expect(of(await claim(2), slow)).toHaveLength(2);
  });

  it('redelivers a dead row with the same id, due now, with a fresh deadline and backoff', async () => {
    const accountId = `redeliver-${randomUUID().slice(0, 8)}`;
    const [requestId] = await enqueue(accountId);
    // Dead after 5 attempts, queued 4 days ago.
    await sql(
      `UPDATE gateway.webhook_deliveries SET status = 'dead', attempts = 5, dead_at = now() - interval '1 day', created_at = now() - interval '4 days', next_attempt_at = now() - interval '1 day' WHERE request_id = $1`,
      [requestId],
    );
    const [dead] = await ops.list(tenantId, accountId, 'dead', 10);
    expect(dead).toMatchObject({ requestId, status: 'dead', attempts: 5 });
    expect(await ops.redeliver(tenantId, 'someone-else', dead.deliveryId)).toBeUndefined();
    expect(await ops.redeliver(randomUUID(), accountId, dead.deliveryId)).toBeUndefined();

    const again = await ops.redeliver(tenantId, accountId, dead.deliveryId);
    expect(again).toMatchObject({
      deliveryId: dead.deliveryId,
      status: 'pending',
      deadAt: null,
      attempts: 5,
    });
    expect(again!.redeliveredAt).not.toBeNull();
    const [row] = of(await claim(), accountId);
    expect(row).toMatchObject({ deliveryId: dead.deliveryId, attempts: 5, budgetAttempts: 0 });
    // Held by a worker: a second redelivery answers it as it is.
    expect(await ops.redeliver(tenantId, accountId, dead.deliveryId)).toMatchObject({ status: 'pending' });
    // 4 days after it was queued, but the deadline counts from the redelivery: pending, not dead.
    await expect(
      queue.markFailed(
        row,
        { httpStatus: 503, error: 'receiver answered 503' },
        { ...failure, maxAgeMs: 72 * HOUR },
      ),
    ).resolves.toEqual({
      status: 'pending',
      receiverDisabled: false,
    });
    const [after] = await sql<{ attempts: number; next_in_s: number }>(
      `SELECT attempts, extract(epoch FROM next_attempt_at - now())::float8 AS next_in_s FROM gateway.webhook_deliveries WHERE delivery_id = $1`,
      [dead.deliveryId],
    );
    expect(after.attempts).toBe(6);
    expect(after.next_in_s).toBeGreaterThan(50);
    const [claimedAgain] = await sql<{ attempts_before_redelivery: number }>(
      `SELECT attempts_before_redelivery FROM gateway.webhook_deliveries WHERE delivery_id = $1`,
      [dead.deliveryId],
    );
    expect(claimedAgain.attempts_before_redelivery).toBe(5);
  });

  it('redelivers every dead row of one account only, and counts them', async () => {
    const [mine, theirs] = [`dead-${randomUUID().slice(0, 8)}`, `dead-${randomUUID().slice(0, 8)}`];
    await enqueue(mine, 2, [1, 2]);
    await enqueue(theirs, 1);
    await sql(
      `UPDATE gateway.webhook_deliveries SET status = 'dead', dead_at = now() WHERE account_id = ANY($1::varchar[])`,
      [[mine, theirs]],
    );
    expect(await ops.redeliverDead(tenantId, mine)).toBe(4);
    expect(await ops.redeliverDead(tenantId, mine)).toBe(0);
    expect(await ops.list(tenantId, theirs, 'dead', 10)).toHaveLength(1);
    // Order per request still holds: seq 2 waits for seq 1.
    const claimed = of(await claim(), mine);
    expect(claimed.map((r) => r.seq)).toEqual([1, 1]);
  });

  it('marks a failing receiver, disables it after the limit, claims none of its rows, and enables it again', async () => {
    const accountId = `failing-${randomUUID().slice(0, 8)}`;
    await enqueue(accountId, 2);
    const [first, second] = of(await claim(), accountId);
    // Our own outage does not count against the receiver.
    await queue.markFailed(
      first,
      { httpStatus: null, error: 'NATS timeout' },
      { ...failure, receiverFault: false, retryInMs: 0 },
    );
    expect(await ops.receiver(tenantId, accountId)).toMatchObject({ state: 'ok', pending: 2, dead: 0 });
    await queue.markFailed(
      second,
      { httpStatus: 500, error: 'receiver answered 500' },
      { ...failure, retryInMs: 0 },
    );
    const failing = await ops.receiver(tenantId, accountId);
    expect(failing).toMatchObject({ state: 'failing', lastError: 'receiver answered 500', disabledAt: null });
    // Failing for two hours now, over a limit of one.
    await sql(
      `UPDATE gateway.webhook_receivers SET failing_since = now() - interval '2 hours' WHERE account_id = $1`,
      [accountId],
    );
    const retried = of(await claim(), accountId);
    expect(retried).toHaveLength(2);
    const settled = [];
    for (const row of retried)
      settled.push(
        await queue.markFailed(
          row,
          { httpStatus: null, error: 'ECONNREFUSED' },
          { ...failure, retryInMs: 0 },
        ),
      );
    // The first failure past the limit disables it (and says so once).
    expect(settled).toEqual([
      { status: 'pending', receiverDisabled: true },
      { status: 'pending', receiverDisabled: false },
    ]);
    const disabled = await ops.receiver(tenantId, accountId);
    expect(disabled).toMatchObject({ state: 'disabled', lastError: 'ECONNREFUSED', pending: 2 });
    expect(Date.parse(disabled.disabledAt!) - Date.parse(disabled.failingSince!)).toBeGreaterThanOrEqual(
      2 * HOUR - 1000,
    );
    // Nothing of it is claimed while disabled, however due.
    await enqueue(accountId, 1);
    expect(of(await claim(), accountId)).toEqual([]);

    await sql(
      `UPDATE gateway.webhook_deliveries SET next_attempt_at = now() + interval '1 hour' WHERE account_id = $1`,
      [accountId],
    );
    expect(await ops.enable(tenantId, accountId)).toBeUndefined();
    expect(await ops.receiver(tenantId, accountId)).toMatchObject({
      state: 'ok',
      failingSince: null,
      lastError: null,
    });
    // Enabled: its pending rows are due at once, not after their backoff.
    const back = of(await claim(), accountId);
    expect(back).toHaveLength(3);
    // One failure, then one success: failing, then healthy.
    await queue.markFailed(back[0], { httpStatus: 502, error: 'receiver answered 502' }, failure);
    expect((await ops.receiver(tenantId, accountId)).state).toBe('failing');
    await expect(queue.markDelivered(back[1], 200)).resolves.toBe(true);
    expect((await ops.receiver(tenantId, accountId)).state).toBe('ok');
  });

  it('keeps dead rows for their own retention, and lets rows of a disabled receiver go dead past their deadline', async () => {
    const accountId = `purge-${randomUUID().slice(0, 8)}`;
    const [recent, old, delivered] = await enqueue(accountId, 3);
    await sql(
      `UPDATE gateway.webhook_deliveries SET created_at = now() - interval '10 days' WHERE account_id = $1`,
      [accountId],
    );
    await sql(
      `UPDATE gateway.webhook_deliveries SET status = 'dead', dead_at = now() - interval '2 days' WHERE request_id = $1`,
      [recent],
    );
    await sql(
      `UPDATE gateway.webhook_deliveries SET status = 'dead', dead_at = now() - interval '40 days' WHERE request_id = $1`,
      [old],
    );
    await sql(`UPDATE gateway.webhook_deliveries SET status = 'delivered' WHERE request_id = $1`, [
      delivered,
    ]);
    // Delivered: 96 h after queued; dead: 30 days after dead.
    await queue.purgeFinished(96 * HOUR, 30 * 24 * HOUR);
    expect((await ops.list(tenantId, accountId, undefined, 10)).map((d) => d.requestId)).toEqual([recent]);

    const disabled = `disabled-${randomUUID().slice(0, 8)}`;
    const [late, young] = await enqueue(disabled, 2);
    await sql(
      `UPDATE gateway.webhook_deliveries SET created_at = now() - interval '4 days' WHERE request_id = $1`,
      [late],
    );
    await sql(
      `INSERT INTO gateway.webhook_receivers (account_id, tenant_id, failing_since, last_error, last_error_at, disabled_at) VALUES ($1, $2, now() - interval '6 days', 'ECONNREFUSED', now(), now())`,
      [disabled, tenantId],
    );
    expect(await queue.expireDisabled(72 * HOUR)).toBe(1);
    const rows = await ops.list(tenantId, disabled, undefined, 10);
    expect(Object.fromEntries(rows.map((r) => [r.requestId, r.status]))).toEqual({
      [late]: 'dead',
      [young]: 'pending',
    });
    expect(rows.find((r) => r.requestId === late)).toMatchObject({ lastError: 'receiver disabled' });
  });
});
