import 'reflect-metadata';
import type { CloudFlowMessage, RequestDeliveryView } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { startPostgres, waitFor, WebhookReceiver, type PostgresHandle } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../database';
import { WebhookHttpSender } from './webhook-http.sender';
import { deliveryKey } from './webhook-outbox.port';
import { WebhookOutboxRepository } from './webhook-outbox.repository';
import { WebhookQueueRepository } from './webhook-queue.repository';
import { WebhookTargets, type WebhookTarget } from './webhook-target.cache';
import { WebhookTargetVetter, type ResolvedAddress } from './webhook-target.vetter';
import { WebhookWakeupListener } from './webhook-wakeup.listener';
import { WebhookWorker, type WebhookWorkerSettings } from './webhook.worker';

jest.setTimeout(30_000);

const logger = pino({ level: 'silent' });
const SECRET = 'whsec_integration_secret';

/** Account → webhook target, as admin and auth would answer (they are out of scope here). */
class TableTargets extends WebhookTargets {
  readonly table = new Map<string, WebhookTarget>();
  resolve(_tenantId: string, accountId: string): Promise<WebhookTarget> {
    const target = this.table.get(accountId);
    return target ? Promise.resolve(target) : Promise.reject(new Error(`no account ${accountId}`));
  }
}

/** The real sender, counting the connections it was asked to make. */
class CountingSender extends WebhookHttpSender {
  calls = 0;
  override send(...args: Parameters<WebhookHttpSender['send']>) {
    this.calls++;
    return super.send(...args);
  }
}

// Names that must never be reached: answered here, so the test sends no traffic to those ranges.
const DNS: Record<string, ResolvedAddress[]> = {
  'metadata.evil.test': [{ address: '169.254.169.254', family: 4 }],
  'intranet.evil.test': [{ address: '10.20.30.40', family: 4 }],
};
const resolver = (host: string) =>
  DNS[host] ? Promise.resolve(DNS[host]) : Promise.reject(new Error(`unexpected lookup of ${host}`));

function message(requestId: string, seq: number): CloudFlowMessage {
  return {
    type: seq === 3 ? 'paymentResponse' : 'flowEvent',
    format: 'appflow',
    version: '2.1.2',
    requestId: `${requestId}-m${seq}`,
    originatingRequestId: requestId,
    source: 'till-1',
    target: null,
    payload: { seq, note: 'ünïcödé survives byte-exact signing' },
  };
}

