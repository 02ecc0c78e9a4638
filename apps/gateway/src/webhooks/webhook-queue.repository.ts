import { Injectable } from '@nestjs/common';
import type { EventType } from '@cloudflow/contracts';
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
  /** What the event is (a request's message, a device's presence). */
  kind: EventType;
  /** Finished attempts before this one. */
  attempts: number;
  /** Of those, the ones since the latest redelivery (the backoff starts over with a redelivery). */
  budgetAttempts: number;
  leaseToken: string;
  /** Its age when claimed, by the database's clock (and `claimedAt`, by ours): the webhook lag without clock skew. */
  ageAtClaimMs: number;
  claimedAt: number;
  /** The recording's span that queued it (tracing): each attempt is a span of that trace. */
  traceparent: string | null;
}

/** The outcome of a failed attempt: the row's new status, and whether it just disabled its receiver. */
export interface FailedSettlement {
  status: 'pending' | 'dead';
  receiverDisabled: boolean;
}

/** What a failed attempt does besides rescheduling its row. */
export interface FailurePolicy {
  retryInMs: number;
  maxAgeMs: number;
  /**
   * The receiver's failure (it answered non-2xx, could not be reached, has no usable URL), as
   * opposed to ours (auth or admin unreachable): only those count towards disabling it.
   */
  receiverFault: boolean;
  disableAfterMs: number;
}

interface ClaimRow {
  delivery_id: string;
  tenant_id: string;
  account_id: string;
  request_id: string;
  seq: number;
  body: string;
  kind: EventType;
  attempts: number;
  attempts_before_redelivery: number;
  lease_token: string;
  age_ms: number;
  traceparent: string | null;
}

