import 'reflect-metadata';
import type { CloudFlowMessage, RequestEvent } from '@cloudflow/contracts';
import { DatabaseService, MetricsService } from '@cloudflow/platform';
import { parsePrometheusText, promValue, startPostgres, type PostgresHandle } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../database';
import { GatewayConfig } from '../gateway.config';
import { WebhookOutboxRepository } from '../webhooks/webhook-outbox.repository';
import type { RequestFinals } from './request-finals';
import { MAX_WAITS, RequestRecorder } from './request-recorder.service';
import { RequestsRepository } from './requests.repository';
import { RequestMetrics } from './request.metrics';

jest.setTimeout(30_000);

const logger = pino({ level: 'silent' });
const tenantId = randomUUID();
const accountId = 'acct-batch';

function frame(type: CloudFlowMessage['type'], requestId: string, n = 0): CloudFlowMessage {
  return {
    type,
    format: 'appflow',
    version: '2.1.2',
    requestId: `${requestId}-${type}-${n}`,
    originatingRequestId: requestId,
    source: 'dev-1',
    target: null,
    payload: { n },
  };
}

function start(requestId: string, connId = 'conn-1'): RequestEvent {
  return {
    eventId: randomUUID(),
    kind: 'start',
    mode: 'sync',
    tenantId,
    accountId,
    target: 'dev-1',
    requestId,
    connId,
    index: 0,
    message: { ...frame('payment', requestId), requestId, payload: { amount: 100 } },
    at: new Date().toISOString(),
  };
}

function reply(
  requestId: string,
  index: number,
  type: CloudFlowMessage['type'] = 'paymentResponse',
  connId = 'conn-1',
): RequestEvent {
  return {
    eventId: randomUUID(),
    kind: 'reply',
    mode: 'sync',
    tenantId,
    accountId,
    target: 'dev-1',
    requestId,
    connId,
    index,
    message: frame(type, requestId, index),
    at: new Date().toISOString(),
  };
}

const once = (events: RequestEvent[]) => events.map((event) => ({ event, deliveries: 1 }));

