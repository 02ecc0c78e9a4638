import { Injectable } from '@nestjs/common';
import type { CloudFlowMessage, RequestMode, RequestStatus } from '@cloudflow/contracts';
import { DatabaseService, isPoolBusy, isStorageOutage } from '@cloudflow/platform';
import { In, LessThan, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { BatchedCalls, ItemFailure } from './keyed-batches';
import { RequestEntity, RequestMessageEntity, type StoredStatus } from './request.entity';

export interface NewRequest {
  tenantId: string;
  accountId: string;
  requestId: string;
  target: string;
  type: string;
  mode: RequestMode;
  status: StoredStatus;
  bodyHash: string;
  request: CloudFlowMessage;
  connId: string | null;
  expiresAt: Date;
  /** The trace it is part of (tracing on). */
  traceId?: string | null;
}

export interface NewMessage {
  eventId: string | null;
  connId: string | null;
  connIndex: number | null;
  message: CloudFlowMessage;
}

export interface RequestKey {
  tenantId: string;
  accountId: string;
  requestId: string;
}

/**
 * A row by its surrogate id, always with its tenant: an id that reached the wrong tenant's code
 * path finds nothing rather than another business's request (the id's index makes it free).
 */
export interface RowRef {
  tenantId: string;
  id: string;
}

export interface ClaimedRequest extends RequestKey {
  id: string;
  /** A new row (no timeline yet), not a taken-over `rejected` one. */
  inserted: boolean;
}

/** What recording needs of a locked request. */
export interface LockedRequest extends RequestKey {
  id: string;
  target: string;
  mode: RequestMode;
  /** payment or request (metrics count outcomes by it). */
  type: string;
  status: StoredStatus;
}

export interface TimelineState {
  lastSeq: number;
  /** Messages recorded per device connection. */
  perConnection: Map<string, number>;
  /** Event ids (of those asked about) already on the timeline. */
  seen: Set<string>;
}

export interface PositionedMessage extends NewMessage {
  requestPk: string;
  seq: number;
}

export interface RequestChange {
  id: string;
  status: StoredStatus;
  /** Becomes the request's result; null keeps the current one. */
  result: CloudFlowMessage | null;
}

export interface RequestFilters {
  accountId?: string;
  target?: string;
  status?: RequestStatus;
}

/**
 * The one INSERT of request rows, for one or many (`unnest`). A requestId is free again only
 * while its row is `rejected` (nothing was dispatched for it): the conflict takes that row over,
 * with the new row's status (`given`) or as `dispatched` (a recorded websocket request, whose
 * events are applied to it afresh), keeping its result. `inserted` tells a new row from a taken-over one.
 */
function insertRequests(takeOverAs: 'given' | 'dispatched'): string {
  return `INSERT INTO "gateway"."requests"
         ("tenant_id", "account_id", "request_id", "target", "type", "kind", "status", "body_hash", "request", "conn_id", "expires_at", "result", "trace_id")
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[],
                            $8::char(64)[], $9::jsonb[], $10::varchar[], $11::timestamptz[], $12::jsonb[], $13::varchar[])
       ON CONFLICT ("tenant_id", "account_id", "request_id") DO UPDATE SET
         "target" = EXCLUDED."target", "type" = EXCLUDED."type", "kind" = EXCLUDED."kind",
         "status" = ${takeOverAs === 'given' ? 'EXCLUDED."status"' : "'dispatched'"},
         "error_code" = NULL, "body_hash" = EXCLUDED."body_hash", "request" = EXCLUDED."request", "conn_id" = EXCLUDED."conn_id",
         "created_at" = now(), "updated_at" = now(), "expires_at" = EXCLUDED."expires_at", "trace_id" = EXCLUDED."trace_id"
       WHERE "requests"."status" = 'rejected'
       RETURNING "id", "tenant_id", "account_id", "request_id", ("xmax" = 0) AS "inserted"`;
}
const CLAIM = insertRequests('given');
const CLAIM_RECORDED = insertRequests('dispatched');

/** The parameters of `insertRequests`, column by column. */
function requestColumns(rs: Array<NewRequest & { result?: CloudFlowMessage | null }>): unknown[] {
  const col = <K extends keyof NewRequest>(k: K) => rs.map((r) => r[k]);
  return [
    col('tenantId'),
    col('accountId'),
    col('requestId'),
    col('target'),
    col('type'),
    col('mode'),
    col('status'),
    col('bodyHash'),
    rs.map((r) => JSON.stringify(r.request)),
    col('connId'),
    rs.map((r) => r.expiresAt.toISOString()),
    rs.map((r) => (r.result ? JSON.stringify(r.result) : null)),
    rs.map((r) => r.traceId ?? null),
  ];
}

interface InsertedRow {
  id: string;
  tenant_id: string;
  account_id: string;
  request_id: string;
  inserted: boolean;
}

function keyOf(k: RequestKey): string {
  return `${k.tenantId}\u0000${k.accountId}\u0000${k.requestId}`;
}

/**
 * Requests and their timelines. Every lookup takes the tenant: with the account and requestId,
 * or with the row's surrogate id (RowRef); the timeline's own rows are reached only through a
 * request found that way. Methods taking `tx` run inside the caller's transaction.
 */
@Injectable()
export class RequestsRepository {
  /** dispatching → dispatched of many POSTs in one UPDATE (two in flight: one pooled connection each). */
  private readonly dispatched = new BatchedCalls<RowRef, boolean>((rows) => this.markDispatchedNow(rows), {
    maxBatch: 500,
    concurrency: 2,
  });
  /** The INSERTs that claim requestIds, batched the same way. */
  private readonly claims = new BatchedCalls<NewRequest, string | null>((rs) => this.claimNow(rs), {
    maxBatch: 200,
    concurrency: 2,
  });

  constructor(private readonly db: DatabaseService) {}

  private requests(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(RequestEntity);
  }

  private messagesRepo(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(RequestMessageEntity);
  }

  find(
    tenantId: string,
    accountId: string,
    requestId: string,
    tx?: EntityManager,
  ): Promise<RequestEntity | null> {
    return this.requests(tx).findOneBy({ tenantId, accountId, requestId });
  }

  byId({ tenantId, id }: RowRef): Promise<RequestEntity | null> {
    return this.requests().findOneBy({ id, tenantId });
  }

  lockById(tx: EntityManager, { tenantId, id }: RowRef): Promise<RequestEntity | null> {
    return this.requests(tx).findOne({ where: { id, tenantId }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Writes a new request, or takes over a `rejected` one (nothing was dispatched for it). The
   * unique key decides between concurrent duplicates: only the winner gets the row id back.
   * Without `tx`, concurrent POSTs' claims go out as one multi-row INSERT (group commit: one
   * statement and one commit for many POSTs under load, no added wait when idle).
   */
  claim(r: NewRequest, tx?: EntityManager): Promise<string | null> {
    return tx ? this.claimOne(r, tx) : this.claims.call(r);
  }

  private async claimOne(r: NewRequest, tx?: EntityManager): Promise<string | null> {
    const rows: InsertedRow[] = await (tx ?? this.db.manager).query(CLAIM, requestColumns([r]));
    return rows[0] ? String(rows[0].id) : null;
  }

  /**
   * One statement for a batch of claims. A key twice in one batch loses the second time (one
   * statement may not touch a row twice; the first is the winner anyway). Rows go in key order
   * so replicas take unique-index locks in one order. If the statement fails for anything but
   * an outage or a full pool, each claim is tried alone, so one bad row cannot fail its neighbours.
   */
  private async claimNow(rs: NewRequest[]): Promise<Array<string | null | ItemFailure>> {
    if (rs.length === 1) return [await this.claimOne(rs[0])];
    const firsts = new Map<string, NewRequest>();
    for (const r of rs) if (!firsts.has(keyOf(r))) firsts.set(keyOf(r), r);
    const rows = [...firsts.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    let won: Map<string, string>;
    try {
      won = await this.claimRows(rows);
    } catch (error) {
      // An outage or a full pool fails every claim alike: trying them one by one would only add load.
      if (isStorageOutage(error) || isPoolBusy(error)) throw error;
      const alone = new Map(
        await Promise.all(
          rows.map(
            async (r) =>
              [keyOf(r), await this.claimOne(r).catch((e: unknown) => new ItemFailure(e))] as const,
          ),
        ),
      );
      // A duplicate lost to its first, unless the first failed: then it fails the same way.
      return rs.map((r) => {
        const first = alone.get(keyOf(r))!;
        return firsts.get(keyOf(r)) === r || first instanceof ItemFailure ? first : null;
      });
    }
    return rs.map((r) => (firsts.get(keyOf(r)) === r ? (won.get(keyOf(r)) ?? null) : null));
  }

  private async claimRows(rs: NewRequest[]): Promise<Map<string, string>> {
    const rows: InsertedRow[] = await this.db.manager.query(CLAIM, requestColumns(rs));
    return new Map(
      rows.map((row) => [
        keyOf({ tenantId: row.tenant_id, accountId: row.account_id, requestId: row.request_id }),
        String(row.id),
      ]),
    );
  }

  /** Moves a request on only from the given statuses (safe with any number of gateway replicas). */
  async transition(
    { tenantId, id }: RowRef,
    from: StoredStatus[],
    to: StoredStatus,
    errorCode: string | null = null,
    tx?: EntityManager,
  ): Promise<boolean> {
    const res = await this.requests(tx).update(
      { id, tenantId, status: In(from) },
      { status: to, errorCode, updatedAt: new Date() },
    );
    return (res.affected ?? 0) > 0;
  }

  /** `transition(row, ['dispatching'], 'dispatched')`, batched with concurrent callers. */
  markDispatched(row: RowRef): Promise<boolean> {
    return this.dispatched.call(row);
  }

  private async markDispatchedNow(rows: RowRef[]): Promise<boolean[]> {
    const moved: Array<{ id: string }> = await this.db.manager.query(
      // A SELECT on top: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH moved AS (
         UPDATE "gateway"."requests" r SET "status" = 'dispatched', "error_code" = NULL, "updated_at" = now()
           FROM unnest($1::bigint[], $2::varchar[]) AS k("id", "tenant_id")
          WHERE r."id" = k."id" AND r."tenant_id" = k."tenant_id" AND r."status" = 'dispatching'
          RETURNING r."id")
       SELECT "id" FROM moved`,
      [rows.map((r) => r.id), rows.map((r) => r.tenantId)],
    );
    const ids = new Set(moved.map((r) => String(r.id)));
    return rows.map((r) => ids.has(r.id));
  }

  async setConnection({ tenantId, id }: RowRef, connId: string): Promise<void> {
    await this.requests().update({ id, tenantId }, { connId });
  }

  async settle(
    tx: EntityManager,
    { tenantId, id }: RowRef,
    status: StoredStatus,
    result: CloudFlowMessage | undefined,
  ): Promise<void> {
    const changes = {
      status,
      updatedAt: new Date(),
      ...(result ? { result } : {}),
    } as QueryDeepPartialEntity<RequestEntity>;
    await this.requests(tx).update({ id, tenantId }, changes);
  }

  /** Appends to the timeline; returns its position (1, 2, …). */
  async append(tx: EntityManager, requestPk: string, m: NewMessage): Promise<number> {
    const [{ seq }]: Array<{ seq: number }> = await tx.query(
      `INSERT INTO "gateway"."request_messages" ("request_pk", "seq", "event_id", "conn_id", "conn_index", "message")
       SELECT $1, COALESCE(MAX("seq"), 0) + 1, $2, $3, $4, $5 FROM "gateway"."request_messages" WHERE "request_pk" = $1
       RETURNING "seq"`,
      [requestPk, m.eventId, m.connId, m.connIndex, JSON.stringify(m.message)],
    );
    return seq;
  }

  /**
   * `claim` for many sync requests at once (the batch's starts; one row per key, sorted by
   * key so replicas take unique-index locks in one order), each new row written with its
   * `status` and `result` as given (what the batch's later events make of it). `inserted` is
   * false for a taken-over `rejected` row, which may hold an older timeline: it is set to
   * `dispatched`, its result kept, and the caller applies the events to it afresh.
   */
  async claimMany(
    tx: EntityManager,
    rs: Array<NewRequest & { result: CloudFlowMessage | null }>,
  ): Promise<ClaimedRequest[]> {
    if (!rs.length) return [];
    const rows: InsertedRow[] = await tx.query(CLAIM_RECORDED, requestColumns(rs));
    return rows.map((r) => ({
      id: String(r.id),
      tenantId: r.tenant_id,
      accountId: r.account_id,
      requestId: r.request_id,
      inserted: r.inserted,
    }));
  }

  /**
   * Locks the requests of many keys in one statement, in primary-key order (two replicas
   * locking overlapping sets wait for each other instead of deadlocking); missing keys are absent.
   */
  async lockMany(tx: EntityManager, keys: RequestKey[]): Promise<LockedRequest[]> {
    if (!keys.length) return [];
    const rows: Array<{
      id: string;
      tenant_id: string;
      account_id: string;
      request_id: string;
      target: string;
      kind: RequestMode;
      type: string;
      status: StoredStatus;
    }> = await tx.query(
      `SELECT r."id", r."tenant_id", r."account_id", r."request_id", r."target", r."kind", r."type", r."status"
           FROM "gateway"."requests" r
           JOIN unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS k("t", "a", "q")
             ON r."tenant_id" = k."t" AND r."account_id" = k."a" AND r."request_id" = k."q"
          ORDER BY r."id" FOR UPDATE OF r`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.accountId), keys.map((k) => k.requestId)],
    );
    return rows.map((r) => ({
      id: String(r.id),
      tenantId: r.tenant_id,
      accountId: r.account_id,
      requestId: r.request_id,
      target: r.target,
      mode: r.kind,
      type: r.type,
      status: r.status,
    }));
  }

  /**
   * In one round trip, per request: the last timeline position, how many messages each device
   * connection recorded (the order check) and which of `eventIds` are recorded already.
   */
  async timelines(
    tx: EntityManager,
    requestPks: string[],
    eventIds: string[],
  ): Promise<Map<string, TimelineState>> {
    const states = new Map<string, TimelineState>();
    if (!requestPks.length) return states;
    const rows: Array<{
      request_pk: string;
      conn_id: string | null;
      n: number;
      last_seq: number;
      seen: string[] | null;
    }> = await tx.query(
      `SELECT "request_pk", "conn_id", count(*)::int AS "n", max("seq")::int AS "last_seq",
              array_agg("event_id"::text) FILTER (WHERE "event_id" = ANY($2::uuid[])) AS "seen"
         FROM "gateway"."request_messages" WHERE "request_pk" = ANY($1::bigint[])
        GROUP BY "request_pk", "conn_id"`,
      [requestPks, eventIds],
    );
    for (const row of rows) {
      const pk = String(row.request_pk);
      const state = states.get(pk) ?? {
        lastSeq: 0,
        perConnection: new Map<string, number>(),
        seen: new Set<string>(),
      };
      state.lastSeq = Math.max(state.lastSeq, row.last_seq);
      if (row.conn_id !== null) state.perConnection.set(row.conn_id, row.n);
      for (const id of row.seen ?? []) state.seen.add(id);
      states.set(pk, state);
    }
    return states;
  }

  /** Appends many messages (positions decided by the caller, which holds the requests' locks). */
  async appendMany(tx: EntityManager, rows: PositionedMessage[]): Promise<void> {
    if (!rows.length) return;
    await tx.query(
      `INSERT INTO "gateway"."request_messages" ("request_pk", "seq", "event_id", "conn_id", "conn_index", "message")
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::uuid[], $4::varchar[], $5::int[], $6::jsonb[])`,
      [
        rows.map((r) => r.requestPk),
        rows.map((r) => r.seq),
        rows.map((r) => r.eventId),
        rows.map((r) => r.connId),
        rows.map((r) => r.connIndex),
        rows.map((r) => JSON.stringify(r.message)),
      ],
    );
  }

  /** Sets the status (and, where given, the result) of many requests and touches them, in one statement. */
  async updateMany(tx: EntityManager, changes: RequestChange[]): Promise<void> {
    if (!changes.length) return;
    await tx.query(
      `UPDATE "gateway"."requests" r
          SET "status" = u."status", "result" = CASE WHEN u."result" IS NULL THEN r."result" ELSE u."result" END, "updated_at" = now()
         FROM unnest($1::bigint[], $2::varchar[], $3::jsonb[]) AS u("id", "status", "result")
        WHERE r."id" = u."id"`,
      [
        changes.map((c) => c.id),
        changes.map((c) => c.status),
        changes.map((c) => (c.result ? JSON.stringify(c.result) : null)),
      ],
    );
  }

  async messages(requestPks: string[], tx?: EntityManager): Promise<Map<string, RequestMessageEntity[]>> {
    const byRequest = new Map<string, RequestMessageEntity[]>();
    if (!requestPks.length) return byRequest;
    const rows = await this.messagesRepo(tx).find({
      where: { requestPk: In(requestPks) },
      order: { requestPk: 'ASC', seq: 'ASC' },
    });
    for (const row of rows) byRequest.set(row.requestPk, [...(byRequest.get(row.requestPk) ?? []), row]);
    for (const [pk, timeline] of byRequest) byRequest.set(pk, inConnectionOrder(timeline));
    return byRequest;
  }

  /** Requests still waiting for their device, oldest first. */
  open(limit: number): Promise<RequestEntity[]> {
    return this.requests().find({
      where: { status: In(['dispatching', 'dispatched']) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * A request and its timeline as of one instant: the row's status and result and the message
   * that set them are written in one commit, and two plain reads could straddle it (a final in
   * the timeline with no result yet).
   */
  withTimeline(
    key: RequestKey | RowRef,
  ): Promise<{ row: RequestEntity; messages: RequestMessageEntity[] } | null> {
    return this.db.snapshot(async (tx) => {
      const row =
        'id' in key
          ? await this.requests(tx).findOneBy({ id: key.id, tenantId: key.tenantId })
          : await this.find(key.tenantId, key.accountId, key.requestId, tx);
      if (!row) return null;
      return { row, messages: (await this.messages([row.id], tx)).get(row.id) ?? [] };
    });
  }

  /** A page of the request log and the rows' timelines, from one snapshot (see withTimeline). */
  listWithTimelines(
    tenantId: string,
    filters: RequestFilters,
    limit: number,
  ): Promise<{ rows: RequestEntity[]; messages: Map<string, RequestMessageEntity[]> }> {
    return this.db.snapshot(async (tx) => {
      const rows = await this.list(tenantId, filters, limit, tx);
      return {
        rows,
        messages: await this.messages(
          rows.map((r) => r.id),
          tx,
        ),
      };
    });
  }

  list(
    tenantId: string,
    filters: RequestFilters,
    limit: number,
    tx?: EntityManager,
  ): Promise<RequestEntity[]> {
    const exact = Object.fromEntries(
      Object.entries({ accountId: filters.accountId, target: filters.target }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    const where = {
      tenantId,
      ...exact,
      status: filters.status
        ? In(filters.status === 'dispatched' ? ['dispatched', 'dispatching'] : [filters.status])
        : In(VISIBLE),
    };
    return this.requests(tx).find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Drops requests past retention (their messages go with them). */
  async purge(olderThan: Date): Promise<number> {
    const res = await this.requests().delete({ createdAt: LessThan(olderThan) });
    return res.affected ?? 0;
  }
}

/**
 * A timeline in recording order, except that each device connection's messages are put back in
 * their index order within the positions that connection holds: an event recorded out of order
 * (after the recorder stopped waiting for an earlier one) reads in its place. Messages without
 * an index (the platform's own) keep their positions.
 */
export function inConnectionOrder<T extends { connId: string | null; connIndex: number | null }>(
  timeline: T[],
): T[] {
  const slots = new Map<string, number[]>();
  timeline.forEach((m, i) => {
    if (m.connId === null || m.connIndex === null) return;
    slots.set(m.connId, [...(slots.get(m.connId) ?? []), i]);
  });
  const out = [...timeline];
  for (const positions of slots.values()) {
    const sorted = positions.map((i) => timeline[i]).sort((a, b) => a.connIndex! - b.connIndex!);
    positions.forEach((pos, k) => (out[pos] = sorted[k]));
  }
  return out;
}

const VISIBLE: StoredStatus[] = [
  'dispatching',
  'dispatched',
  'completed',
  'failed',
  'connectionLost',
  'expired',
];
