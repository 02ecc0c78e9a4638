import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { RequestDeliveryView } from '@cloudflow/contracts';
import type { EntityManager } from 'typeorm';
import { deliveryKey, WebhookOutbox, type OutboxItem, type RequestRef } from './webhook-outbox.port';

/** Postgres channel the workers LISTEN on; a NOTIFY is delivered only when the enqueue commits. */
export const WEBHOOK_CHANNEL = 'cloudflow_webhooks';

interface DeliveryRow {
  delivery_id: string;
  account_id: string;
  request_id: string;
  seq: number;
  status: RequestDeliveryView['status'];
  attempt: number | null;
  at: Date | null;
  http_status: number | null;
  error: string | null;
}

/** The outbox as the request side sees it (webhook-outbox.port.ts), on Postgres. */
@Injectable()
export class WebhookOutboxRepository extends WebhookOutbox {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  enqueue(manager: EntityManager, item: OutboxItem): Promise<void> {
    return this.enqueueMany(manager, [item]);
  }

  async enqueueMany(manager: EntityManager, items: OutboxItem[]): Promise<void> {
    if (!items.length) return;
    // Serialized once: every attempt sends and signs exactly these bytes.
    const bodies = items.map((item) => JSON.stringify(item.message));
    // A repeated (request, seq) is the same message queued twice by a retried caller: keep the first.
    // One round trip for the lot: the insert runs as a data-modifying CTE whether or not the SELECT
    // reads it, and one NOTIFY wakes the workers (Postgres folds identical ones per transaction anyway).
    await manager.query(
      `WITH queued AS (
         INSERT INTO "gateway"."webhook_deliveries" ("delivery_id", "tenant_id", "account_id", "request_id", "seq", "body", "kind", "traceparent")
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::int[], $6::text[], $8::varchar[], $9::varchar[])
         ON CONFLICT ("account_id", "request_id", "seq") DO NOTHING)
       SELECT pg_notify($7, '')`,
      [
        items.map((i) => i.deliveryId ?? randomUUID()),
        items.map((i) => i.tenantId),
        items.map((i) => i.accountId),
        items.map((i) => i.requestId),
        items.map((i) => i.seq),
        bodies,
        WEBHOOK_CHANNEL,
        items.map((i) => i.kind ?? 'requestMessage'),
        items.map((i) => i.traceparent ?? null),
      ],
    );
  }

  async deliveriesFor(tenantId: string, requests: RequestRef[]): Promise<Map<string, RequestDeliveryView[]>> {
    const result = new Map<string, RequestDeliveryView[]>();
    // Each pair once (a repeated pair would repeat its rows in the join), matched on both
    // parts: a requestId alone may belong to several accounts.
    const pairs = [...new Map(requests.map((r) => [deliveryKey(r), r])).values()];
    if (pairs.length === 0) return result;
    const rows: DeliveryRow[] = await this.db.manager.query(
      `SELECT d."delivery_id", d."account_id", d."request_id", d."seq", d."status", a."attempt", a."at", a."http_status", a."error"
         FROM "gateway"."webhook_deliveries" d
         JOIN unnest($2::varchar[], $3::varchar[]) AS r("account_id", "request_id")
           ON r."account_id" = d."account_id" AND r."request_id" = d."request_id"
         LEFT JOIN "gateway"."webhook_attempts" a ON a."delivery_id" = d."delivery_id"
        WHERE d."tenant_id" = $1
        ORDER BY d."account_id", d."request_id", d."seq", a."attempt"`,
      [tenantId, pairs.map((r) => r.accountId), pairs.map((r) => r.requestId)],
    );
    let current: RequestDeliveryView | undefined;
    for (const row of rows) {
      if (current?.deliveryId !== row.delivery_id) {
        current = { deliveryId: row.delivery_id, seq: row.seq, status: row.status, attempts: [] };
        const key = deliveryKey({ accountId: row.account_id, requestId: row.request_id });
        const list = result.get(key) ?? [];
        list.push(current);
        result.set(key, list);
      }
      if (row.attempt !== null && row.at !== null) {
        current.attempts.push({
          deliveryId: row.delivery_id,
          seq: row.seq,
          attempt: row.attempt,
          at: row.at.toISOString(),
          httpStatus: row.http_status,
          error: row.error,
        });
      }
    }
    return result;
  }
}
