import { Injectable } from '@nestjs/common';
import type {
  WebhookDeliveryStatus,
  WebhookDeliverySummary,
  WebhookReceiverStatus,
} from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { WEBHOOK_CHANNEL } from './webhook-outbox.repository';

interface SummaryRow {
  delivery_id: string;
  request_id: string;
  seq: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  next_attempt_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
  redelivered_at: Date | null;
}

interface ReceiverRow {
  failing_since: Date | null;
  disabled_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  pending: number;
  dead: number;
}

const T = '"gateway"."webhook_deliveries"';
const R = '"gateway"."webhook_receivers"';
const SUMMARY = `"delivery_id", "request_id", "seq", "status", "attempts", "last_error", "created_at", "next_attempt_at", "delivered_at", "dead_at", "redelivered_at"`;
/**
 * A redelivery: due now, with a fresh retry budget (the deadline counts from now, the backoff
 * from the attempts made so far), the same deliveryId and body.
 */
const REDELIVER = `"status" = 'pending', "next_attempt_at" = now(), "redelivered_at" = now(),
  "attempts_before_redelivery" = "attempts", "dead_at" = NULL, "delivered_at" = NULL`;

/**
 * The admin side of the outbox (issue 14): an account's deliveries, their redelivery, its
 * receiver's health. Every method takes the tenant and the account: a delivery id of another
 * account is not found.
 */
@Injectable()
export class WebhookOperationsRepository {
  constructor(private readonly db: DatabaseService) {}

  async list(
    tenantId: string,
    accountId: string,
    status: WebhookDeliveryStatus | undefined,
    limit: number,
  ): Promise<WebhookDeliverySummary[]> {
    const rows: SummaryRow[] = await this.db.manager.query(
      `SELECT ${SUMMARY} FROM ${T}
        WHERE "tenant_id" = $1 AND "account_id" = $2 AND ($3::varchar IS NULL OR "status" = $3)
        ORDER BY "created_at" DESC, "seq" DESC
        LIMIT $4`,
      [tenantId, accountId, status ?? null, limit],
    );
    return rows.map(toSummary);
  }

  /**
   * Queues one delivery again, whatever its status, unless a worker holds it right now (then it
   * is answered as it is: it is being sent). Undefined when the account has no such delivery.
   */
  async redeliver(
    tenantId: string,
    accountId: string,
    deliveryId: string,
  ): Promise<WebhookDeliverySummary | undefined> {
    const rows: SummaryRow[] = await this.db.manager.query(
      `WITH r AS (
         UPDATE ${T} SET ${REDELIVER}
          WHERE "delivery_id" = $3 AND "tenant_id" = $1 AND "account_id" = $2
            AND NOT ("status" = 'pending' AND "lease_until" >= now())
         RETURNING ${SUMMARY})
       SELECT * FROM r
       UNION ALL
       SELECT ${SUMMARY} FROM ${T}
        WHERE "delivery_id" = $3 AND "tenant_id" = $1 AND "account_id" = $2 AND NOT EXISTS (SELECT 1 FROM r)`,
      [tenantId, accountId, deliveryId],
    );
    if (rows.length) await this.wakeWorkers();
    return rows[0] && toSummary(rows[0]);
  }

  /** Queues every dead delivery of the account again; how many. */
  async redeliverDead(tenantId: string, accountId: string): Promise<number> {
    const rows: unknown[] = await this.db.manager.query(
      `WITH r AS (
         UPDATE ${T} SET ${REDELIVER}
          WHERE "tenant_id" = $1 AND "account_id" = $2 AND "status" = 'dead'
         RETURNING 1)
       SELECT 1 FROM r`,
      [tenantId, accountId],
    );
    if (rows.length) await this.wakeWorkers();
    return rows.length;
  }

  async receiver(tenantId: string, accountId: string): Promise<WebhookReceiverStatus> {
    const [row]: ReceiverRow[] = await this.db.manager.query(
      `SELECT r."failing_since", r."disabled_at", r."last_error", r."last_error_at",
              (SELECT count(*)::int FROM ${T} WHERE "tenant_id" = $1 AND "account_id" = $2 AND "status" = 'pending') AS "pending",
              (SELECT count(*)::int FROM ${T} WHERE "tenant_id" = $1 AND "account_id" = $2 AND "status" = 'dead') AS "dead"
         FROM (SELECT 1) one
         LEFT JOIN ${R} r ON r."tenant_id" = $1 AND r."account_id" = $2`,
      [tenantId, accountId],
    );
    return {
      accountId,
      state: row.disabled_at ? 'disabled' : row.failing_since ? 'failing' : 'ok',
      failingSince: iso(row.failing_since),
      disabledAt: iso(row.disabled_at),
      lastError: row.last_error,
      lastErrorAt: iso(row.last_error_at),
      pending: row.pending,
      dead: row.dead,
    };
  }

  /**
   * The tenant says the receiver works again: its failing state is forgotten and its pending
   * deliveries are due now (not at the end of a long backoff).
   */
  async enable(tenantId: string, accountId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${R} WHERE "tenant_id" = $1 AND "account_id" = $2`, [tenantId, accountId]);
      await tx.query(
        `UPDATE ${T} SET "next_attempt_at" = now()
          WHERE "tenant_id" = $1 AND "account_id" = $2 AND "status" = 'pending' AND "next_attempt_at" > now()`,
        [tenantId, accountId],
      );
      await tx.query(`SELECT pg_notify($1, '')`, [WEBHOOK_CHANNEL]);
    });
  }

  /** Every replica's worker looks for due rows now (the NOTIFY of an enqueue). */
  private async wakeWorkers(): Promise<void> {
    await this.db.manager.query(`SELECT pg_notify($1, '')`, [WEBHOOK_CHANNEL]);
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function toSummary(r: SummaryRow): WebhookDeliverySummary {
  return {
    deliveryId: r.delivery_id,
    requestId: r.request_id,
    seq: r.seq,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    deliveredAt: iso(r.delivered_at),
    deadAt: iso(r.dead_at),
    redeliveredAt: iso(r.redelivered_at),
  };
}