describe('webhook outbox and worker on real Postgres', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;
  let outbox: WebhookOutboxRepository;
  let queue: WebhookQueueRepository;
  let receiver: WebhookReceiver;
  let databaseUrl: string;
  const targets = new TableTargets();
  const tenantId = randomUUID();
  const running: Array<{ stop(): Promise<void> }> = [];

  const settings = (over: Partial<WebhookWorkerSettings> = {}): WebhookWorkerSettings => ({
    concurrency: 8,
    leaseMs: 5000,
    pollMs: 5000,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    maxAgeMs: 60_000,
    accountConcurrency: 8,
    disableAfterMs: 3_600_000,
    ...over,
  });

  /** A worker like each gateway replica runs, woken by NOTIFY; poll is slow so the wake-up is what is tested. */
  function startWorker(
    over: Partial<WebhookWorkerSettings> = {},
    sender: WebhookHttpSender = new WebhookHttpSender(2000),
  ): WebhookWorker {
    const worker = new WebhookWorker(
      { queue, targets, vetter: new WebhookTargetVetter(true, resolver), sender, logger },
      settings(over),
    );
    const wakeup = new WebhookWakeupListener(databaseUrl, () => worker.wake(), logger);
    worker.start();
    wakeup.start();
    running.push(wakeup, worker);
    return worker;
  }

  function newAccount(url: string | null = receiver.url): string {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    targets.table.set(accountId, { url, secret: SECRET });
    return accountId;
  }

  /** requestId → the account it was queued for (the outbox is read per account and request). */
  const accountOf = new Map<string, string>();

  async function enqueue(accountId: string, requestId: string, seqs: number[]): Promise<void> {
    accountOf.set(requestId, accountId);
    for (const seq of seqs) {
      await db.transaction((manager) =>
        outbox.enqueue(manager, { tenantId, accountId, requestId, seq, message: message(requestId, seq) }),
      );
    }
  }

  async function deliveries(
    requestId: string,
    accountId = accountOf.get(requestId)!,
  ): Promise<RequestDeliveryView[]> {
    const ref = { accountId, requestId };
    return (await outbox.deliveriesFor(tenantId, [ref])).get(deliveryKey(ref)) ?? [];
  }

  beforeAll(async () => {
    pg = await startPostgres();
    databaseUrl = await pg.createDatabase('gateway_webhooks_int');
    db = new DatabaseService(
      databaseUrl,
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      logger,
    );
    db.onModuleInit();
    await db.whenReady();
    outbox = new WebhookOutboxRepository(db);
    queue = new WebhookQueueRepository(db);
    receiver = await WebhookReceiver.start(SECRET);
  });

  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
    receiver.respond = undefined;
    receiver.mode = 'ok';
    receiver.delayMs = 0;
    await receiver.restart();
  });

  afterAll(async () => {
    await receiver?.stop();
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  it('delivers each message signed over its exact bytes, with the contract headers, well under a second', async () => {
    startWorker();
    const accountId = newAccount();
    const requestId = randomUUID();
    const started = Date.now();
    await enqueue(accountId, requestId, [1]);
    const [got] = await receiver.waitForAccepted(1, requestId, 5000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(got.verified).toBe(true);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['cloudflow-signature']).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(
      Math.abs(Number(/t=(\d+)/.exec(String(got.headers['cloudflow-signature']))![1]) - Date.now() / 1000),
    ).toBeLessThan(5);
    expect(got.body).toEqual(message(requestId, 1));
    const [view] = await waitFor('delivered status', async () =>
      (await deliveries(requestId))[0]?.status === 'delivered' ? deliveries(requestId) : undefined,
    );
    expect(view.deliveryId).toBe(got.deliveryId);
    expect(view.attempts).toEqual([
      expect.objectContaining({ attempt: 1, httpStatus: 200, error: null, seq: 1 }),
    ]);
  });

  it('keeps the order of one request while an earlier message is retried, without holding up other requests', async () => {
    startWorker();
    const accountId = newAccount();
    const slow = randomUUID();
    const other = randomUUID();
    let failuresLeft = 3;
    receiver.respond = (d) =>
      d.requestId === slow && (d.body as { payload: { seq: number } }).payload.seq === 1 && failuresLeft-- > 0
        ? 503
        : 200;
    await enqueue(accountId, slow, [1, 2, 3]);
    await enqueue(accountId, other, [1, 2]);
    await receiver.waitForAccepted(2, other);
    await receiver.waitForAccepted(3, slow);
    const seqs = receiver.received
      .filter((r) => r.requestId === slow)
      .map((r) => [(r.body as { payload: { seq: number } }).payload.seq, r.answered]);
    expect(seqs).toEqual([
      [1, 503],
      [1, 503],
      [1, 503],
      [1, 200],
      [2, 200],
      [3, 200],
    ]);
    // The other request went out while the first one was still failing.
    expect(receiver.acceptedFor(other)[1].at).toBeLessThan(receiver.acceptedFor(slow)[0].at);
    const views = await deliveries(slow);
    expect(views.map((v) => [v.seq, v.status, v.attempts.length])).toEqual([
      [1, 'delivered', 4],
      [2, 'delivered', 1],
      [3, 'delivered', 1],
    ]);
    expect(
      views[0].attempts.slice(0, 3).every((a) => a.httpStatus === 503 && a.error === 'receiver answered 503'),
    ).toBe(true);
    // Every retry of one message carried the same delivery id.
    expect(
      new Set(
        receiver.received
          .filter((r) => r.requestId === slow)
          .slice(0, 4)
          .map((r) => r.deliveryId),
      ),
    ).toEqual(new Set([views[0].deliveryId]));
  });

  it('delivers after the receiver comes back, with the same delivery ids', async () => {
    await receiver.stop();
    startWorker();
    const accountId = newAccount();
    const requestId = randomUUID();
    await enqueue(accountId, requestId, [1, 2]);
    await waitFor(
      'three refused attempts',
      async () => ((await deliveries(requestId))[0]?.attempts.length >= 3 ? true : undefined),
      10_000,
    );
    const down = await deliveries(requestId);
    expect(down.map((v) => v.status)).toEqual(['pending', 'pending']);
    expect(down[0].attempts[0]).toMatchObject({ httpStatus: null, error: 'ECONNREFUSED' });
    expect(down[1].attempts).toEqual([]);
    await receiver.restart();
    const got = await receiver.waitForAccepted(2, requestId, 10_000);
    expect(got.map((r) => r.deliveryId)).toEqual(down.map((v) => v.deliveryId));
    expect(got.every((r) => r.verified)).toBe(true);
  });

  it('gives up after the maximum age (dead, visible with its attempts), then lets the next message go', async () => {
    startWorker({ maxAgeMs: 1500, backoffBaseMs: 100, backoffMaxMs: 300 });
    const accountId = newAccount();
    const requestId = randomUUID();
    receiver.respond = (d) => ((d.body as { payload: { seq: number } }).payload.seq === 1 ? 500 : 200);
    await enqueue(accountId, requestId, [1, 2]);
    const [dead, next] = await waitFor(
      'dead letter',
      async () => {
        const views = await deliveries(requestId);
        return views[0]?.status === 'dead' && views[1]?.status === 'delivered' ? views : undefined;
      },
      10_000,
    );
    expect(dead.attempts.length).toBeGreaterThanOrEqual(3);
    expect(dead.attempts.every((a) => a.httpStatus === 500)).toBe(true);
    const span = Date.parse(dead.attempts.at(-1)!.at) - Date.parse(dead.attempts[0].at);
    expect(span).toBeGreaterThanOrEqual(1300);
    expect(next.attempts).toHaveLength(1);
    expect(receiver.acceptedFor(requestId).map((r) => r.deliveryId)).toEqual([next.deliveryId]);
  });

  it('never lets two workers deliver one row, and keeps per-request order across them', async () => {
    const workers = [startWorker({ concurrency: 6 }), startWorker({ concurrency: 6 })];
    receiver.delayMs = 15;
    const accountId = newAccount();
    const requests = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(requests.map((id) => enqueue(accountId, id, [1, 2, 3])));
    await waitFor(
      'all 36 deliveries',
      () => Promise.resolve(requests.every((id) => receiver.acceptedFor(id).length >= 3) || undefined),
      15_000,
    );
    // Every row settled as delivered: no worker can claim one again, so a duplicate could only
    // come from a claim made before, still in flight. Both workers idle afterwards means every
    // such send has finished, and a send finishes only once the receiver has recorded it.
    await waitFor('every row settled', async () => {
      const views = await Promise.all(requests.map((id) => deliveries(id)));
      return views.flat().every((v) => v.status === 'delivered') || undefined;
    });
    await waitFor('both workers idle', () =>
      Promise.resolve(workers.every((w) => w.busy === 0) || undefined),
    );
    for (const id of requests) {
      const got = receiver.received.filter((r) => r.requestId === id);
      expect(got.map((r) => (r.body as { payload: { seq: number } }).payload.seq)).toEqual([1, 2, 3]);
      expect(new Set(got.map((r) => r.deliveryId)).size).toBe(3);
    }
  });

  it("retries a crashed worker's claim after its lease with the same delivery id; the stale claim cannot settle", async () => {
    const accountId = newAccount();
    const requestId = randomUUID();
    await enqueue(accountId, requestId, [1]);
    // A worker that claims and then dies before it could send or record anything.
    const crashed = await waitFor('claim', async () =>
      (await queue.claim(100, 800, 8)).find((r) => r.requestId === requestId),
    );
    const claimedAt = Date.now();
    startWorker({ pollMs: 100 });
    const [got] = await receiver.waitForAccepted(1, requestId, 5000);
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(700);
    expect(got.deliveryId).toBe(crashed.deliveryId);
    await expect(
      queue.markFailed(
        crashed,
        { httpStatus: null, error: 'late' },
        { retryInMs: 10, maxAgeMs: 60_000, receiverFault: true, disableAfterMs: 3_600_000 },
      ),
    ).resolves.toBeUndefined();
    await expect(queue.markDelivered(crashed, 200)).resolves.toBe(false);
    const [view] = await waitFor('delivered', async () =>
      (await deliveries(requestId))[0]?.status === 'delivered' ? deliveries(requestId) : undefined,
    );
    expect(view.attempts).toHaveLength(1);
  });

  it('records a refused address as an attempt error without opening a connection', async () => {
    const sender = new CountingSender(2000);
    startWorker({}, sender);
    const metadata = newAccount('https://metadata.evil.test/hook');
    const intranet = newAccount('https://intranet.evil.test/hook');
    const literal = newAccount('https://[::ffff:169.254.169.254]/hook');
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await enqueue(metadata, ids[0], [1]);
    await enqueue(intranet, ids[1], [1]);
    await enqueue(literal, ids[2], [1]);
    const errors = await waitFor('refusals recorded', async () => {
      const refs = ids.map((requestId) => ({ accountId: accountOf.get(requestId)!, requestId }));
      const all = await outbox.deliveriesFor(tenantId, refs);
      const first = refs.map((ref) => all.get(deliveryKey(ref))?.[0]?.attempts[0]);
      return first.every(Boolean) ? first : undefined;
    });
    expect(errors.map((a) => [a!.httpStatus, a!.error])).toEqual([
      [null, 'webhook address 169.254.169.254 is link-local and refused'],
      [null, 'webhook address 10.20.30.40 is private and refused'],
      [null, 'webhook address ::ffff:a9fe:a9fe is link-local and refused'],
    ]);
    expect(sender.calls).toBe(0);
  });

  it('keeps a delivery pending while the account has no webhook URL, and sends it once one is set', async () => {
    startWorker({ pollMs: 100 });
    const accountId = newAccount(null);
    const requestId = randomUUID();
    await enqueue(accountId, requestId, [1]);
    await waitFor('two attempts', async () =>
      (await deliveries(requestId))[0]?.attempts.length >= 2 ? true : undefined,
    );
    const [pending] = await deliveries(requestId);
    expect(pending.status).toBe('pending');
    expect(pending.attempts[0]).toMatchObject({ httpStatus: null, error: 'account has no webhook URL' });
    targets.table.set(accountId, { url: receiver.url, secret: SECRET });
    const [got] = await receiver.waitForAccepted(1, requestId);
    expect(got.deliveryId).toBe(pending.deliveryId);
  });

  it('purges finished deliveries past retention with their attempts, never pending ones', async () => {
    const accountId = newAccount();
    const [done, waiting] = [randomUUID(), randomUUID()];
    await enqueue(accountId, done, [1]);
    await enqueue(accountId, waiting, [1]);
    startWorker({ pollMs: 100 });
    await waitFor('delivered', async () =>
      (await deliveries(done))[0]?.status === 'delivered' ? true : undefined,
    );
    for (const r of running.splice(0).reverse()) await r.stop();
    // Age both rows by a day; make one pending again, as if it were still being retried.
    await db.manager.query(
      `UPDATE gateway.webhook_deliveries SET created_at = created_at - interval '1 day' WHERE request_id = ANY($1::varchar[])`,
      [[done, waiting]],
    );
    await db.manager.query(
      `UPDATE gateway.webhook_deliveries SET status = 'pending', next_attempt_at = now() + interval '1 hour' WHERE request_id = $1`,
      [waiting],
    );
    expect(await queue.purgeFinished(3_600_000, 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await deliveries(done)).toEqual([]);
    const [attemptsLeft] = await db.manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM gateway.webhook_attempts a JOIN gateway.webhook_deliveries d USING (delivery_id) WHERE d.request_id = $1`,
      [done],
    );
    expect(attemptsLeft.n).toBe(0);
    expect((await deliveries(waiting)).map((v) => v.status)).toEqual(['pending']);
    await db.manager.query(
      `UPDATE gateway.webhook_deliveries SET status = 'delivered' WHERE request_id = $1`,
      [waiting],
    );
  });

  it("enqueues nothing when the caller's transaction rolls back", async () => {
    startWorker({ pollMs: 100 });
    const accountId = newAccount();
    const requestId = randomUUID();
    await expect(
      db.transaction(async (manager) => {
        await outbox.enqueue(manager, {
          tenantId,
          accountId,
          requestId,
          seq: 1,
          message: message(requestId, 1),
        });
        throw new Error('request side failed');
      }),
    ).rejects.toThrow('request side failed');
    // A committed delivery enqueued after the rollback reaches the receiver: the worker has
    // polled since, and would have sent the rolled-back one first (it is older).
    const sentinel = randomUUID();
    await enqueue(accountId, sentinel, [1]);
    await receiver.waitForAccepted(1, sentinel);
    expect(await deliveries(requestId, accountId)).toEqual([]);
    expect(receiver.received.filter((r) => r.requestId === requestId)).toEqual([]);
  });

  it('keeps the deliveries of two accounts apart when they use the same requestId (admin request log)', async () => {
    startWorker({ pollMs: 100 });
    const [first, second] = [newAccount(), newAccount()];
    const requestId = randomUUID();
    await enqueue(first, requestId, [1, 2, 3]);
    await enqueue(second, requestId, [1]);
    await receiver.waitForAccepted(4, requestId);
    const refs = [
      { accountId: first, requestId },
      { accountId: second, requestId },
      // The same pair twice must not double its rows.
      { accountId: second, requestId },
    ];
    const all = await waitFor('all four delivered', async () => {
      const views = await outbox.deliveriesFor(tenantId, refs);
      const done = [...views.values()].flat().filter((v) => v.status === 'delivered').length;
      return done === 4 ? views : undefined;
    });
    expect(all.size).toBe(2);
    const ofFirst = all.get(deliveryKey(refs[0]))!;
    const ofSecond = all.get(deliveryKey(refs[1]))!;
    expect(ofFirst.map((v) => v.seq)).toEqual([1, 2, 3]);
    expect(ofSecond.map((v) => v.seq)).toEqual([1]);
    expect(ofSecond[0].attempts).toHaveLength(1);
    expect(new Set([...ofFirst, ...ofSecond].map((v) => v.deliveryId)).size).toBe(4);
    // Another tenant asking for the same pair sees nothing.
    expect((await outbox.deliveriesFor(randomUUID(), [refs[0]])).size).toBe(0);
  });
});
