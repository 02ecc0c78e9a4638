import { Injectable } from '@nestjs/common';
import type { CloudFlowMessage, RequestStatus } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { In, LessThan, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { RequestEntity, RequestMessageEntity, type StoredStatus } from './request.entity';

export interface NewRequest {
  tenantId: string;
  accountId: string;
  requestId: string;
  target: string;
  type: string;
  kind: 'sync' | 'async';
  status: StoredStatus;
  bodyHash: string;
  request: CloudFlowMessage;
  connId: string | null;
  expiresAt: Date;
}

export interface NewMessage {
  eventId: string | null;
  connId: string | null;
  connIndex: number | null;
  message: CloudFlowMessage;
}

export interface RequestFilters {
  accountId?: string;
  target?: string;
  status?: RequestStatus;
}

/**
 * Requests and their timelines. Every lookup takes the tenant and account (or the row's own
 * key, found that way); methods taking `tx` run inside the caller's transaction.
 */
@Injectable()
export class RequestsRepository {
  constructor(private readonly db: DatabaseService) {}

  private requests(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(RequestEntity);
  }

  private messagesRepo(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(RequestMessageEntity);
  }

  find(tenantId: string, accountId: string, requestId: string): Promise<RequestEntity | null> {
    return this.requests().findOneBy({ tenantId, accountId, requestId });
  }

  byId(id: string): Promise<RequestEntity | null> {
    return this.requests().findOneBy({ id });
  }

  /** The row, locked until `tx` ends: events of one request are recorded one at a time. */
  lock(tx: EntityManager, tenantId: string, accountId: string, requestId: string): Promise<RequestEntity | null> {
    return this.requests(tx).findOne({ where: { tenantId, accountId, requestId }, lock: { mode: 'pessimistic_write' } });
  }

  lockById(tx: EntityManager, id: string): Promise<RequestEntity | null> {
    return this.requests(tx).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Writes a new request, or takes over a `rejected` one (nothing was dispatched for it). The
   * unique key decides between concurrent duplicates: only the winner gets the row id back.
   */
  async claim(r: NewRequest, tx?: EntityManager): Promise<string | null> {
    const rows: Array<{ id: string }> = await (tx ?? this.db.manager).query(
      `INSERT INTO "gateway"."requests"
         ("tenant_id", "account_id", "request_id", "target", "type", "kind", "status", "body_hash", "request", "conn_id", "expires_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ("tenant_id", "account_id", "request_id") DO UPDATE SET
         "target" = EXCLUDED."target", "type" = EXCLUDED."type", "kind" = EXCLUDED."kind", "status" = EXCLUDED."status",
         "error_code" = NULL, "body_hash" = EXCLUDED."body_hash", "request" = EXCLUDED."request", "conn_id" = EXCLUDED."conn_id",
         "created_at" = now(), "updated_at" = now(), "expires_at" = EXCLUDED."expires_at"
       WHERE "requests"."status" = 'rejected'
       RETURNING "id"`,
      [r.tenantId, r.accountId, r.requestId, r.target, r.type, r.kind, r.status, r.bodyHash, JSON.stringify(r.request), r.connId, r.expiresAt],
    );
    return rows[0]?.id ?? null;
  }

  /** Moves a request on only from the given statuses (safe with any number of gateway replicas). */
  async transition(id: string, from: StoredStatus[], to: StoredStatus, errorCode: string | null = null, tx?: EntityManager): Promise<boolean> {
    const res = await this.requests(tx).update({ id, status: In(from) }, { status: to, errorCode, updatedAt: new Date() });
    return (res.affected ?? 0) > 0;
  }

  async setConnection(id: string, connId: string): Promise<void> {
    await this.requests().update({ id }, { connId });
  }

  async settle(tx: EntityManager, id: string, status: StoredStatus, result: CloudFlowMessage | undefined): Promise<void> {
    const changes = { status, updatedAt: new Date(), ...(result ? { result } : {}) } as QueryDeepPartialEntity<RequestEntity>;
    await this.requests(tx).update({ id }, changes);
  }

  async touch(tx: EntityManager, id: string): Promise<void> {
    await this.requests(tx).update({ id }, { updatedAt: new Date() });
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
   * In one round trip: whether this event is recorded already (an event only ever belongs to
   * its own request) and how many events of this device connection the request holds (the
   * order check).
   */
  async eventState(tx: EntityManager, requestPk: string, eventId: string, connId: string): Promise<{ recorded: boolean; fromConnection: number }> {
    const [row]: Array<{ recorded: boolean; from_connection: number }> = await tx.query(
      `SELECT count(*) FILTER (WHERE "event_id" = $2) > 0 AS "recorded", count(*) FILTER (WHERE "conn_id" = $3)::int AS "from_connection"
         FROM "gateway"."request_messages" WHERE "request_pk" = $1`,
      [requestPk, eventId, connId],
    );
    return { recorded: row.recorded, fromConnection: row.from_connection };
  }

  async messages(requestPks: string[]): Promise<Map<string, RequestMessageEntity[]>> {
    const byRequest = new Map<string, RequestMessageEntity[]>();
    if (!requestPks.length) return byRequest;
    const rows = await this.messagesRepo().find({ where: { requestPk: In(requestPks) }, order: { requestPk: 'ASC', seq: 'ASC' } });
    for (const row of rows) byRequest.set(row.requestPk, [...(byRequest.get(row.requestPk) ?? []), row]);
    return byRequest;
  }

  /** Requests still waiting for their device, oldest first. */
  open(limit: number): Promise<RequestEntity[]> {
    return this.requests().find({ where: { status: In(['dispatching', 'dispatched']) }, order: { createdAt: 'ASC' }, take: limit });
  }

  list(tenantId: string, filters: RequestFilters, limit: number): Promise<RequestEntity[]> {
    const exact = Object.fromEntries(Object.entries({ accountId: filters.accountId, target: filters.target }).filter(([, v]) => v !== undefined));
    const where = { tenantId, ...exact, status: filters.status ? In(filters.status === 'dispatched' ? ['dispatched', 'dispatching'] : [filters.status]) : In(VISIBLE) };
    return this.requests().find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Drops requests past retention (their messages go with them). */
  async purge(olderThan: Date): Promise<number> {
    const res = await this.requests().delete({ createdAt: LessThan(olderThan) });
    return res.affected ?? 0;
  }
}

const VISIBLE: StoredStatus[] = ['dispatching', 'dispatched', 'completed', 'failed', 'connectionLost', 'expired'];