describe('RequestRecorder.applyBatch on real Postgres', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;
  let repo: RequestsRepository;
  let recorder: RequestRecorder;
  const metrics = new MetricsService('gateway-test');
  /** cloudflow_requests_total{mode="async",status} as the gateway's /metrics says it. */
  const outcomes = async (status?: string) =>
    promValue(parsePrometheusText(await metrics.registry.metrics()), 'cloudflow_requests_total', {
      mode: 'async',
      ...(status ? { status } : {}),
    });
  /** What the recorder told waiting calls (Prefer: wait) after each commit. */
  const announced = {
    keys: [] as string[],
    announce: (keys: Iterable<{ requestId: string }>) =>
      announced.keys.push(...[...keys].map((k) => k.requestId)),
  };

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase('gateway_recorder_int');
    db = new DatabaseService(
      url,
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      logger,
    );
    db.onModuleInit();
    await db.whenReady();
    repo = new RequestsRepository(db);
    recorder = new RequestRecorder(
      db,
      repo,
      new WebhookOutboxRepository(db),
      new GatewayConfig(),
      announced as unknown as RequestFinals,
      logger,
      new RequestMetrics(metrics, {} as never, logger),
    );
  });

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  async function timeline(
    requestId: string,
  ): Promise<{ status: string; result: CloudFlowMessage | null; types: string[]; seqs: number[] }> {
    const row = await repo.find(tenantId, accountId, requestId);
    if (!row) throw new Error(`no request ${requestId}`);
    const messages = (await repo.messages([row.id])).get(row.id) ?? [];
    return {
      status: row.status,
      result: row.result,
      types: messages.map((m) => m.message.type),
      seqs: messages.map((m) => m.seq),
    };
  }

  it('records the starts and replies of several requests in one batch, each in order', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const events = [
      start(a),
      start(b),
      reply(a, 1, 'flowEvent'),
      reply(b, 1),
      start(c),
      reply(a, 2),
      reply(c, 1, 'flowException'),
    ];
    expect(await recorder.applyBatch(once(events))).toEqual(events.map(() => true));
    expect(await timeline(a)).toMatchObject({
      status: 'completed',
      types: ['flowEvent', 'paymentResponse'],
      seqs: [1, 2],
    });
    expect((await timeline(a)).result?.type).toBe('paymentResponse');
    expect(await timeline(b)).toMatchObject({ status: 'completed', types: ['paymentResponse'], seqs: [1] });
    expect(await timeline(c)).toMatchObject({ status: 'failed', types: ['flowException'] });
    // Calls waiting on any gateway (Prefer: wait) are told of each final answer, not of events.
    expect(announced.keys.filter((k) => ([a, b, c] as string[]).includes(k)).sort()).toEqual(
      [a, b, c].sort(),
    );
  });

  it('records a duplicate within a batch once and a redelivered batch not at all', async () => {
    const id = randomUUID();
    const s = start(id);
    const r1 = reply(id, 1, 'flowEvent');
    const r2 = reply(id, 2);
    const batch = once([s, r1, r1, s, r2, r2]);
    expect(await recorder.applyBatch(batch)).toEqual(batch.map(() => true));
    const before = await timeline(id);
    expect(before).toMatchObject({
      status: 'completed',
      types: ['flowEvent', 'paymentResponse'],
      seqs: [1, 2],
    });
    // The whole batch again (a gateway died before acking): all done, nothing added.
    expect(await recorder.applyBatch(batch.map((i) => ({ ...i, deliveries: 2 })))).toEqual(
      batch.map(() => true),
    );
    expect(await timeline(id)).toEqual(before);
  });

  it('holds back a reply whose request or earlier reply is not there yet, and records the rest of the batch', async () => {
    const [early, gap, fine] = [randomUUID(), randomUUID(), randomUUID()];
    await recorder.applyBatch(once([start(gap), reply(gap, 1, 'flowEvent')]));
    const later = reply(gap, 3);
    const outcome = await recorder.applyBatch(once([reply(early, 1), later, start(fine), reply(fine, 1)]));
    expect(outcome).toEqual([false, false, true, true]);
    expect(await repo.find(tenantId, accountId, early)).toBeNull();
    expect(await timeline(gap)).toMatchObject({ status: 'dispatched', types: ['flowEvent'] });
    expect(await timeline(fine)).toMatchObject({ status: 'completed' });
    // The missing reply 2 arrives in a batch with the redelivered 3: both recorded, in order.
    expect(
      await recorder.applyBatch([
        { event: reply(gap, 2, 'flowEvent'), deliveries: 1 },
        { event: later, deliveries: 2 },
      ]),
    ).toEqual([true, true]);
    expect(await timeline(gap)).toMatchObject({
      status: 'completed',
      types: ['flowEvent', 'flowEvent', 'paymentResponse'],
      seqs: [1, 2, 3],
    });
  });

  it('keeps a final answer that arrives after the request was concluded, and ignores the hub after it', async () => {
    const id = randomUUID();
    await recorder.applyBatch(once([start(id)]));
    const row = await repo.find(tenantId, accountId, id);
    expect(await recorder.conclude(row!, frame('flowException', id), 'expired', ['dispatched'])).toBe(true);
    const lost: RequestEvent = { ...reply(id, 2, 'flowException'), origin: 'hub' };
    expect(await recorder.applyBatch(once([reply(id, 1), lost]))).toEqual([true, true]);
    expect(await timeline(id)).toMatchObject({
      status: 'completed',
      types: ['flowException', 'paymentResponse'],
      seqs: [1, 2],
    });
  });

  it('batches recorded concurrently on overlapping requests lose nothing and duplicate nothing', async () => {
    const ids = Array.from({ length: 10 }, () => randomUUID());
    await recorder.applyBatch(once(ids.map((id) => start(id))));
    const replies = ids.map((id) => reply(id, 1));
    // Two "replicas" get the same events (a redelivery racing the first delivery), in opposite orders.
    const results = await Promise.allSettled([
      recorder.applyBatch(once(replies)),
      recorder.applyBatch(once([...replies].reverse())),
    ]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const id of ids)
      expect(await timeline(id)).toMatchObject({
        status: 'completed',
        types: ['paymentResponse'],
        seqs: [1],
      });
  });

  it('records an event that arrives after a later one was recorded without it, and reads both in index order (hole 5)', async () => {
    const id = randomUUID();
    await recorder.applyBatch(once([start(id)]));
    const first = reply(id, 1, 'flowEvent');
    const second = reply(id, 2);
    // Index 2 waited its MAX_WAITS deliveries for index 1 and is recorded without it ...
    expect(await recorder.applyBatch([{ event: second, deliveries: 1 }])).toEqual([false]);
    expect(await recorder.applyBatch([{ event: second, deliveries: MAX_WAITS }])).toEqual([true]);
    expect(await timeline(id)).toMatchObject({ status: 'completed', types: ['paymentResponse'] });
    // ... then index 1 turns up: recorded too (never dropped), and read in its place.
    expect(await recorder.applyBatch([{ event: first, deliveries: 1 }])).toEqual([true]);
    expect(await timeline(id)).toMatchObject({
      status: 'completed',
      types: ['flowEvent', 'paymentResponse'],
      seqs: [2, 1],
    });
    expect((await timeline(id)).result?.type).toBe('paymentResponse');
    // A redelivery of either changes nothing.
    expect(await recorder.applyBatch(once([first, second]))).toEqual([true, true]);
    expect((await timeline(id)).types).toEqual(['flowEvent', 'paymentResponse']);
  });
  it('counts an async request once, at its first final status, and never a sync one', async () => {
    const asyncRequest = async (requestId: string) => {
      const id = await repo.claim({
        tenantId,
        accountId,
        requestId,
        target: 'dev-1',
        type: 'payment',
        mode: 'async',
        status: 'dispatching',
        bodyHash: 'h'.repeat(64),
        request: { ...frame('payment', requestId), requestId },
        connId: 'conn-1',
        expiresAt: new Date(Date.now() + 60_000),
      });
      const ref = { tenantId, id: id! };
      await repo.markDispatched(ref);
      return ref;
    };
    const asAsync = (e: RequestEvent): RequestEvent => ({ ...e, mode: 'async' });
    const total = await outcomes();

    // Answered: completed once, also when the batch is delivered again.
    const answered = randomUUID();
    await asyncRequest(answered);
    const final = asAsync(reply(answered, 1));
    await recorder.applyBatch(once([asAsync(reply(answered, 1, 'flowEvent')), final]));
    await recorder.applyBatch(once([final]));
    expect(await outcomes('completed')).toBe(1);

    // The hub's connectionLost decides it; the late answer that completes it is not a second outcome.
    const lost = randomUUID();
    await asyncRequest(lost);
    await recorder.applyBatch(once([{ ...asAsync(reply(lost, 1, 'flowException')), origin: 'hub' }]));
    await recorder.applyBatch(once([asAsync(reply(lost, 2))]));
    expect((await timeline(lost)).status).toBe('completed');
    expect(await outcomes('connectionLost')).toBe(1);
    expect(await outcomes('completed')).toBe(1);

    // Concluded by the gateway (timed out): expired, once.
    const expired = randomUUID();
    const pk = await asyncRequest(expired);
    expect(await recorder.conclude(pk, frame('flowException', expired), 'expired', ['dispatched'])).toBe(
      true,
    );
    expect(await recorder.conclude(pk, frame('flowException', expired), 'expired', ['dispatched'])).toBe(
      false,
    );
    expect(await outcomes('expired')).toBe(1);

    // A websocket request is counted by the POS's hub, not by the gateway that records it.
    const sync = randomUUID();
    await recorder.applyBatch(once([start(sync), reply(sync, 1)]));
    expect(await outcomes()).toBe(total + 3);
  });
});
