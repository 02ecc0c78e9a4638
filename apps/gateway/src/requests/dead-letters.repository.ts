import { Injectable } from '@nestjs/common';
import type { DeadLetterView } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';

export interface NewDeadLetter {
  tenantId: string | null;
  accountId: string | null;
  requestId: string | null;
  eventId: string | null;
  streamSeq: number;
  deliveries: number;
  reason: string;
  /** Already masked and made storable (see storableEvent). */
  event: string;
}

/** Request events that could not be recorded. Reads take the tenant; writes come from the consumer, which has no tenant for unreadable events. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly db: DatabaseService) {}

  async add(d: NewDeadLetter): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO "gateway"."request_dead_letters" ("tenant_id", "account_id", "request_id", "event_id", "stream_seq", "deliveries", "reason", "event")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT ("event_id") WHERE "event_id" IS NOT NULL DO NOTHING`,
      [
        d.tenantId,
        d.accountId,
        d.requestId,
        d.eventId,
        d.streamSeq,
        d.deliveries,
        d.reason.slice(0, 500),
        d.event,
      ],
    );
  }

  async list(tenantId: string, filters: { accountId?: string }, limit: number): Promise<DeadLetterView[]> {
    const rows: Array<{
      account_id: string | null;
      request_id: string | null;
      event_id: string | null;
      reason: string;
      deliveries: number;
      event: string;
      created_at: Date;
    }> = await this.db.manager.query(
      `SELECT "account_id", "request_id", "event_id", "reason", "deliveries", "event", "created_at"
           FROM "gateway"."request_dead_letters"
          WHERE "tenant_id" = $1 AND ($2::varchar IS NULL OR "account_id" = $2)
          ORDER BY "created_at" DESC, "id" DESC LIMIT $3`,
      [tenantId, filters.accountId ?? null, limit],
    );
    return rows.map((r) => ({
      accountId: r.account_id,
      requestId: r.request_id,
      eventId: r.event_id,
      reason: r.reason,
      deliveries: r.deliveries,
      event: r.event,
      deadAt: new Date(r.created_at).toISOString(),
    }));
  }

  async purge(olderThan: Date): Promise<number> {
    const res: [unknown[], number] = await this.db.manager.query(
      `DELETE FROM "gateway"."request_dead_letters" WHERE "created_at" < $1`,
      [olderThan],
    );
    return res[1] ?? 0;
  }
}
