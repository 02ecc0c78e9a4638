import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { BatchedCalls } from '../requests/keyed-batches';

/** A due delivery this worker holds the lease on. */
export interface ClaimedDelivery {
  deliveryId: string;
  tenantId: string;
  accountId: string;
  requestId: string;
  seq: number;
  body: string;
  /** Finished attempts before this one. */
  attempts: number;
  leaseToken: string;
}

interface ClaimRow {
  delivery_id: string;
  tenant_id: string;
  account_id: string;
  request_id: string;
  seq: number;
  body: string;
  attempts: number;
  lease_token: string;
}

const T = '"gateway"."webhook_deliveries"';
const A = '"gateway"."webhook_attempts"';

/** The worker's side of the outbox: claim due rows under a lease, then settle each one. */
@Injectable()
export class WebhookQueueRepository {
  /** 2xx answers of concurrent deliveries settle in one statement (two in flight: one pooled connection each). */
  private readonly delivered = new BatchedCalls<{ row: ClaimedDelivery; httpStatus: number }, boolean>(
    (items) => this.markDeliveredNow(items),
    {
      maxBatch: 200,
      concurrency: 2,
    },
  );

  constructor(private readonly db: DatabaseService) {}

  /**
   * Leases up to `limit` due rows. A row is due when it is pending, its retry time has come, no
   * live lease holds it (an expired one is a crashed worker's) and no earlier message of its
   * request is still pending: seq n goes out only after n − 1 is delivered or dead. SKIP LOCKED
   * lets replicas claim side by side without waiting on each other or taking the same row.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows: ClaimRow[] = await this.db.manager.query(
      `WITH due AS (
         SELECT c."delivery_id" FROM ${T} c
          WHERE c."status" = 'pending' AND c."next_attempt_at" <= now()
            AND (c."lease_until" IS NULL OR c."lease_until" < now())
            AND NOT EXISTS (
              SELECT 1 FROM ${T} p
               WHERE p."account_id" = c."account_id" AND p."request_id" = c."request_id"
                 AND p."seq" < c."seq" AND p."status" = 'pending')
          ORDER BY c."next_attempt_at"
          LIMIT $1
          FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE ${T} d SET "lease_until" = now() + ($2::float8 * interval '1 millisecond'), "lease_token" = $3
           FROM due WHERE d."delivery_id" = due."delivery_id"
         RETURNING d."delivery_id", d."tenant_id", d."account_id", d."request_id", d."seq", d."body", d."attempts", d."lease_token")
       -- A SELECT on top: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
       SELECT * FROM claimed`,
      [limit, leaseMs, randomUUID()],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      tenantId: r.tenant_id,
      accountId: r.account_id,
      requestId: r.request_id,
      seq: r.seq,
      body: r.body,
      attempts: r.attempts,
      leaseToken: r.lease_token,
    }));
  }

  /** Records a 2xx. False when the lease was lost meanwhile (another worker owns the row now). */
  markDelivered(row: ClaimedDelivery, httpStatus: number): Promise<boolean> {
    return this.delivered.call({ row, httpStatus });
  }

  private async markDeliveredNow(
    items: Array<{ row: ClaimedDelivery; httpStatus: number }>,
  ): Promise<boolean[]> {
    const settled: Array<{ delivery_id: string }> = await this.db.manager.query(
      `WITH s AS (
         UPDATE ${T} d SET "status" = 'delivered', "delivered_at" = now(), "attempts" = d."attempts" + 1,
                "lease_until" = NULL, "lease_token" = NULL, "last_error" = NULL
           FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS u("delivery_id", "lease_token", "http_status")
          WHERE d."delivery_id" = u."delivery_id" AND d."lease_token" = u."lease_token"
          RETURNING d."delivery_id", d."attempts", u."http_status"),
       ins AS (INSERT INTO ${A} ("delivery_id", "attempt", "at", "http_status") SELECT "delivery_id", "attempts", now(), "http_status" FROM s)
       SELECT "delivery_id" FROM s`,
      [
        items.map((i) => i.row.deliveryId),
        items.map((i) => i.row.leaseToken),
        items.map((i) => i.httpStatus),
      ],
    );
    const done = new Set(settled.map((r) => r.delivery_id));
    return items.map((i) => done.has(i.row.deliveryId));
  }

  /**
   * Records a failed attempt and schedules the next one `retryInMs` later, but never past the
   * row's deadline (created + maxAge), so the last try happens then; a failure at or after the
   * deadline makes the row dead. Returns the new status, or undefined when the lease was lost.
   */
  async markFailed(
    row: ClaimedDelivery,
    failure: { httpStatus: number | null; error: string },
    retryInMs: number,
    maxAgeMs: number,
  ): Promise<'pending' | 'dead' | undefined> {
    const error = failure.error.slice(0, 500);
    const settled: Array<{ status: 'pending' | 'dead' }> = await this.db.manager.query(
      `WITH s AS (
         UPDATE ${T} SET "attempts" = "attempts" + 1, "lease_until" = NULL, "lease_token" = NULL, "last_error" = $3,
                "status" = CASE WHEN "created_at" + ($5::float8 * interval '1 millisecond') <= now() THEN 'dead' ELSE 'pending' END,
                "next_attempt_at" = LEAST(now() + ($4::float8 * interval '1 millisecond'), "created_at" + ($5::float8 * interval '1 millisecond'))
          WHERE "delivery_id" = $1 AND "lease_token" = $2
          RETURNING "delivery_id", "attempts", "status"),
       ins AS (INSERT INTO ${A} ("delivery_id", "attempt", "at", "http_status", "error") SELECT "delivery_id", "attempts", now(), $6, $3 FROM s)
       SELECT "status" FROM s`,
      [row.deliveryId, row.leaseToken, error, retryInMs, maxAgeMs, failure.httpStatus],
    );
    return settled[0]?.status;
  }

  /** Deletes finished rows (and their attempts) older than `olderThanMs`; pending ones stay whatever their age. */
  async purgeFinished(olderThanMs: number): Promise<number> {
    const deleted: unknown[] = await this.db.manager.query(
      `WITH gone AS (
         DELETE FROM ${T} WHERE "status" <> 'pending' AND "created_at" < now() - ($1::float8 * interval '1 millisecond')
         RETURNING 1)
       SELECT 1 FROM gone`,
      [olderThanMs],
    );
    return deleted.length;
  }
}