const T = '"gateway"."webhook_deliveries"';
const A = '"gateway"."webhook_attempts"';
const R = '"gateway"."webhook_receivers"';
/** Claims are taken one at a time across the replicas, so the per-account cap counts every lease (see claim). */
const CLAIM_LOCK = 'gateway.webhook_deliveries.claim';
/** A row's deadline: a redelivery gives it a fresh budget of maxAge (issue 14). */
const DEADLINE = `COALESCE("redelivered_at", "created_at") + ($5::float8 * interval '1 millisecond')`;

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
   * live lease holds it (an expired one is a crashed worker's), no earlier message of its
   * request is still pending (seq n goes out only after n − 1 is delivered or dead) and its
   * account's receiver is not disabled.
   *
   * Fairness (issue 14): an account gets at most `accountCap` rows in flight, counted as the
   * live leases of every replica, so a slow receiver holds at most that many workers' slots
   * while the other accounts' rows keep going out. The count is exact because claims run one
   * at a time under a transaction-scoped advisory lock: a claim sees every lease the previous
   * one committed (a claim is one short statement; the HTTP work happens outside it).
   */
  async claim(limit: number, leaseMs: number, accountCap: number): Promise<ClaimedDelivery[]> {
    const rows: ClaimRow[] = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [CLAIM_LOCK]);
      return tx.query<ClaimRow[]>(
        `WITH live AS (
           SELECT "account_id", count(*)::int AS "n" FROM ${T}
            WHERE "status" = 'pending' AND "lease_until" >= now()
            GROUP BY "account_id"),
         candidates AS (
           SELECT c."delivery_id", c."account_id", c."next_attempt_at",
                  row_number() OVER (PARTITION BY c."account_id" ORDER BY c."next_attempt_at", c."delivery_id") AS "rank"
             FROM ${T} c
            WHERE c."status" = 'pending' AND c."next_attempt_at" <= now()
              AND (c."lease_until" IS NULL OR c."lease_until" < now())
              AND NOT EXISTS (
                SELECT 1 FROM ${T} p
                 WHERE p."account_id" = c."account_id" AND p."request_id" = c."request_id"
                   AND p."seq" < c."seq" AND p."status" = 'pending')
              AND NOT EXISTS (
                SELECT 1 FROM ${R} r WHERE r."account_id" = c."account_id" AND r."disabled_at" IS NOT NULL)),
         due AS (
           SELECT d."delivery_id" FROM ${T} d
             JOIN candidates k ON k."delivery_id" = d."delivery_id"
             LEFT JOIN live l ON l."account_id" = k."account_id"
            WHERE k."rank" <= $4 - COALESCE(l."n", 0)
            ORDER BY k."next_attempt_at"
            LIMIT $1
            FOR UPDATE OF d SKIP LOCKED),
         claimed AS (
           UPDATE ${T} d SET "lease_until" = now() + ($2::float8 * interval '1 millisecond'), "lease_token" = $3
             FROM due WHERE d."delivery_id" = due."delivery_id"
           RETURNING d."delivery_id", d."tenant_id", d."account_id", d."request_id", d."seq", d."body", d."kind", d."attempts",
                     d."attempts_before_redelivery", d."lease_token", d."traceparent",
                     (extract(epoch FROM clock_timestamp() - COALESCE(d."redelivered_at", d."created_at")) * 1000)::float8 AS "age_ms")
         -- A SELECT on top: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
         SELECT * FROM claimed`,
        [limit, leaseMs, randomUUID(), accountCap],
      );
    });
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      tenantId: r.tenant_id,
      accountId: r.account_id,
      requestId: r.request_id,
      seq: r.seq,
      body: r.body,
      kind: r.kind,
      attempts: r.attempts,
      budgetAttempts: Math.max(0, r.attempts - r.attempts_before_redelivery),
      leaseToken: r.lease_token,
      ageAtClaimMs: Number(r.age_ms),
      claimedAt: Date.now(),
      traceparent: r.traceparent,
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
          RETURNING d."delivery_id", d."account_id", d."attempts", u."http_status"),
       ins AS (INSERT INTO ${A} ("delivery_id", "attempt", "at", "http_status") SELECT "delivery_id", "attempts", now(), "http_status" FROM s),
       -- One success clears the receiver's failing state (issue 14).
       healthy AS (DELETE FROM ${R} WHERE "account_id" IN (SELECT "account_id" FROM s))
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
   * row's deadline (created, or redelivered, + maxAge), so the last try happens then; a failure
   * at or after the deadline makes the row dead. A receiver's fault also marks its account as
   * failing (since its first failure after a success), and disables it once that has lasted
   * `disableAfterMs`. Undefined when the lease was lost.
   */
  async markFailed(
    row: ClaimedDelivery,
    failure: { httpStatus: number | null; error: string },
    policy: FailurePolicy,
  ): Promise<FailedSettlement | undefined> {
    const error = failure.error.slice(0, 500);
    const settled: Array<{ status: 'pending' | 'dead'; receiver_disabled: boolean | null }> =
      await this.db.manager.query(
        `WITH s AS (
           UPDATE ${T} SET "attempts" = "attempts" + 1, "lease_until" = NULL, "lease_token" = NULL, "last_error" = $3,
                  "status" = CASE WHEN ${DEADLINE} <= now() THEN 'dead' ELSE 'pending' END,
                  "dead_at" = CASE WHEN ${DEADLINE} <= now() THEN now() END,
                  "next_attempt_at" = LEAST(now() + ($4::float8 * interval '1 millisecond'), ${DEADLINE})
            WHERE "delivery_id" = $1 AND "lease_token" = $2
            RETURNING "delivery_id", "tenant_id", "account_id", "attempts", "status"),
         ins AS (INSERT INTO ${A} ("delivery_id", "attempt", "at", "http_status", "error") SELECT "delivery_id", "attempts", now(), $6, $3 FROM s),
         rec AS (
           INSERT INTO ${R} AS r ("account_id", "tenant_id", "failing_since", "last_error", "last_error_at")
           SELECT "account_id", "tenant_id", now(), $3, now() FROM s WHERE $7::boolean
           ON CONFLICT ("account_id") DO UPDATE
              SET "last_error" = EXCLUDED."last_error", "last_error_at" = EXCLUDED."last_error_at",
                  "disabled_at" = COALESCE(r."disabled_at",
                    CASE WHEN r."failing_since" <= now() - ($8::float8 * interval '1 millisecond') THEN now() END)
           RETURNING r."disabled_at" = now() AS "just_disabled")
         SELECT s."status", (SELECT bool_or("just_disabled") FROM rec) AS "receiver_disabled" FROM s`,
        [
          row.deliveryId,
          row.leaseToken,
          error,
          policy.retryInMs,
          policy.maxAgeMs,
          failure.httpStatus,
          policy.receiverFault,
          policy.disableAfterMs,
        ],
      );
    const first = settled[0];
    return first && { status: first.status, receiverDisabled: first.receiver_disabled === true };
  }

  /**
   * Rows of disabled receivers are not attempted, so nothing would ever make them dead: past
   * their deadline they go dead here (redeliverable like any other), as if their last try failed.
   */
  async expireDisabled(maxAgeMs: number): Promise<number> {
    const expired: unknown[] = await this.db.manager.query(
      `WITH x AS (
         UPDATE ${T} SET "status" = 'dead', "dead_at" = now(), "last_error" = COALESCE("last_error", 'receiver disabled')
          WHERE "status" = 'pending' AND COALESCE("redelivered_at", "created_at") + ($1::float8 * interval '1 millisecond') <= now()
            AND ("lease_until" IS NULL OR "lease_until" < now())
            AND "account_id" IN (SELECT "account_id" FROM ${R} WHERE "disabled_at" IS NOT NULL)
         RETURNING 1)
       SELECT 1 FROM x`,
      [maxAgeMs],
    );
    return expired.length;
  }

  /**
   * Deletes finished rows (and their attempts): delivered ones `deliveredMs` after they were
   * queued, dead ones `deadMs` after they went dead (long enough to be redelivered to a receiver
   * back after days, issue 14). Pending ones stay whatever their age.
   */
  async purgeFinished(deliveredMs: number, deadMs: number): Promise<number> {
    const deleted: unknown[] = await this.db.manager.query(
      `WITH gone AS (
         DELETE FROM ${T}
          WHERE ("status" = 'delivered' AND "created_at" < now() - ($1::float8 * interval '1 millisecond'))
             OR ("status" = 'dead' AND COALESCE("dead_at", "created_at") < now() - ($2::float8 * interval '1 millisecond'))
         RETURNING 1)
       SELECT 1 FROM gone`,
      [deliveredMs, deadMs],
    );
    return deleted.length;
  }
}
