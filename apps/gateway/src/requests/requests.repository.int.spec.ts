import 'reflect-metadata';
import { DatabaseService } from '@cloudflow/platform';
import { startPostgres, type PostgresHandle } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../database';
import { RequestsRepository, type NewRequest } from './requests.repository';

jest.setTimeout(30_000);

const tenantId = randomUUID();
const accountId = 'acct-claims';

function request(requestId: string, over: Partial<NewRequest> = {}): NewRequest {
  return {
    tenantId,
    accountId,
    requestId,
    target: 'dev-1',
    type: 'payment',
    mode: 'async',
    status: 'dispatching',
    bodyHash: 'a'.repeat(64),
    request: {
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId,
      target: 'dev-1',
      payload: {},
    },
    connId: 'conn-1',
    expiresAt: new Date(Date.now() + 60_000),
    ...over,
  };
}

describe('RequestsRepository.claim on real Postgres (concurrent claims are one statement)', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;
  let repo: RequestsRepository;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase('gateway_claims_int');
    db = new DatabaseService(
      url,
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      pino({ level: 'silent' }),
    );
    db.onModuleInit();
    await db.whenReady();
    repo = new RequestsRepository(db);
  });

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  it('gives each new requestId its row, one winner per key among duplicates in the same burst', async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const burst = [...ids.map((id) => request(id)), request(ids[0]), request(ids[1])];
    const claimed = await Promise.all(burst.map((r) => repo.claim(r)));
    expect(claimed.slice(0, 20).every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(claimed.slice(0, 20)).size).toBe(20);
    expect(claimed.slice(20)).toEqual([null, null]);
    for (const [i, requestId] of ids.entries())
      expect((await repo.find(tenantId, accountId, requestId))?.id).toBe(claimed[i]);
    // A stored request is not claimed again; a rejected one is taken over (same row).
    expect(await repo.claim(request(ids[2]))).toBeNull();
    const third = { tenantId, id: claimed[3]! };
    await repo.transition(third, ['dispatching'], 'rejected', 'connectionLost');
    expect(await repo.claim(request(ids[3], { connId: 'conn-2' }))).toBe(claimed[3]);
    expect((await repo.byId(third))?.status).toBe('dispatching');
  });

  it('finds nothing by a surrogate id under another tenant, and changes nothing', async () => {
    const requestId = randomUUID();
    const id = (await repo.claim(request(requestId)))!;
    const foreign = { tenantId: randomUUID(), id };
    expect(await repo.byId(foreign)).toBeNull();
    expect(await repo.withTimeline(foreign)).toBeNull();
    expect(await repo.transition(foreign, ['dispatching'], 'rejected', 'connectionLost')).toBe(false);
    expect(await repo.markDispatched(foreign)).toBe(false);
    await repo.setConnection(foreign, 'conn-elsewhere');
    await db.transaction((tx) => repo.settle(tx, foreign, 'completed', undefined));
    expect(await db.transaction((tx) => repo.lockById(tx, foreign))).toBeNull();
    expect(await repo.byId({ tenantId, id })).toMatchObject({ status: 'dispatching', connId: 'conn-1' });
    expect(await repo.markDispatched({ tenantId, id })).toBe(true);
  });

  it('sends a burst of claims as a few multi-row INSERTs (group commit), not one per claim', async () => {
    const query = jest.spyOn(db.manager, 'query');
    try {
      const claimed = await Promise.all(Array.from({ length: 50 }, () => repo.claim(request(randomUUID()))));
      expect(claimed.every((id) => id !== null)).toBe(true);
      const inserts = query.mock.calls.filter(([sql]) =>
        String(sql).includes('INSERT INTO "gateway"."requests"'),
      );
      // All 50 are queued in one turn of the event loop, so they share a batch (was 50 INSERTs).
      expect(inserts.length).toBeGreaterThan(0);
      expect(inserts.length).toBeLessThanOrEqual(3);
    } finally {
      query.mockRestore();
    }
  });

  it('claims each of a burst alone when the batch statement fails, so a bad row fails only itself', async () => {
    const good = randomUUID();
    const [ok, bad] = await Promise.all([
      repo.claim(request(good)),
      repo.claim(request(randomUUID(), { target: 'x'.repeat(500) })).catch((e: unknown) => e),
    ]);
    expect(typeof ok).toBe('string');
    expect(bad).toBeInstanceOf(Error);
    expect((await repo.find(tenantId, accountId, good))?.id).toBe(ok);
  });

  it('reads a request and its timeline from one snapshot: a final committed between the two reads shows in neither', async () => {
    const requestId = randomUUID();
    const id = (await repo.claim(request(requestId)))!;
    const final = {
      ...request(requestId).request,
      type: 'paymentResponse' as const,
      originatingRequestId: requestId,
    };
    // The recorder's commit (message + status + result together) lands just after the row was read.
    const realMessages = repo.messages.bind(repo);
    const spy = jest.spyOn(repo, 'messages').mockImplementationOnce(async (pks, tx) => {
      await db.transaction(async (other) => {
        await repo.append(other, id, { eventId: randomUUID(), connId: 'c', connIndex: 1, message: final });
        await repo.settle(other, { tenantId, id }, 'completed', final);
      });
      return realMessages(pks, tx);
    });
    try {
      const before = await repo.withTimeline({ tenantId, accountId, requestId });
      expect({
        status: before!.row.status,
        result: before!.row.result,
        messages: before!.messages.length,
      }).toEqual({
        status: 'dispatching',
        result: null,
        messages: 0,
      });
    } finally {
      spy.mockRestore();
    }
    const after = await repo.withTimeline({ tenantId, id });
    expect({
      status: after!.row.status,
      type: after!.row.result?.type,
      messages: after!.messages.length,
    }).toEqual({
      status: 'completed',
      type: 'paymentResponse',
      messages: 1,
    });
  });
});
